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

from sqlalchemy import bindparam, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app.db import is_sqlite
from app.engine.definition import canonical_json, sha256_hex
from app.engine.models import AuditEvent, AuditHead
from app.engine.prepared import Prepared

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
    value = value.astimezone(UTC)
    if value.year < 1000:  # strftime's %Y does not pad these; keep its exact text
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return (f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:"  # as strftime
            f"{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}Z")


def row_hash(row: AuditEvent) -> str:
    """The hash a row must carry given its content and its predecessor's hash."""
    return _values_hash({name: getattr(row, name) for name in HASHED_FIELDS})


def _values_hash(values: dict) -> str:
    fields = {name: values[name] for name in HASHED_FIELDS}
    fields["created_at"] = _timestamp(fields["created_at"])
    return sha256_hex(canonical_json(fields))


_EMPTY_PAYLOAD_HASH = sha256_hex(canonical_json({}))


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


def audit_values(*, prev_hash: str, event: str, at: datetime, actor=None, role: str = "",
                 subject: str | None = None, instance_id: int | None = None, from_states=(),
                 to_states=(), definition_version: int | None = None,
                 definition_sha256: str | None = None, payload: dict | None = None,
                 request_id: str | None = None, plain_payload: bool = False) -> dict:
    """The column values of the audit row that follows `prev_hash`, its hash included.

    `plain_payload=True` says the payload is already plain JSON data (see `jsonable`).
    """
    data = (payload or {}) if plain_payload else jsonable(payload or {})
    values = dict(
        prev_hash=prev_hash,
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
        payload_hash=sha256_hex(canonical_json(data)) if data else _EMPTY_PAYLOAD_HASH,
        request_id=request_id,
        created_at=at.astimezone(UTC),
    )
    values["hash"] = _values_hash(values)
    return values


def write_locked(session, connection, values: dict) -> int:
    """Insert a row built by `audit_values` and move the head; the caller holds the head lock.

    Core statements: the row is written once and never changed, so the unit of work's
    bookkeeping would only cost time. A loaded `AuditHead` object is kept in step.
    """
    row_id = _INSERT_ROW.first(connection, values)[0]
    if _MOVE_HEAD_ROW.rowcount(connection, {"new_hash": values["hash"]}) != 1:
        raise RuntimeError("the audit chain head row is missing")
    moved_head(session, values["hash"])
    return row_id


def moved_head(session, new_hash: str) -> None:
    """Keep an `AuditHead` object of this session (if one is loaded) equal to the row."""
    head = session.identity_map.get(_HEAD_KEY)
    if head is not None:
        set_committed_value(head, "last_hash", new_hash)


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
    values = audit_values(
        prev_hash=head.last_hash, event=event, at=at, actor=actor, role=role, subject=subject,
        instance_id=instance_id, from_states=from_states, to_states=to_states,
        definition_version=definition_version, definition_sha256=definition_sha256,
        payload=payload, request_id=request_id)
    row_id = write_locked(session, session.connection(), values)
    set_committed_value(head, "last_hash", values["hash"])
    row = AuditEvent(**values)  # returned detached, with its id
    row.id = row_id
    if flush:
        session.flush()
    return row


_INSERT = insert(AuditEvent.__table__).returning(AuditEvent.__table__.c.id)
_MOVE_HEAD = (update(AuditHead.__table__).where(AuditHead.__table__.c.id == 1)
              .values(last_hash=bindparam("new_hash")))
_HEAD_KEY = inspect(AuditHead).identity_key_from_primary_key((1,))
_INSERT_ROW = Prepared(_INSERT, column_keys=(*HASHED_FIELDS, "hash"))
_MOVE_HEAD_ROW = Prepared(_MOVE_HEAD)


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
