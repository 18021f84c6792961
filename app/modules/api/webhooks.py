"""Standard Webhooks: publish an event to the endpoints that asked for it (one delivery row and
one outbox job each, in the event's transaction), and deliver it signed, retried with backoff.

Each message is signed with the `standardwebhooks` library: `webhook-id` (the same on every
attempt and replay), `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`.
"""
from __future__ import annotations

import ipaddress
import json
import logging
import secrets
import socket
import time
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from app.db import db, utcnow
from app.engine.outbox import record as record_job
from app.modules.api.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)
DELIVER_JOB = "webhook.deliver"
MAX_ATTEMPTS = 8  # with the outbox's backoff: 30 s, 1, 2, 4, 8, 16, 32 min
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
USER_AGENT = "Sendoff-Webhooks/1"


class DeliveryFailed(RuntimeError):
    """The receiver did not answer 2xx; the outbox retries later."""


class UnsafeUrl(ValueError):
    """The URL may not be called (scheme, or a private address outside development)."""


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 24 random bytes in base64."""
    import base64

    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _timestamp(moment) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def publish(session, event_type: str, data, *, now=None, dedupe_key: str | None = None) -> list[int]:
    """Queue `event_type` for every active endpoint subscribed to it; returns the delivery ids.

    `data` is the payload or a function making it, called only when someone subscribed (so an
    event nobody listens to reads nothing more). With `dedupe_key`, an endpoint that already
    has a delivery of this type and key gets none.
    """
    now = now or utcnow()
    endpoints = [e for e in session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True)))
                 if event_type in (e.events or [])]
    if not endpoints:
        return []
    data = data() if callable(data) else data
    body = json.dumps({"type": event_type, "timestamp": _timestamp(now), "data": data},
                      ensure_ascii=False, separators=(",", ":"), default=str)
    ids = []
    for endpoint in endpoints:
        if dedupe_key and session.scalar(select(WebhookDelivery.id).where(
                WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.event_type == event_type,
                WebhookDelivery.dedupe_key == dedupe_key).limit(1)):
            continue
        delivery = WebhookDelivery(endpoint_id=endpoint.id, message_id="msg_" + secrets.token_hex(12),
                                   event_type=event_type, dedupe_key=dedupe_key, body=body,
                                   status="pending", attempts=0, created_at=now)
        session.add(delivery)
        session.flush()
        record_job(session, DELIVER_JOB, {"delivery_id": delivery.id}, now=now, max_attempts=MAX_ATTEMPTS)
        ids.append(delivery.id)
    return ids


def replay_delivery(delivery: WebhookDelivery) -> None:
    """Send a delivery again (same body and webhook-id, a new signature), from the outbox."""
    record_job(db.session, DELIVER_JOB, {"delivery_id": delivery.id, "replay": True}, now=utcnow(),
               max_attempts=1)


# ---------------------------------------------------------------- sending

def _allow_private() -> bool:
    allowed = current_app.config.get("WEBHOOK_ALLOW_PRIVATE")
    return current_app.config["ENV"] != "production" if allowed is None else bool(allowed)


def check_url(url: str, *, resolve: bool = True) -> None:
    """http(s) only; in production no loopback, private, link-local or reserved address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("only http and https URLs with a host are allowed")
    if _allow_private() or not resolve:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise UnsafeUrl(f"the host does not resolve: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise UnsafeUrl(f"the host resolves to a non-public address ({address})")


def _signed_headers(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> dict:
    from standardwebhooks.webhooks import Webhook

    moment = utcnow()
    return {"webhook-id": delivery.message_id, "webhook-timestamp": str(int(moment.timestamp())),
            "webhook-signature": Webhook(endpoint.secret).sign(delivery.message_id, moment, delivery.body),
            "content-type": "application/json", "user-agent": USER_AGENT}


def _post(url: str, body: str, headers: dict) -> int:
    """POST once: no redirect is followed, the whole exchange times out."""
    import httpx2

    timeout = current_app.config["WEBHOOK_TIMEOUT"]
    with httpx2.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        return client.post(url, content=body.encode(), headers=headers).status_code


def _attempt(delivery: WebhookDelivery, replay: bool) -> WebhookAttempt:
    endpoint = delivery.endpoint
    started, status, error = time.monotonic(), None, ""
    try:
        if not endpoint.active:
            raise UnsafeUrl("the endpoint is disabled")
        check_url(endpoint.url)
        status = _post(endpoint.url, delivery.body, _signed_headers(endpoint, delivery))
        if not 200 <= status < 300:
            error = f"the receiver answered {status}"
    except Exception as exc:  # noqa: BLE001 - every failure is logged on the attempt and retried
        error = f"{type(exc).__name__}: {exc}"[:1000]
    return WebhookAttempt(delivery_id=delivery.id, at=utcnow(), status_code=status, error=error,
                          duration_ms=int((time.monotonic() - started) * 1000), replay=replay)


def deliver_job(payload: dict) -> None:
    """Outbox handler: one signed attempt, logged; raises so the outbox retries a failure."""
    try:
        failed = _deliver(payload)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    if failed:
        raise DeliveryFailed(failed)


def _deliver(payload: dict) -> str:
    delivery = db.session.get(WebhookDelivery, payload["delivery_id"], populate_existing=True)
    replay = bool(payload.get("replay"))
    if delivery is None or (delivery.status == "delivered" and not replay):
        return ""
    attempt = _attempt(delivery, replay)
    db.session.add(attempt)
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = attempt.status_code, attempt.error
    if not attempt.error:
        delivery.status, delivery.delivered_at = "delivered", attempt.at
        return ""
    if not replay and _last_try(payload):
        delivery.status = "failed"
    log.info("webhook delivery %s to endpoint %s failed: %s", delivery.id, delivery.endpoint_id, attempt.error)
    return attempt.error


def _last_try(payload: dict) -> bool:
    from app.engine.models import OutboxJob

    job = db.session.get(OutboxJob, payload.get("job_id"), populate_existing=True) if payload.get("job_id") else None
    return job is None or job.attempts >= job.max_attempts
