"""Bearer tokens for the API: who calls, with which scopes, and the per-token rate limit.

The token's user is the signed-in user for the request (Flask-Login's `current_user`), so the
operations and audit events the web uses attribute API work to the same person. The API
never reads the session cookie: a browser's session cannot drive it (no CSRF to worry about).
"""
from __future__ import annotations

import hashlib
from functools import wraps

from flask import current_app, g, request

from app.modules.api.problems import ApiProblem
from app.modules.auth.models import ApiToken, User

BEARER = "bearerAuth"
SECURITY_SCHEME = {"type": "http", "scheme": "bearer",
                   "description": "A personal access token (`flask users token NAME --scope S`)."}


def _secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def _unauthorized(detail: str) -> ApiProblem:
    return ApiProblem(401, detail, type_="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="sendoff"'})


def authenticate() -> ApiToken:
    """The request's live token, its user made the current user; 401 without one."""
    from app.extensions import login_manager
    from app.modules.auth.operations import token_for_secret

    if "api_token" in g:
        return g.api_token
    secret = _secret()
    if secret is None:
        raise _unauthorized("Send Authorization: Bearer <token>.")
    token = token_for_secret(secret)
    if token is None:
        raise _unauthorized("The token is unknown, expired or revoked.")
    g.api_token = token
    login_manager._update_request_context_with_user(token.user)
    return token


def require_scope(scope: str):
    """Let the view run for a token holding `scope` (403 insufficient_scope otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = authenticate()
            if not token.allows(scope):
                raise ApiProblem(403, f"This token lacks the {scope!r} scope.", type_="insufficient-scope",
                                 headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'})
            return view(*args, **kwargs)

        wrapped._api_scope = scope
        return wrapped

    return decorator


def current_token() -> ApiToken:
    return g.api_token


def current_api_user() -> User:
    return g.api_token.user


def rate_limit_key() -> str:
    """Count requests per token (its hash, never the secret); per address without one."""
    from app.security import client_address

    secret = _secret()
    if secret:
        return "token:" + hashlib.sha256(secret.encode()).hexdigest()[:32]
    return "addr:" + client_address()


def rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]
