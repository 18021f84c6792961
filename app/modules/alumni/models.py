"""Alumni records (one per ended employment), eligibility history, look-up log, re-hires."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, TimestampMixin, UtcDateTime, utcnow
from app.modules.auth.models import User
from app.modules.cases.models import Case
from app.modules.employees.models import Employee, Separation

ELIGIBILITY = ("undecided", "eligible", "conditional", "not_eligible")
REASON_CODES = ("performance", "conduct", "skills", "attendance", "compliance",
                "good_record", "key_talent", "other")


class AlumniRecord(TimestampMixin, Base):
    """The frozen record of one employment and the decision about hiring the person again."""

    __tablename__ = "alumni_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    separation_id: Mapped[int] = mapped_column(ForeignKey("separations.id"), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    source: Mapped[str] = mapped_column(String(20), default="case")  # case|import|demo
    # Positions, departments, dates, separation type and reasons, documents: as they were.
    frozen: Mapped[dict] = mapped_column(JSON, default=dict)
    performance_summary: Mapped[str] = mapped_column(Text, default="")
    eligibility: Mapped[str] = mapped_column(String(20), default="undecided", index=True)
    eligibility_reason: Mapped[str] = mapped_column(String(30), default="")
    justification: Mapped[str] = mapped_column(Text, default="")
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_date: Mapped[date | None] = mapped_column(Date)
    consent_offers: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    employee: Mapped[Employee] = relationship()
    separation: Mapped[Separation] = relationship()
    approver: Mapped[User | None] = relationship()
    case: Mapped[Case | None] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}


class EligibilityChange(Base):
    """Every change of re-hire eligibility: before, after, why, who approved, who changed it."""

    __tablename__ = "alumni_eligibility_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("alumni_records.id"), index=True)
    old: Mapped[str] = mapped_column(String(20))
    new: Mapped[str] = mapped_column(String(20))
    reason_code: Mapped[str] = mapped_column(String(30))
    justification: Mapped[str] = mapped_column(Text)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_date: Mapped[date | None] = mapped_column(Date)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class AlumniLookup(Base):
    """Who looked up whom: one row per search (query masked) or per record opened."""

    __tablename__ = "alumni_lookups"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    query: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20))  # name|pinyin|id_number|phone|...|view
    employee_ids: Mapped[list] = mapped_column(JSON, default=list)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Rehire(Base):
    """A boomerang: a new employment of a former employee, linked to the one that ended."""

    __tablename__ = "alumni_rehires"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    previous_record_id: Mapped[int] = mapped_column(ForeignKey("alumni_records.id"), unique=True)
    start_date: Mapped[date] = mapped_column(Date)
    previous_hire_date: Mapped[date] = mapped_column(Date)
    earlier_tenure_days: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    previous_record: Mapped[AlumniRecord] = relationship()


class AccountShutdown(Base):
    """The leaver's login was switched to alumni-only access (once per case)."""

    __tablename__ = "alumni_account_shutdowns"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
