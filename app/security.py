"""Security headers on every response; no-store on anything personal."""
from __future__ import annotations

import ipaddress

from flask import Flask, request
from flask_login import current_user

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def init_security(app: Flask) -> None:
    app.after_request(set_security_headers)


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if _is_personal(response):
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def _is_personal(response) -> bool:
    if request.endpoint in ("static", "bootstrap.static") and response.status_code < 400:
        return False  # an error page (even an unmatched URL's 404) names the signed-in user
    return bool(getattr(current_user, "is_authenticated", False)) or response.mimetype in (
        "application/pdf",
    )


def client_address() -> str:
    """The client's address for rate limits and the sign-in throttle.

    An IPv6 client is its /64 (one subscriber usually holds a whole /64, so counting single
    addresses would let it rotate freely). Behind a reverse proxy, SENDOFF_TRUSTED_PROXIES
    makes `remote_addr` the client's address (ProxyFix); without it, every client would
    share the proxy's.
    """
    raw = request.remote_addr or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw or "unknown"
    if address.version == 6 and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(getattr(address, "ipv4_mapped", None) or address)
