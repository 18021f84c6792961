"""Organisation and people: departments (a tree), positions, grades, employees, history."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, TimestampMixin

MONEY = Numeric(12, 2)


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # Materialised path "/1/4/": a subtree is a prefix match, no recursive query needed.
    path: Mapped[str] = mapped_column(String(400), index=True, default="/")

    parent: Mapped[Department | None] = relationship(remote_side=[id])

    def name(self, locale: str) -> str:
        return self.name_zh if locale.startswith("zh") else self.name_en


class Position(Base):
    __tablename__ = "positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    is_key: Mapped[bool] = mapped_column(Boolean, default=False)

    def name(self, locale: str) -> str:
        return self.name_zh if locale.startswith("zh") else self.name_en


class Grade(Base):
    __tablename__ = "grades"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    rank: Mapped[int] = mapped_column(default=0)


class Employee(TimestampMixin, Base):
    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_no: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_pinyin: Mapped[str] = mapped_column(String(200), default="", index=True)
    name_initials: Mapped[str] = mapped_column(String(20), default="", index=True)
    email: Mapped[str | None] = mapped_column(String(200), index=True)
    phone: Mapped[str | None] = mapped_column(String(30), index=True)
    # The national ID number is never stored: a salted hash and the last 4 characters only.
    national_id_hash: Mapped[str | None] = mapped_column(String(128), index=True)
    national_id_last4: Mapped[str | None] = mapped_column(String(4))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    grade_id: Mapped[int | None] = mapped_column(ForeignKey("grades.id"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    hire_date: Mapped[date] = mapped_column(Date)
    probation_end: Mapped[date | None] = mapped_column(Date)
    contract_type: Mapped[str] = mapped_column(String(20), default="fixed")
    contract_start: Mapped[date | None] = mapped_column(Date)
    contract_end: Mapped[date | None] = mapped_column(Date)
    city: Mapped[str] = mapped_column(String(40), default="hohhot")
    monthly_wage: Mapped[Decimal | None] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    protections: Mapped[list] = mapped_column(JSON, default=list)

    department: Mapped[Department | None] = relationship()
    position: Mapped[Position | None] = relationship()
    grade: Mapped[Grade | None] = relationship()
    manager: Mapped[Employee | None] = relationship(remote_side=[id])

    STATUSES = ("active", "on_notice", "left")

    def in_probation(self, on: date) -> bool:
        return self.probation_end is not None and on <= self.probation_end


class WageRecord(Base):
    """Gross wage paid for one month; Art 47 averages the last twelve of these."""

    __tablename__ = "wage_records"
    __table_args__ = (UniqueConstraint("employee_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)  # first day of the month
    amount: Mapped[Decimal] = mapped_column(MONEY)


class Assignment(Base):
    """A spell in one department and position; headcount on a date counts open spells."""

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_dept_dates", "department_id", "start_date", "end_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    grade_id: Mapped[int | None] = mapped_column(ForeignKey("grades.id"))
    city: Mapped[str] = mapped_column(String(40), default="hohhot")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)  # inclusive; None while current
    start_kind: Mapped[str] = mapped_column(String(20), default="hire")  # hire|transfer|rehire
    end_kind: Mapped[str | None] = mapped_column(String(20))  # transfer|departure


class Separation(TimestampMixin, Base):
    """A departure: the last working day, how the contract ended and why."""

    __tablename__ = "separations"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    last_day: Mapped[date] = mapped_column(Date, index=True)
    separation_type: Mapped[str] = mapped_column(String(40))
    voluntary: Mapped[bool] = mapped_column(Boolean, default=True)
    regrettable: Mapped[bool | None] = mapped_column(Boolean)
    reason_codes: Mapped[list] = mapped_column(JSON, default=list)
    primary_reason: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(20), default="case")  # case|import|demo
