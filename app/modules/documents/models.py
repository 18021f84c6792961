"""Generated documents: immutable, content-addressed PDF records of a case."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UtcDateTime, utcnow
from app.modules.cases.models import Case


class Document(Base):
    """One rendered version of one kind of record; never updated, only superseded."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("case_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(10))
    bilingual: Mapped[bool] = mapped_column(Boolean, default=False)
    hr_only: Mapped[bool] = mapped_column(Boolean, default=False)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # Printed on every page and encoded in the QR code: a PDF cannot contain its own hash.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    template_version: Mapped[str] = mapped_column(String(16))
    signed: Mapped[bool] = mapped_column(Boolean, default=False)
    event: Mapped[str] = mapped_column(String(80), default="")
    audit_event_id: Mapped[int | None] = mapped_column(Integer)
    # A retried job finds its own document instead of creating a second version.
    outbox_job_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    case: Mapped[Case] = relationship()


@event.listens_for(Document, "before_update")
def _refuse_update(_mapper, _connection, target: Document) -> None:
    raise ValueError(f"document {target.id} is immutable; render a new version instead")
