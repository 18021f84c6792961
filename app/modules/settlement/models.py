"""A case's settlement sheet: the facts HR entered and one line per kind of money owed."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, TimestampMixin, UtcDateTime, utcnow
from app.modules.auth.models import User

MONEY = Numeric(12, 2)
LINE_CODES = ("compensation", "pay_in_lieu", "leave_payout", "final_wage", "non_compete")


class SettlementSheet(TimestampMixin, Base):
    __tablename__ = "settlement_sheets"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    # Facts only HR knows: leave taken this year and all years of work anywhere (ALR Art 3).
    leave_days_taken: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    cumulative_work_years: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    non_compete_agreed: Mapped[bool] = mapped_column(Boolean, default=False)
    non_compete_months: Mapped[int | None] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # Optimistic lock: a form posted against an older version is a 409, never an overwrite.
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    lines: Mapped[list[SettlementLine]] = relationship(
        back_populates="sheet", cascade="all, delete-orphan", order_by="SettlementLine.id")

    __mapper_args__ = {"version_id_col": version}

    def line(self, code: str) -> SettlementLine | None:
        return next((line for line in self.lines if line.code == code), None)

    @property
    def total(self) -> Decimal:
        return sum((line.effective_amount for line in self.lines), Decimal("0.00"))


class SettlementLine(Base):
    __tablename__ = "settlement_lines"
    __table_args__ = (UniqueConstraint("sheet_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("settlement_sheets.id", ondelete="CASCADE"),
                                          index=True)
    code: Mapped[str] = mapped_column(String(20))  # one of LINE_CODES
    amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))  # as computed
    # [{"code": message code, "params": {...}}], rendered in the reader's language.
    explanation: Mapped[list] = mapped_column(JSON, default=list)
    override_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    override_reason: Mapped[str | None] = mapped_column(Text)
    overridden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    overridden_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    sheet: Mapped[SettlementSheet] = relationship(back_populates="lines")
    overridden_by: Mapped[User | None] = relationship()

    @property
    def is_overridden(self) -> bool:
        return self.override_amount is not None

    @property
    def effective_amount(self) -> Decimal:
        return self.override_amount if self.override_amount is not None else self.amount
