"""The in-app inbox: one row per recipient and message, also the e-mail's delivery record."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, TimestampMixin, UtcDateTime
from app.modules.auth.models import User
from app.modules.cases.models import Case

UTC_DATETIME = UtcDateTime()


class Notification(TimestampMixin, Base):
    """A message to one user, rendered in their language; `job_id` makes jobs idempotent."""

    __tablename__ = "notifications"
    # NULL job ids never collide, so messages sent outside a job are not deduplicated.
    __table_args__ = (
        UniqueConstraint("job_id", "user_id"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    template: Mapped[str] = mapped_column(String(60))
    locale: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")  # the plain-text e-mail body
    html: Mapped[str | None] = mapped_column(Text)  # the HTML alternative, as e-mailed
    link: Mapped[str | None] = mapped_column(String(500))
    job_id: Mapped[int | None] = mapped_column(Integer)
    read_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)
    emailed_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)
    email_to: Mapped[str | None] = mapped_column(String(200))
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_error: Mapped[str | None] = mapped_column(String(500))

    user: Mapped[User] = relationship()
    case: Mapped[Case | None] = relationship()

    @property
    def unread(self) -> bool:
        return self.read_at is None
