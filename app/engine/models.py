"""Tables of the engine: definitions, instances, signatures, timers, audit events, outbox."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.engine.clock import row_now
from app.engine.sql import Base, UtcDateTime

UTC_DATETIME = UtcDateTime()


class WorkflowDefinition(Base):
    """A deployed, immutable (workflow id, version) with its canonical JSON and hash."""

    __tablename__ = "workflow_definitions"
    __table_args__ = (UniqueConstraint("workflow_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    canonical: Mapped[str] = mapped_column(Text)
    title: Mapped[dict] = mapped_column(JSON, default=dict)
    deployed_at: Mapped[datetime] = mapped_column(UTC_DATETIME, default=row_now)
    deployed_by: Mapped[str] = mapped_column(String(100), default="")


class WorkflowInstance(Base):
    """A running workflow: its active configuration, pinned definition and lock version."""

    __tablename__ = "workflow_instances"

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("workflow_definitions.id"), index=True)
    workflow_id: Mapped[str] = mapped_column(String(60), index=True)
    definition_version: Mapped[int] = mapped_column(Integer)
    definition_sha256: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(60), index=True)  # e.g. "case:12"
    configuration: Mapped[list] = mapped_column(JSON, default=list)
    data: Mapped[dict] = mapped_column(JSON, default=dict)  # fields given with events
    delegations: Mapped[dict] = mapped_column(JSON, default=dict)  # role -> [roles] (reassign)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME, default=row_now)
    updated_at: Mapped[datetime] = mapped_column(UTC_DATETIME, default=row_now)

    # The application sets the next version once per event, so intermediate flushes made
    # by actions cannot bump it twice; SQLAlchemy still checks the old value in the UPDATE.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class WorkflowSignature(Base):
    """A region reached its final state; one row per (instance, slot), never two."""

    __tablename__ = "workflow_signatures"
    __table_args__ = (UniqueConstraint("instance_id", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("workflow_instances.id", ondelete="CASCADE"))
    slot: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int | None] = mapped_column(Integer)
    employee_id: Mapped[int | None] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(60))
    signed_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class WorkflowTimer(Base):
    """A timer armed when its state was entered; cancelled when the state is left."""

    __tablename__ = "workflow_timers"
    __table_args__ = (Index("ix_workflow_timers_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("workflow_instances.id", ondelete="CASCADE"), index=True
    )
    state_path: Mapped[str] = mapped_column(String(120))
    timer_id: Mapped[str] = mapped_column(String(60))
    due_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    fired_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="armed")  # armed|done|cancelled
    updated_at: Mapped[datetime] = mapped_column(UTC_DATETIME, default=row_now)


class AuditHead(Base):
    """The single row holding the head of the global audit chain; locked to append."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    """An append-only, hash-chained record of something that happened."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str | None] = mapped_column(String(60), index=True)
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(60), default="")
    event: Mapped[str] = mapped_column(String(80))
    from_states: Mapped[list] = mapped_column(JSON, default=list)
    to_states: Mapped[list] = mapped_column(JSON, default=list)
    definition_version: Mapped[int | None] = mapped_column(Integer)
    definition_sha256: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    payload_hash: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class OutboxJob(Base):
    """Slow work recorded in the event's transaction and run after commit."""

    __tablename__ = "outbox_jobs"
    __table_args__ = (Index("ix_outbox_jobs_status_available", "status", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|running|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    available_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    lease_until: Mapped[datetime | None] = mapped_column(UTC_DATETIME)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    finished_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)
