"""A handover checklist item; complete when both the leaver and the receiver signed it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TimestampMixin


class HandoverItem(TimestampMixin, Base):
    __tablename__ = "handover_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40), default="work")
    leaver_signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    leaver_signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    receiver_signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    receiver_signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def complete(self) -> bool:
        return self.leaver_signed_at is not None and self.receiver_signed_at is not None

    def title(self, locale: str) -> str:
        return self.title_zh if locale.startswith("zh") else self.title_en
