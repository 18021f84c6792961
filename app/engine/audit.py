"""Append-only audit events chained by SHA-256, and the verifier.

The chain is global (one sequence for the whole database), so its head must never
fork. Appending locks the single `audit_head` row (SELECT ... FOR UPDATE on
PostgreSQL; on SQLite every write transaction already began with BEGIN IMMEDIATE and
holds the database write lock). Two concurrent transactions therefore append one
after the other, and the second sees the first one's hash. The cost is that audited
writes serialise on that row, which at HR volumes (events per minute, not per
millisecond) is cheap and buys a chain anyone can verify from one end to the other.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app.db import is_sqlite
from app.engine.definition import canonical_json, sha256_hex
from app.engine.models import AuditEvent, AuditHead

GENESIS = "0" * 64
HASHED_FIELDS = (
    "prev_hash", "subject", "instance_id", "actor_user_id", "actor_name", "role", "event",
    "from_states", "to_states", "definition_version", "definition_sha256", "payload",
    "payload_hash", "request_id", "created_at",
)


def jsonable(value: Any) -> Any:
    """Plain JSON data: dates as ISO strings, decimals as strings, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _timestamp(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite gives back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(row: AuditEvent) -> str:
    """The hash a row must carry given its content and its predecessor's hash."""
    fields = {name: getattr(row, name) for name in HASHED_FIELDS}
    fields["created_at"] = _timestamp(row.created_at)
    return sha256_hex(canonical_json(fields))


def _lock_head(session) -> AuditHead:
    stmt = select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True)
    if not is_sqlite(session):
        stmt = stmt.with_for_update()
    with session.no_autoflush:  # the caller flushes its own changes once, at the end
        head = session.scalars(stmt).first()
    if head is not None:
        return head
    try:
        with session.begin_nested():
            session.add(AuditHead(id=1, last_hash=GENESIS))
    except IntegrityError:
        pass  # another transaction created it first; lock theirs
    return session.scalars(stmt).one()


def append_audit(
    session,
    *,
    event: str,
    at: datetime,
    actor=None,
    role: str = "",
    subject: str | None = None,
    instance_id: int | None = None,
    from_states=(),
    to_states=(),
    definition_version: int | None = None,
    definition_sha256: str | None = None,
    payload: dict | None = None,
    request_id: str | None = None,
    flush: bool = True,
    head: AuditHead | None = None,
) -> AuditEvent:
    """Append one event to the global chain inside the caller's transaction (no commit)."""
    head = head if head is not None else _lock_head(session)  # a caller may hold it already
    data = jsonable(payload or {})
    values = dict(
        prev_hash=head.last_hash,
        subject=subject,
        instance_id=instance_id,
        actor_user_id=getattr(actor, "user_id", None),
        actor_name=getattr(actor, "name", "") or "",
        role=role,
        event=event,
        from_states=list(from_states),
        to_states=list(to_states),
        definition_version=definition_version,
        definition_sha256=definition_sha256,
        payload=data,
        payload_hash=sha256_hex(canonical_json(data)),
        request_id=request_id,
        created_at=at.astimezone(UTC),
    )
    row = AuditEvent(**values)
    row.hash = values["hash"] = row_hash(row)
    # Core statements: the row is written once and never changed, so the unit of work's
    # bookkeeping would only cost time; `row` is returned detached, with its id.
    connection = session.connection()
    row.id = connection.execute(_INSERT, values).scalar_one()
    connection.execute(_MOVE_HEAD, {"new_hash": row.hash})
    set_committed_value(head, "last_hash", row.hash)
    if flush:
        session.flush()
    return row


_INSERT = insert(AuditEvent.__table__).returning(AuditEvent.__table__.c.id)
_MOVE_HEAD = (update(AuditHead.__table__).where(AuditHead.__table__.c.id == 1)
              .values(last_hash=bindparam("new_hash")))


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def verify_chain(session, batch: int = 1000) -> ChainReport:
    """Walk the chain from the start; report the first row whose links or content differ."""
    previous, checked, last_id = GENESIS, 0, 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
            .execution_options(populate_existing=True)  # what is stored, not what is cached
        ).all()
        if not rows:
            break
        for row in rows:
            problem = _row_problem(row, previous)
            if problem:
                return ChainReport(False, checked, row.id, problem)
            previous, last_id, checked = row.hash, row.id, checked + 1
    head = session.get(AuditHead, 1, populate_existing=True)
    if head is not None and head.last_hash != previous:
        return ChainReport(False, checked, last_id or None,
                           "rows after this one are missing (the chain head points further)")
    return ChainReport(True, checked)


def _row_problem(row: AuditEvent, previous: str) -> str:
    if row.prev_hash != previous:
        return "it does not point to the row before it (a row was removed or inserted)"
    if row.payload_hash != sha256_hex(canonical_json(row.payload)):
        return "its payload was changed after it was written"
    if row.hash != row_hash(row):
        return "its content was changed after it was written"
    return ""
