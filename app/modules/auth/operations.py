"""Account operations: authenticate, create, disable, change password, API tokens.

Operations never commit; the request or the CLI command does.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.audit import record_event
from app.db import db, utcnow
from app.extensions import login_throttle
from app.modules.auth.models import (
    GRANTED_ROLES,
    TOKEN_SCOPES,
    ApiToken,
    User,
    UserRole,
    new_session_token,
)
from app.modules.auth.passwords import MIN_LENGTH, hash_password, needs_rehash, verify_password

TOKEN_PREFIX = "sdo_"  # noqa: S105 - a public prefix that marks Sendoff tokens, not a secret


class AccountError(ValueError):
    """An account operation was refused; the message is shown to the user."""


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every stored time is UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def authenticate_user(username: str, password: str, *, address: str, session_days: int,
                      now: datetime | None = None) -> User | None:
    """Check a password behind the sign-in throttle; the user, or None for any refusal.

    An unknown name, a wrong password, a disabled account and a throttled attempt all give
    None after one password verification each (against a dummy hash when there is no
    account to check), so neither the answer nor its timing tells them apart.
    """
    now = now or utcnow()
    name = username.strip()
    attempt = login_throttle.claim(name, address, now)
    if not attempt.allowed:
        verify_password(None, password)
        return None
    user = db.session.scalar(select(User).where(User.username == name))
    correct = verify_password(user.password_hash if user else None, password)
    if user is None or not correct or not user.is_active:
        return None
    login_throttle.forgive(attempt, now)
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if not session_token_is_fresh(user, session_days, now):
        end_sessions(user, now)
    return user


def session_token_is_fresh(user: User, session_days: int, now: datetime | None = None) -> bool:
    """Whether the account's session token is younger than the longest a sign-in may last."""
    issued = _aware(user.session_token_issued_at)
    return issued is not None and issued + timedelta(days=session_days) > (now or utcnow())


def user_for_session(session_token: str, *, session_days: int) -> User | None:
    """The active user a session or remember-cookie belongs to, or None when it has ended."""
    user = db.session.scalar(select(User).where(User.session_token == session_token))
    if user is None or not user.is_active or not session_token_is_fresh(user, session_days):
        return None
    return user


def check_password_strength(password: str, username: str = "") -> None:
    from flask_babel import gettext as _

    if len(password) < MIN_LENGTH:
        raise AccountError(_("The password must have at least %(n)d characters.", n=MIN_LENGTH))
    if username and username.lower() in password.lower():
        raise AccountError(_("The password must not contain the user name."))


def create_user(username: str, password: str, *, roles=(), employee_id: int | None = None,
                locale: str | None = None) -> User:
    """Create a login with granted roles."""
    from flask_babel import gettext as _

    unknown = set(roles) - set(GRANTED_ROLES)
    if unknown:
        raise AccountError(_("Unknown role: %(roles)s", roles=", ".join(sorted(unknown))))
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise AccountError(_("The user name %(name)s is taken.", name=username))
    user = User(username=username, password_hash=hash_password(password), employee_id=employee_id,
                locale=locale, role_rows=[UserRole(role=r) for r in sorted(set(roles))])
    db.session.add(user)
    db.session.flush()
    record_event("account.created", subject=f"user:{user.id}", payload={"roles": sorted(set(roles))})
    return user


def disable_user(user: User, *, reason: str = "") -> None:
    """Disable a login and rotate its session token, ending every session at once."""
    user.is_active = False
    end_sessions(user)
    for token in user_tokens(user):
        token.revoked_at = token.revoked_at or utcnow()
    record_event("account.disabled", subject=f"user:{user.id}", payload={"reason": reason})


def end_sessions(user: User, now: datetime | None = None) -> None:
    """Rotate the session token so every open session and remember-cookie is rejected."""
    user.session_token = new_session_token()
    user.session_token_issued_at = now or utcnow()


def sign_out_user(user: User) -> None:
    """Sign out everywhere: the copied session and remember cookies of the account die too."""
    end_sessions(user)
    record_event("account.signed_out", subject=f"user:{user.id}")


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one; other sessions end."""
    from flask_babel import gettext as _

    if not verify_password(user.password_hash, current):
        raise AccountError(_("The current password is not correct."))
    check_password_strength(new, user.username)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    end_sessions(user)
    record_event("account.password_changed", subject=f"user:{user.id}")


def user_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(user: User, name: str, *, days: int | None = 90,
                     scopes=("read",)) -> tuple[ApiToken, str]:
    """Make a personal access token with scopes; the secret is returned once, only its hash is kept."""
    from flask_babel import gettext as _

    unknown = set(scopes) - set(TOKEN_SCOPES)
    if unknown or not scopes:
        raise AccountError(_("Unknown scope: %(scopes)s", scopes=", ".join(sorted(unknown)) or "-"))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=days) if days else None
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:12], token_hash=_token_digest(secret),
                     expires_at=expires, scopes=sorted(set(scopes)))
    db.session.add(token)
    db.session.flush()
    record_event("account.token_created", subject=f"user:{user.id}",
                 payload={"token": token.prefix, "scopes": token.scopes})
    return token, secret


def create_service_account(username: str, *, roles=()) -> User:
    """A login for another system: no employee, no usable password, API tokens only."""
    user = create_user(username, secrets.token_urlsafe(32), roles=roles)
    user.is_service_account = True
    user.password_hash = "!"  # noqa: S105 - no password verifies against this: no sign-in
    record_event("account.service_account_created", subject=f"user:{user.id}",
                 payload={"roles": sorted(set(roles))})
    return user


def token_for_secret(secret: str, now: datetime | None = None) -> ApiToken | None:
    """The live token a bearer secret names (not revoked, not expired, its user active), or None."""
    now = now or utcnow()
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and _aware(token.expires_at) <= now:
        return None
    if not token.user.is_active:
        return None
    token.last_used_at = now
    return token


def user_for_api_token(secret: str, now: datetime | None = None) -> User | None:
    """The active user a bearer token belongs to, or None."""
    token = token_for_secret(secret, now)
    return token.user if token is not None else None
