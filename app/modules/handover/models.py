"""Handover checklist items and their signatures (one row per signature, voided, never deleted)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, TimestampMixin, UtcDateTime

STATUSES = ("pending", "handed_over", "confirmed", "disputed")
SIDES = ("leaver", "receiver")
CATEGORIES = ("documents", "systems", "assets", "customers", "knowledge", "money")
RECEIVER_ROLES = ("successor", "supervisor", "it", "finance", "admin")
CLEARANCE_ROLES = ("it", "finance", "admin")


class HandoverItem(TimestampMixin, Base):
    # Server defaults let a migration add these columns to a table that already has rows.
    __tablename__ = "handover_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    key: Mapped[str] = mapped_column(String(60), default="", server_default="")  # template item id; "" when added by HR
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40), default="documents")
    # successor/supervisor name an employee; it/finance/admin let anyone holding that role sign.
    receiver_role: Mapped[str] = mapped_column(String(20), default="successor", server_default="successor")
    receiver_employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    evidence_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending", index=True)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("case_attachments.id"))
    dispute_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    removed_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Denormalised from the active signature rows, written in the same transaction.
    leaver_signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    leaver_signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    receiver_signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    receiver_signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    receiver_employee = relationship("Employee", foreign_keys=[receiver_employee_id])
    evidence = relationship("CaseAttachment", foreign_keys=[evidence_id])
    signatures: Mapped[list[HandoverSignature]] = relationship(
        back_populates="item", order_by="HandoverSignature.id", cascade="all, delete-orphan")

    @property
    def complete(self) -> bool:
        return self.leaver_signed_at is not None and self.receiver_signed_at is not None

    def title(self, locale: str) -> str:
        return self.title_zh if locale.startswith("zh") else self.title_en

    def active_signature(self, side: str) -> HandoverSignature | None:
        return next((s for s in self.signatures if s.side == side and s.voided_at is None), None)


class HandoverSignature(Base):
    """Who signed which side of an item, when, from where, over which content."""

    __tablename__ = "handover_signatures"
    # At most one active signature per side: a partial unique index (SQLite and PostgreSQL).
    __table_args__ = (
        Index("uq_handover_signatures_active", "item_id", "side", unique=True,
              sqlite_where=text("voided_at IS NULL"), postgresql_where=text("voided_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("handover_items.id", ondelete="CASCADE"), index=True)
    side: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signer_name: Mapped[str] = mapped_column(String(120), default="")
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ip: Mapped[str] = mapped_column(String(64), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    void_reason: Mapped[str] = mapped_column(Text, default="")
    # How it was given: "web" (a signed-in page) or "api" (with the personal access token).
    channel: Mapped[str] = mapped_column(String(10), default="web", server_default="web")
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))

    item: Mapped[HandoverItem] = relationship(back_populates="signatures")
