"""An exit interview per case, and the anonymous exit survey (invitation and response)."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, TimestampMixin, UtcDateTime, utcnow
from app.modules.auth.models import User
from app.modules.cases.models import Case

STATUSES = ("scheduled", "held", "not_held", "cancelled")
OUTCOMES = ("exit_confirmed", "retained")


class ExitInterview(TimestampMixin, Base):
    """One interview per case: the appointment, the structured answers, the confirmed reasons."""

    __tablename__ = "exit_interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    minutes: Mapped[int] = mapped_column(Integer, default=45)
    location: Mapped[str] = mapped_column(String(200), default="")
    video_link: Mapped[str] = mapped_column(String(300), default="")
    interviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    questionnaire: Mapped[str] = mapped_column(String(60), default="")  # id@version
    purpose: Mapped[str] = mapped_column(Text, default="")
    answers: Mapped[list] = mapped_column(JSON, default=list)  # [{key, question, answer}]
    # Field-level permission: only HR reads these (pages, PDFs, exports).
    confidential_notes: Mapped[str] = mapped_column(Text, default="")
    reason_codes: Mapped[list] = mapped_column(JSON, default=list)
    primary_reason: Mapped[str | None] = mapped_column(String(40))
    voluntary: Mapped[bool | None] = mapped_column(Boolean)
    regrettable: Mapped[bool | None] = mapped_column(Boolean)
    avoidable: Mapped[bool | None] = mapped_column(Boolean)
    outcome: Mapped[str | None] = mapped_column(String(20))
    not_held_reason: Mapped[str] = mapped_column(Text, default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # RFC 5545 SEQUENCE of the last invitation or cancellation sent (0 for the first).
    ics_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow,
                                                 onupdate=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[Case] = relationship()
    interviewer: Mapped[User | None] = relationship(foreign_keys=[interviewer_id])
    addenda: Mapped[list[InterviewAddendum]] = relationship(
        back_populates="interview", order_by="InterviewAddendum.id")

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def completed(self) -> bool:
        """Confirmed, or recorded as not held: from then on the record is read-only."""
        return self.confirmed_at is not None or self.status == "not_held"


class InterviewAddendum(Base):
    """A correction or addition to a completed interview record: a new row, never an edit."""

    __tablename__ = "interview_addenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("exit_interviews.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    interview: Mapped[ExitInterview] = relationship(back_populates="addenda")
    author: Mapped[User | None] = relationship()


class SurveyInvitation(Base):
    """The leaver's personal link (only its hash is kept). Answering never writes to this row,
    so nothing here (no flag, no order, no row version) tells whether or when it was used."""

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Copied into the response at answer time: the only grouping facts a report uses.
    department_code: Mapped[str] = mapped_column(String(40), default="")
    separation_type: Mapped[str] = mapped_column(String(40), default="")
    sent_month: Mapped[str] = mapped_column(String(7))


class SurveyLinkUse(Base):
    """A used survey link, kept as a keyed hash of the token (HMAC with the app's secret key):
    neither the invitation's token_hash nor the token (which the leaver's notification holds)
    leads to it without the key, so the database cannot say who answered."""

    __tablename__ = "survey_link_uses"

    mark: Mapped[str] = mapped_column(String(64), primary_key=True)


def _random_id() -> str:
    return secrets.token_hex(16)


class SurveyResponse(Base):
    """An anonymous answer: no user, no case, no IP address, no time finer than the month.
    The id is random, so it gives no order of answering to match against anything else."""

    __tablename__ = "survey_responses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_random_id)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    department_code: Mapped[str] = mapped_column(String(40), default="")
    separation_type: Mapped[str] = mapped_column(String(40), default="")
    scores: Mapped[dict] = mapped_column(JSON, default=dict)  # dimension -> 1..5
    overall: Mapped[int] = mapped_column(Integer)
