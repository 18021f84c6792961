"""Append-only audit events chained by SHA-256, and the verifier.

The chain is global (one sequence for the whole database), so its head must never
fork. Appending locks the single `audit_head` row (SELECT ... FOR UPDATE on
PostgreSQL; on SQLite every write transaction already began with BEGIN IMMEDIATE and
holds the database write lock). Two concurrent transactions therefore append one
after the other, and the second sees the first one's hash. The cost is that audited
writes serialise on that row, which at HR volumes (events per minute, not per
millisecond) is cheap and buys a chain anyone can verify from one end to the other.

Within one transaction the head is locked once and its hash kept in the session
(`lock_head`, `hold_head`): every append, whoever makes it (the engine, an action, an
operation), continues from the row appended before it and moves the kept hash. The
UPDATE that moves the head names the hash it moves from, so a row that would fork the
chain is refused (`ChainHeadMoved`) instead of written.

`verify_chain` walks the chain in batches and reports every problem it finds (edited,
deleted, inserted or reordered rows, a head that points elsewhere), and checks the
claims of signed checkpoints (`Anchor`), which the application reads from outside the
database: without them, a rewritten tail with recomputed hashes is undetectable.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, inspect, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.engine.definition import canonical_json, sha256_hex
from app.engine.models import AuditEvent, AuditHead
from app.engine.prepared import Prepared
from app.engine.sql import is_sqlite

GENESIS = "0" * 64
HELD_HEAD = "sendoff_audit_head"  # session.info: the head's hash while this transaction holds it
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


def lock_head(session) -> str:
    """The chain head's hash, locked for the rest of this transaction.

    Locked once: the first append (or `fire`, which reads the head with the instance)
    records the hash in the session, every append moves it, and later appends of the same
    transaction read it there, so any number of rows in one transaction chain in order.
    """
    held = session.info.get(HELD_HEAD)
    if held is not None:
        return held
    stmt = select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True)
    if not is_sqlite(session):
        stmt = stmt.with_for_update()
    with session.no_autoflush:  # the caller flushes its own changes once, at the end
        head = session.scalars(stmt).first()
    if head is None:
        head = _create_head(session, stmt)
    return hold_head(session, head.last_hash)


def _create_head(session, stmt) -> AuditHead:
    try:
        with session.begin_nested():
            session.add(AuditHead(id=1, last_hash=GENESIS))
    except IntegrityError:
        pass  # another transaction created it first; lock theirs
    return session.scalars(stmt).one()


def hold_head(session, last_hash: str) -> str:
    """Record that this transaction holds the head lock and the head is `last_hash`."""
    session.info[HELD_HEAD] = last_hash
    return last_hash


def held_head(session) -> str | None:
    """The head's hash if this transaction holds the head lock, else None."""
    return session.info.get(HELD_HEAD)


@sa_event.listens_for(Session, "after_transaction_end")
def _release_head(session, transaction) -> None:
    # The lock ends with the transaction. A savepoint's end forgets it too: rolled back,
    # it undid its appends (and on PostgreSQL a lock taken inside it), so the next append
    # locks and reads the head again.
    if transaction.parent is None or transaction.nested:
        session.info.pop(HELD_HEAD, None)


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

    The head moves only from the row's predecessor (`prev_hash`): were it anywhere else,
    the row would fork the chain, and `ChainHeadMoved` is raised instead. Core statements:
    the row is written once and never changed, so the unit of work's bookkeeping would only
    cost time. A loaded `AuditHead` object is kept in step.
    """
    moved = _MOVE_HEAD_ROW.rowcount(connection, {"new_hash": values["hash"],
                                                 "old_hash": values["prev_hash"]})
    if moved != 1:
        raise ChainHeadMoved(values["prev_hash"])
    row_id = _INSERT_ROW.first(connection, values)[0]
    moved_head(session, values["hash"])
    return row_id


class ChainHeadMoved(RuntimeError):
    """An append would not follow the chain head: it is missing or somewhere else."""

    def __init__(self, expected: str) -> None:
        super().__init__(f"the audit chain head is not at {expected[:12]} (missing, or moved "
                         "outside this transaction's lock); nothing was written")


def moved_head(session, new_hash: str) -> None:
    """The head is now `new_hash`: for the next append, and in a loaded `AuditHead` object."""
    hold_head(session, new_hash)
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
) -> AuditEvent:
    """Append one event to the global chain inside the caller's transaction (no commit)."""
    values = audit_values(
        prev_hash=lock_head(session), event=event, at=at, actor=actor, role=role,
        subject=subject, instance_id=instance_id, from_states=from_states, to_states=to_states,
        definition_version=definition_version, definition_sha256=definition_sha256,
        payload=payload, request_id=request_id)
    row_id = write_locked(session, session.connection(), values)
    row = AuditEvent(**values)  # returned detached, with its id
    row.id = row_id
    if flush:
        session.flush()
    return row


_INSERT = insert(AuditEvent.__table__).returning(AuditEvent.__table__.c.id)
_MOVE_HEAD = (update(AuditHead.__table__)
              .where(AuditHead.__table__.c.id == 1,
                     AuditHead.__table__.c.last_hash == bindparam("old_hash"))
              .values(last_hash=bindparam("new_hash")))
_HEAD_KEY = inspect(AuditHead).identity_key_from_primary_key((1,))
_INSERT_ROW = Prepared(_INSERT, column_keys=(*HASHED_FIELDS, "hash"))
_MOVE_HEAD_ROW = Prepared(_MOVE_HEAD)


# ---------------------------------------------------------------- verifying


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the chain: a sentence a person reads, naming the row.

    `kind` is edited, deleted, inserted, reordered, forked, head or checkpoint.
    """

    kind: str
    row_id: int | None
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Anchor:
    """What a signed checkpoint says: row `last_id` had the hash `head_hash` and was the
    `row_count`-th row of the chain at `created_at`. `label` names it (its file)."""

    last_id: int
    head_hash: str
    row_count: int
    created_at: str = ""
    label: str = ""


@dataclass(frozen=True)
class ChainReport:
    """A walk's result: rows checked, the problems (the first `keep` of `problem_count`),
    the latest checkpoint given and how many rows come after it (not anchored yet)."""

    checked: int
    problems: tuple[Problem, ...] = ()
    problem_count: int = 0
    anchor: Anchor | None = None
    unanchored: int = 0
    first_unanchored: int | None = None
    last_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def broken_id(self) -> int | None:
        """The row named by the first problem."""
        return self.problems[0].row_id if self.problems else None

    @property
    def reason(self) -> str:
        return self.problems[0].message if self.problems else ""


_A, _H = AuditEvent.__table__, AuditHead.__table__
_ROWS = select(_A.c.id, _A.c.hash, *(_A.c[name] for name in HASHED_FIELDS)).order_by(_A.c.id)
RECENT = 4096  # row ids a walk remembers, to tell a moved row from an inserted one


def verify_chain(session, *, batch: int = 1000, anchors=(), on_problem=None,
                 keep: int = 1000) -> ChainReport:
    """Walk the whole chain in id order, `batch` rows at a time, and report every problem.

    `anchors` are what valid signed checkpoints say (the app reads and checks the files);
    `on_problem` is called with each problem as soon as it is found.
    """
    walk = _Walk(session, anchors, on_problem, keep)
    last_id = 0
    while rows := session.execute(_ROWS.where(_A.c.id > last_id).limit(batch)).all():
        walk.batch(rows)
        last_id = rows[-1].id
    walk.finish()
    return walk.report()


class _Walk:
    """One walk along the chain: the row before, the checkpoints still ahead, what was found."""

    def __init__(self, session, anchors, on_problem, keep: int) -> None:
        self.session, self.on_problem, self.keep = session, on_problem, keep
        self.ahead = deque(sorted(anchors, key=lambda a: a.last_id))
        self.latest = self.ahead[-1] if self.ahead else None
        self.matched: Anchor | None = None  # the last checkpoint passed that still holds
        self.prev_id, self.prev_hash, self.prev_link = 0, GENESIS, None
        self.recent: deque[int] = deque(maxlen=RECENT)
        self.moved: set[int] = set()  # rows found out of order
        self.checked = self.unanchored = self.count = 0
        self.first_unanchored: int | None = None
        self.problems: list[Problem] = []

    def flag(self, kind: str, row_id: int | None, message: str) -> None:
        problem = Problem(kind, row_id, message)
        self.count += 1
        if len(self.problems) < self.keep:
            self.problems.append(problem)
        if self.on_problem is not None:
            self.on_problem(problem)

    def batch(self, rows) -> None:
        found = self._continued_from(rows)
        for row in rows:
            if row.prev_hash != self.prev_hash:
                self._broken_link(row, found.get(row.prev_hash))
            self._content(row)
            self.checked += 1
            self._pass_anchors(row)
            self.recent.append(row.id)
            self.prev_id, self.prev_hash, self.prev_link = row.id, row.hash, row.prev_hash

    def _continued_from(self, rows) -> dict[str, int]:
        """For each broken link of the batch: the id of the row holding the hash it names."""
        previous, wanted = self.prev_hash, set()
        for row in rows:
            if row.prev_hash != previous:
                wanted.add(row.prev_hash)
            previous = row.hash
        found = {GENESIS: 0} if GENESIS in wanted else {}
        wanted.discard(GENESIS)
        if wanted:
            found.update((h, i) for i, h in self.session.execute(
                select(_A.c.id, _A.c.hash).where(_A.c.hash.in_(wanted))))
        return found

    def _broken_link(self, row, target: int | None) -> None:
        if target is None:
            self.flag("deleted", row.id, (
                f"Row {row.id} does not continue from {_row(self.prev_id)} before it, and no row "
                f"has the hash it continues from: a row before it was deleted, or "
                f"{_row(self.prev_id)} was rewritten." if self.prev_id else
                f"Row {row.id}, the first row, continues from a row that is gone: the rows "
                "before it were deleted."))
        elif target >= row.id:
            self.moved.update((row.id, target))
            self.flag("reordered", row.id, f"Row {row.id} is out of order: it continues from "
                                           f"row {target}, which comes after it.")
        else:
            self._skips(row, target)

    def _skips(self, row, target: int) -> None:
        skipped = self._walked_since(target)
        start = (f"Row {row.id} continues from {_row(target)}, not from row {self.prev_id} "
                 "just before it: ")
        if skipped and self.moved.issuperset(skipped):
            self.flag("reordered", row.id, start + "the rows between them are out of order.")
            return
        if skipped == [self.prev_id] and row.prev_hash == self.prev_link:
            self.flag("forked", row.id, (
                f"Row {row.id} continues from {_row(target)}, as row {self.prev_id} before it "
                f"does: the chain forks at {_row(target)}, or row {self.prev_id} was inserted "
                "there."))
            return
        rows, verb = _rows_text(skipped) if skipped else (
            f"the rows after {_row(target)} up to row {self.prev_id}", "were")
        self.flag("inserted", row.id, start + f"{rows} {verb} inserted there, or the chain "
                                              f"forks at {_row(target)}.")

    def _walked_since(self, target: int) -> list[int] | None:
        """The ids walked after row `target`; None when the walk no longer remembers them."""
        if self.recent and (self.recent[0] <= target or self.checked <= RECENT):
            return [i for i in self.recent if i > target]
        return None

    def _content(self, row) -> None:
        if row.payload_hash != sha256_hex(canonical_json(row.payload)):
            self.flag("edited", row.id, f"Row {row.id}: its payload was changed after it was "
                                        "written.")
        elif row.hash != _values_hash(row._mapping):
            self.flag("edited", row.id, f"Row {row.id}: its content was changed after it was "
                                        "written.")

    def _pass_anchors(self, row) -> None:
        while self.ahead and self.ahead[0].last_id <= row.id:
            anchor = self.ahead.popleft()
            if anchor.last_id < row.id:
                self._anchored_row_gone(anchor, "it was deleted")
            else:
                self._check_anchor(anchor, row)
        if self.latest is None or row.id > self.latest.last_id:
            self.unanchored += 1
            self.first_unanchored = self.first_unanchored or row.id

    def _check_anchor(self, anchor: Anchor, row) -> None:
        if row.hash != anchor.head_hash:
            since = (f", after row {self.matched.last_id} (which checkpoint "
                     f"{self.matched.label} still anchors)" if self.matched else "")
            self.flag("checkpoint", row.id, (
                f"Row {row.id} no longer has the hash that checkpoint {anchor.label} signed "
                f"on {anchor.created_at}: the chain was rewritten at or before row {row.id}"
                f"{since}."))
        elif self.checked != anchor.row_count:
            change = "deleted" if self.checked < anchor.row_count else "inserted"
            self.flag("checkpoint", row.id, (
                f"Checkpoint {anchor.label} counted {anchor.row_count} rows up to row {row.id}; "
                f"there are now {self.checked}: rows before it were {change}."))
        else:
            self.matched = anchor

    def _anchored_row_gone(self, anchor: Anchor, how: str) -> None:
        self.flag("checkpoint", anchor.last_id, f"Row {anchor.last_id}, which checkpoint "
                                                f"{anchor.label} anchors, is gone: {how}.")

    def finish(self) -> None:
        for anchor in self.ahead:
            self._anchored_row_gone(anchor, "the end of the chain was deleted")
        head = self.session.scalar(select(_H.c.last_hash).where(_H.c.id == 1))
        if head is None:
            if self.checked:
                self.flag("head", None, "The chain head is missing: nothing records where the "
                                        "chain ends.")
        elif head != self.prev_hash:
            self._head_elsewhere(head)

    def _head_elsewhere(self, head: str) -> None:
        target = 0 if head == GENESIS else self.session.scalar(
            select(_A.c.id).where(_A.c.hash == head))
        if target is None:
            self.flag("head", self.prev_id or None, (
                f"The chain head points to a row that is not there: rows after row "
                f"{self.prev_id} were deleted." if self.prev_id else
                "The chain head points to a row that is not there: every row was deleted."))
        else:
            self.flag("head", target or None, (
                f"The chain head points to {_row(target)}, not to the last row, row "
                f"{self.prev_id}: the rows after it were added without moving the head "
                "(inserted)."))

    def report(self) -> ChainReport:
        return ChainReport(self.checked, tuple(self.problems), self.count, self.latest,
                           self.unanchored, self.first_unanchored, self.prev_id or None)


def _row(row_id: int) -> str:
    return f"row {row_id}" if row_id else "the start of the chain"


def _rows_text(ids: list[int]) -> tuple[str, str]:
    """("row 13", "was"), ("rows 13 and 14", "were"), ("rows 13 to 40 (28 rows)", "were")."""
    if len(ids) == 1:
        return f"row {ids[0]}", "was"
    if len(ids) <= 4:
        return f"rows {', '.join(map(str, ids[:-1]))} and {ids[-1]}", "were"
    return f"rows {ids[0]} to {ids[-1]} ({len(ids)} rows)", "were"
