"""Logins, their roles and personal access tokens."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, TimestampMixin, UtcDateTime, utcnow
from app.modules.employees.models import Employee

# Roles granted explicitly; "employee" and "supervisor" are derived from the employee
# record and the reporting line, never stored.
GRANTED_ROLES = ("hr", "hr_admin", "it", "finance", "admin", "auditor", "alumni")
CLEARANCE_ROLES = ("it", "finance", "admin")
# What an API token may do, on top of what its user may do (app/modules/api/auth.py).
TOKEN_SCOPES = ("read", "write", "handover:sign", "admin")


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Flask-Login identifies the session by this token, not the id: rotating it
    # ends every session and remember-cookie of the account at once. A token lives at most
    # REMEMBER_DAYS from its issue (NULL: expired), so a copied cookie dies then at the latest.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    session_token_issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=utcnow)
    locale: Mapped[str | None] = mapped_column(String(10))
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # A login for another system (an identity provider, an HR suite): no employee, no
    # password sign-in, API tokens only.
    is_service_account: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    employee: Mapped[Employee | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.session_token

    @property
    def granted_roles(self) -> set[str]:
        return {r.role for r in self.role_rows}

    def has_role(self, role: str) -> bool:
        return role in self.granted_roles

    @property
    def display_name(self) -> str:
        return self.employee.name if self.employee else self.username


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(TimestampMixin, Base):
    """A personal access token; only its SHA-256 is stored, the prefix identifies it."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    scopes: Mapped[list] = mapped_column(JSON, default=lambda: ["read"])

    user: Mapped[User] = relationship()

    def allows(self, scope: str) -> bool:
        """The token was granted this scope ("admin" implies every other)."""
        granted = set(self.scopes or ())
        return scope in granted or "admin" in granted


class LoginThrottleEntry(Base):
    """Sign-in attempts counted for one user name or client address (the database store).

    The key is an HMAC of the name or address, so neither is stored; rows are pruned once
    `expires_at` (the last attempt plus the failure window) has passed.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    not_before: Mapped[datetime | None] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
