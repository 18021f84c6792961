"""A separation case: who leaves, how, and the job facts frozen when it was filed."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, TimestampMixin
from app.engine.models import WorkflowInstance
from app.modules.employees.models import Employee


class Case(TimestampMixin, Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    workflow_id: Mapped[str] = mapped_column(String(60), index=True)
    # The engine's instance carries the state and the optimistic-lock version.
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"), unique=True)
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Job context frozen at filing, so later reports use the facts as they were.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    department_name: Mapped[str] = mapped_column(String(100), default="")
    position_name: Mapped[str] = mapped_column(String(100), default="")
    grade_name: Mapped[str] = mapped_column(String(60), default="")
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    monthly_wage: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    city: Mapped[str] = mapped_column(String(40), default="")
    hire_date: Mapped[date | None] = mapped_column(Date)

    notice_date: Mapped[date | None] = mapped_column(Date)
    requested_last_day: Mapped[date | None] = mapped_column(Date)
    agreed_last_day: Mapped[date | None] = mapped_column(Date)
    reason_codes: Mapped[list] = mapped_column(JSON, default=list)
    primary_reason: Mapped[str | None] = mapped_column(String(40))
    statement: Mapped[str] = mapped_column(Text, default="")
    handover_receiver_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    facts: Mapped[dict] = mapped_column(JSON, default=dict)  # type-specific answers

    employee: Mapped[Employee] = relationship(foreign_keys=[employee_id])
    manager: Mapped[Employee | None] = relationship(foreign_keys=[manager_id])
    handover_receiver: Mapped[Employee | None] = relationship(foreign_keys=[handover_receiver_id])
    instance: Mapped[WorkflowInstance | None] = relationship()

    @property
    def subject(self) -> str:
        return f"case:{self.id}"

    @property
    def version(self) -> int | None:
        return self.instance.version if self.instance else None

    @property
    def is_open(self) -> bool:
        return self.instance is not None and self.instance.status == "active"

    @property
    def last_day(self) -> date | None:
        return self.agreed_last_day or self.requested_last_day


class CaseAttachment(TimestampMixin, Base):
    """A file on a case (signed letter, evidence), stored by content hash."""

    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # letter|evidence
    filename: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
