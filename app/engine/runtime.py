"""Durable runtime: deploy definitions, start instances, fire events, timers, migrations.

Nothing here commits: every function works inside the caller's transaction, except
`tick`, which owns one short transaction per due timer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, bindparam, delete, event, select, text, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from app.engine import SYSTEM, Actor
from app.engine import machine as m
from app.engine.audit import (
    HASHED_FIELDS,
    ChainHeadMoved,
    append_audit,
    audit_values,
    held_head,
    hold_head,
    jsonable,
    moved_head,
    write_locked,
)
from app.engine.definition import Definition, from_canonical, load_yaml, parse
from app.engine.errors import DeployConflict, MigrationError, NotDeployed, Refusal
from app.engine.models import (
    AuditEvent,
    AuditHead,
    WorkflowDefinition,
    WorkflowInstance,
    WorkflowSignature,
    WorkflowTimer,
)
from app.engine.outbox import record as record_job
from app.engine.prepared import Prepared
from app.engine.registry import Context, Registry
from app.engine.registry import registry as default_registry
from app.engine.signals import instance_changed, instance_started
from app.engine.sql import is_sqlite
from app.engine.timing import due_at, next_repeat


@dataclass(frozen=True)
class FireResult:
    """The outcome of `fire`: accepted (with the new state) or refused (with why)."""

    ok: bool
    refusal: Refusal | None = None
    version: int | None = None
    configuration: tuple[str, ...] = ()
    decision: m.Decision | None = None
    audit_id: int | None = None
    outbox_ids: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return self.ok

    @property
    def joined(self) -> str | None:
        """The parallel state whose join fired in this event, if any."""
        return self.decision.joined if self.decision else None


@dataclass(frozen=True)
class EventOption:
    """An event the actor's roles allow now; `enabled` is False when a guard refuses."""

    event: str
    title: str
    to: str
    require: tuple[str, ...]
    enabled: bool
    reason: Any = None


# ---------------------------------------------------------------- definitions


def deploy(session, source: str | Path | dict, *, registry: Registry | None = None,
           deployed_by: str = "", lint: bool = True) -> tuple[WorkflowDefinition, bool]:
    """Store a definition as (id, version, sha256, canonical JSON); (row, created)."""
    data = source if isinstance(source, dict) else load_yaml(source)
    label = "" if isinstance(source, dict) else str(source)
    if lint:
        from app.engine.lint import lint_data

        problems = lint_data(data, label or data.get("id", "?"), registry or default_registry)
        if problems:
            from app.engine.errors import DefinitionError

            raise DefinitionError([f"{p.state}: {p.message}" for p in problems], label)
    defn = parse(data, label)
    existing = session.scalars(select(WorkflowDefinition).where(
        WorkflowDefinition.workflow_id == defn.id, WorkflowDefinition.version == defn.version
    )).first()
    if existing is not None:
        if existing.sha256 != defn.sha256:
            raise DeployConflict(
                f"{defn.id} version {defn.version} is already deployed with other content "
                f"(sha256 {existing.sha256[:12]}, new {defn.sha256[:12]}); raise the version."
            )
        return existing, False
    row = WorkflowDefinition(workflow_id=defn.id, version=defn.version, sha256=defn.sha256,
                             canonical=defn.canonical, title=dict(defn.title),
                             deployed_by=deployed_by)
    session.add(row)
    session.flush()
    return row, True


def get_definition(session, workflow_id: str, version: int | None = None) -> WorkflowDefinition:
    """A deployed definition row; the latest version when `version` is None."""
    stmt = select(WorkflowDefinition).where(WorkflowDefinition.workflow_id == workflow_id)
    if version is not None:
        stmt = stmt.where(WorkflowDefinition.version == version)
    row = session.scalars(stmt.order_by(WorkflowDefinition.version.desc())).first()
    if row is None:
        raise NotDeployed(f"{workflow_id} version {version or 'latest'} is not deployed")
    return row


_PARSED: dict[str, Definition] = {}  # by sha256: a deployed definition never changes


def pinned_definition(session, instance: WorkflowInstance) -> Definition:
    """The parsed definition an instance is pinned to (no query once it is cached)."""
    defn = _PARSED.get(instance.definition_sha256)
    return defn if defn is not None else _parsed_by_id(session, instance.definition_id)


def _parsed_by_id(session, definition_id: int) -> Definition:
    row = session.get(WorkflowDefinition, definition_id)
    return _PARSED.setdefault(row.sha256, from_canonical(row.canonical))


def definition_of(session, instance: WorkflowInstance) -> tuple[WorkflowDefinition, Definition]:
    """The deployed row and the parsed definition an instance is pinned to."""
    return session.get(WorkflowDefinition, instance.definition_id), pinned_definition(
        session, instance)


# ---------------------------------------------------------------- versions
#
# The instance's version is the optimistic lock users see. The engine steps it exactly
# once per accepted event, however many flushes the event's actions cause. Changes made
# outside the engine (a case operation touching the instance) step it once per
# transaction through the before_flush hook below.
BUMPED = "sendoff_bumped_instances"


def bump_version(session, instance: WorkflowInstance) -> None:
    """Step the instance's version by one for this change."""
    instance.version += 1
    session.info.setdefault(BUMPED, set()).add(instance.id)


def _engine_managed(session, instance_id: int) -> None:
    """The engine writes this instance's version itself in this transaction."""
    session.info.setdefault(BUMPED, set()).add(instance_id)


_INSTANCE_FIELDS = ("configuration", "status", "updated_at", "data", "delegations", "version")
_T = WorkflowInstance.__table__
_UPDATE_INSTANCE = (
    update(_T).where(_T.c.id == bindparam("w_id"), _T.c.version == bindparam("w_old"))
    .values({name: bindparam(f"v_{name}") for name in _INSTANCE_FIELDS})
)
_WRITE_INSTANCE = Prepared(_UPDATE_INSTANCE)


def _write_instance(session, instance: WorkflowInstance | None, instance_id: int, old: int,
                    connection=None, audit=None, **values) -> int | None:
    """One UPDATE ... WHERE version = old, stepping the version by exactly one.

    With `audit` (values from `audit_values`, the head locked by the caller) the audit row
    is appended too; on PostgreSQL both go in one statement (one round trip instead of
    three). Returns the audit row's id.
    """
    connection = connection or session.connection()
    values["version"] = old + 1
    params = {"w_id": instance_id, "w_old": old, **{f"v_{k}": v for k, v in values.items()}}
    audit_id = None
    if audit is not None and connection.dialect.name == "postgresql":
        moved, audit_id = _WRITE_INSTANCE_AND_AUDIT.first(connection, {**params, **audit})
        if moved is None:  # the version moved: nothing written
            raise StaleDataError(f"workflow instance {instance_id} changed underneath this event")
        if audit_id is None:  # the chain head is not where this row continues from
            raise ChainHeadMoved(audit["prev_hash"])
        moved_head(session, audit["hash"])
    else:
        if _WRITE_INSTANCE.rowcount(connection, params) != 1:
            raise StaleDataError(f"workflow instance {instance_id} changed underneath this event")
        if audit is not None:
            audit_id = write_locked(session, connection, audit)
    if instance is not None:
        for name, value in values.items():
            set_committed_value(instance, name, value)
    return audit_id


def _instance_and_audit_statement():
    """PostgreSQL: update the instance, move the chain head, insert the audit row, at once.

    The head moves only from the instance row just updated (so nothing is written unless
    the instance still has the old version) and only from the row's predecessor (so the row
    never forks the chain); the row is inserted only FROM the moved head. The one result
    row says which happened: (the instance's id or NULL, the audit row's id or NULL).
    """
    audit_table = AuditEvent.__table__
    columns = (*HASHED_FIELDS, "hash")
    sets = ", ".join(f"{name} = :v_{name}" for name in _INSTANCE_FIELDS)
    sql = (f"WITH moved AS (UPDATE workflow_instances SET {sets} "  # noqa: S608 - names are constants
           "WHERE id = :w_id AND version = :w_old RETURNING id), "
           "head AS (UPDATE audit_head SET last_hash = :hash "
           "WHERE id = 1 AND last_hash = :prev_hash AND EXISTS (SELECT 1 FROM moved) "
           "RETURNING id), "
           f"added AS (INSERT INTO audit_events ({', '.join(columns)}) "
           f"SELECT {', '.join(':' + c for c in columns)} FROM head RETURNING id) "
           "SELECT (SELECT id FROM moved), (SELECT id FROM added)")
    binds = [bindparam(f"v_{name}", type_=_T.c[name].type) for name in _INSTANCE_FIELDS]
    binds += [bindparam("w_id", type_=Integer), bindparam("w_old", type_=Integer)]
    binds += [bindparam(c, type_=audit_table.c[c].type) for c in columns]
    return text(sql).bindparams(*binds).columns(moved=Integer, audit_id=Integer)


_WRITE_INSTANCE_AND_AUDIT = Prepared(_instance_and_audit_statement())


@event.listens_for(Session, "before_flush")
def _version_outside_changes(session, _context, _instances) -> None:
    bumped = session.info.setdefault(BUMPED, set())
    for obj in session.dirty:
        if isinstance(obj, WorkflowInstance) and obj.id not in bumped and session.is_modified(obj):
            bump_version(session, obj)


@event.listens_for(Session, "after_transaction_end")
def _forget_bumps(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(BUMPED, None)


# ---------------------------------------------------------------- context helpers


class _Roles:
    """Answers 'does the actor hold this role on this instance?', caching resolver calls."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.cache: dict[str, bool] = {}
        self.via: dict[str, str] = {}

    def direct(self, role: str) -> bool:
        spec = self.ctx.definition.roles.get(role)
        actor = self.ctx.actor
        if spec is None:
            return False
        if spec.group:
            return spec.group in actor.groups
        if actor.employee_id is None:
            return False
        resolver = self.ctx.registry.get("role", spec.resolver).fn
        return actor.employee_id in set(resolver(self.ctx) or ())

    def __call__(self, role: str) -> bool:
        if role not in self.cache:
            delegates = (_field(self.ctx, "delegations") or {}).get(role, [])
            held = self.direct(role)
            if not held:
                self.via[role] = next((d for d in delegates if self.direct(d)), "")
                held = bool(self.via[role])
            self.cache[role] = held
        return self.cache[role]

    def used(self, allowed) -> str:
        """The role the actor acted in, e.g. "supervisor" or "supervisor via hr"."""
        role = next((r for r in allowed if self(r)), "")
        return f"{role} via {self.via[role]}" if self.via.get(role) else role


def _guard_checker(ctx: Context):
    def check(call):
        fn = ctx.registry.get("guard", call.name).fn
        return fn(ctx, **dict(call.params))

    return check


def _lock_instance(session, instance_id: int) -> WorkflowInstance | None:
    stmt = (select(WorkflowInstance).where(WorkflowInstance.id == instance_id)
            .execution_options(populate_existing=True))
    if not is_sqlite(session):
        stmt = stmt.with_for_update()  # SQLite: the transaction began IMMEDIATE instead
    return session.scalars(stmt).first()


_H = AuditHead.__table__
_MAPPER = sa_inspect(WorkflowInstance)
_COLUMN_KEYS = tuple(_MAPPER.get_property_by_column(c).key for c in _T.c)


def _lock_statement(for_update: bool):
    stmt = (select(*_T.c, _H.c.last_hash).join_from(_T, _H, _H.c.id == 1)
            .where(_T.c.id == bindparam("instance_id")))
    return stmt.with_for_update() if for_update else stmt


# Built once: statement construction is a measurable share of an event. A Core row,
# not an ORM load: the ORM's loading machinery was the largest cost of an event.
_LOCK_ROW = {for_update: Prepared(_lock_statement(for_update)) for for_update in (False, True)}


def _lock_instance_and_head(session, instance_id: int):
    """Lock the instance and the audit chain head in one round trip.

    Returns the instance's column values as a tuple, or None when there is no such
    instance. The head's hash is held for the transaction (`hold_head`): the event's
    actions and the event itself append after it, in order. Without a chain head yet (the
    first event ever) nothing is held and `append_audit` creates it. The order (instance,
    then head) is the same as in every other write path.
    """
    if session.autoflush:
        session.flush()  # as a query would: the caller's pending changes go first
    connection = session.connection()
    row = _LOCK_ROW[connection.dialect.name != "sqlite"].first(
        connection, {"instance_id": instance_id})
    if row is not None:
        hold_head(session, row[-1])
        return row
    instance = _lock_instance(session, instance_id)
    if instance is None:
        return None
    return tuple(getattr(instance, key) for key in _COLUMN_KEYS)


def _loaded(session, row) -> WorkflowInstance | None:
    """The session's object for this row if it has one, refreshed from the row.

    This is what `populate_existing` did (its pending changes were flushed just before).
    """
    instance = session.identity_map.get(_MAPPER.identity_key_from_primary_key((row[0],)))
    if instance is not None:
        for key, value in zip(_COLUMN_KEYS, row):  # noqa: B905 - the head's hash ends the row
            set_committed_value(instance, key, value)
    return instance


def _attach(session, row) -> WorkflowInstance:
    """The session's object for a freshly read instance row, holding exactly its values.

    An object the session already has is refreshed; otherwise one is made from the row
    without another query and added as persistent.
    """
    instance = _loaded(session, row)
    if instance is not None:
        return instance
    instance = _MAPPER.class_manager.new_instance()
    instance.__dict__.update(zip(_COLUMN_KEYS, row))  # noqa: B905 - as above
    make_transient_to_detached(instance)  # marks every value loaded, keys the identity
    session.add(instance)
    return instance


_COLUMN_INDEX = {key: index for index, key in enumerate(_COLUMN_KEYS)}


class _FireContext(Context):
    """The Context of `fire`: its `instance` (the ORM object) is made on first use.

    Roles held through groups, an event without actions: nothing needs the object, and
    making it (and keeping it in step) was a tenth of an event's cost. The engine's own
    code reads the locked row through `_field` instead.
    """

    row: tuple = ()

    @property
    def instance(self):
        loaded = self.__dict__.get("_loaded")
        if loaded is None:
            loaded = self.__dict__["_loaded"] = _attach(self.session, self.row)
        return loaded

    @instance.setter
    def instance(self, value) -> None:
        if value is not None:
            self.__dict__["_loaded"] = value

    @property
    def subject(self) -> str | None:
        return _field(self, "subject")


def _object(ctx: Context) -> WorkflowInstance | None:
    """The instance's ORM object if one exists now (never makes one)."""
    if not isinstance(ctx, _FireContext):
        return ctx.instance
    loaded = ctx.__dict__.get("_loaded")
    if loaded is None:  # an action may have loaded it itself (session.get)
        loaded = ctx.session.identity_map.get(
            _MAPPER.identity_key_from_primary_key((ctx.row[0],)))
        if loaded is not None:
            ctx.__dict__["_loaded"] = loaded
    return loaded


def _instance_id(ctx: Context) -> int:
    return ctx.row[0] if isinstance(ctx, _FireContext) else ctx.instance.id


def _field(ctx: Context, name: str):
    """An instance attribute: from the ORM object when there is one, else the locked row."""
    obj = _object(ctx)
    return getattr(obj, name) if obj is not None else ctx.row[_COLUMN_INDEX[name]]


def _context(session, instance, defn, actor, *, clock, calendar, registry, payload=None,
             event="", request_id=None) -> Context:
    return Context(session=session, instance=instance, definition=defn, actor=actor,
                   clock=clock, calendar=calendar, registry=registry or default_registry,
                   payload=dict(payload or {}), event=event, request_id=request_id)


# ---------------------------------------------------------------- applying decisions


def _run_steps(ctx: Context, steps, now) -> list[int]:
    job_ids = []
    for step in steps:
        item = ctx.registry.get("action", step.call.name)
        params = dict(step.call.params)
        if item.slow:
            payload = {"instance_id": _instance_id(ctx), "subject": _field(ctx, "subject"),
                       "event": ctx.event, "state": step.state_path, "params": jsonable(params),
                       "actor_user_id": ctx.actor.user_id, "request_id": ctx.request_id}
            job = record_job(ctx.session, step.call.name, payload, now=now,
                             instance_id=_instance_id(ctx))
            job_ids.append(job.id)
        else:
            ctx.state_path = step.state_path
            item.fn(ctx, **params)
    return job_ids


def _date_resolver(ctx: Context):
    def resolve(name):
        return ctx.registry.get("date", name).fn(ctx)

    return resolve


def _arm_timers(ctx: Context, entered, now) -> None:
    for path in entered:
        for timer in ctx.definition.state(path).timers:
            due = due_at(timer, now, ctx.calendar, _date_resolver(ctx))
            if due is None:
                continue  # the anchor date is not known for this case
            ctx.session.add(WorkflowTimer(instance_id=_instance_id(ctx), state_path=path,
                                          timer_id=timer.id, due_at=due, status="armed",
                                          updated_at=now))


def _cancel_timers(session, instance_id: int, exited, now, definition=None) -> None:
    if definition is not None:  # skip the UPDATE when no exited state can own a timer
        exited = [p for p in exited if definition.state(p).timers]
    if not exited:
        return
    session.execute(update(WorkflowTimer).where(
        WorkflowTimer.instance_id == instance_id, WorkflowTimer.status == "armed",
        WorkflowTimer.state_path.in_(list(exited)),
    ).values(status="cancelled", updated_at=now))


def _clear_reentered_slots(ctx: Context, entered) -> None:
    """Entering a parallel state again starts its regions unsigned (the audit keeps history)."""
    for path in entered:
        if ctx.definition.state(path).is_parallel:
            ctx.session.execute(delete(WorkflowSignature).where(
                WorkflowSignature.instance_id == _instance_id(ctx),
                WorkflowSignature.slot.like(f"{path}.%")))


def _apply(ctx: Context, decision: m.Decision, role: str, payload: dict, now) -> FireResult:
    """Write an accepted decision; its audit row follows any the actions appended."""
    instance_id = _instance_id(ctx)
    _engine_managed(ctx.session, instance_id)
    _cancel_timers(ctx.session, instance_id, decision.exited, now, ctx.definition)
    job_ids = _run_steps(ctx, decision.steps, now)
    _arm_timers(ctx, decision.entered, now)
    _clear_reentered_slots(ctx, decision.entered)
    for slot in decision.signatures:
        ctx.session.add(WorkflowSignature(instance_id=instance_id, slot=slot,
                                          user_id=ctx.actor.user_id,
                                          employee_id=ctx.actor.employee_id,
                                          event=decision.event, signed_at=now))
    kept = {f: payload[f] for f in decision.transition.require if f in payload}
    obj = _object(ctx)  # after the actions, which may have changed it or loaded it

    def current(name):
        return getattr(obj, name) if obj is not None else ctx.row[_COLUMN_INDEX[name]]

    audit = dict(
        event=decision.event, at=now, actor=ctx.actor, role=role,
        subject=current("subject"), instance_id=instance_id, from_states=decision.source,
        to_states=decision.target, definition_version=ctx.definition.version,
        definition_sha256=ctx.definition.sha256,
        payload={**payload, "joined": decision.joined} if decision.joined else payload,
        request_id=ctx.request_id,
    )
    # The head is held (fire locked it with the instance; actions may have moved it since):
    # the row is built here, `payload` is plain JSON data already. Otherwise the head is
    # locked (and created) by append_audit.
    head = held_head(ctx.session)
    values = (audit_values(prev_hash=head, plain_payload=True, **audit)
              if head is not None else None)
    old = current("version")
    audit_id = _write_instance(
        ctx.session, obj, instance_id, old, ctx.session.connection(), values,
        configuration=list(decision.target),
        status="finished" if decision.finished else "active", updated_at=now,
        data={**(current("data") or {}), **jsonable(kept)},
        delegations=dict(current("delegations") or {}))
    if values is None:
        audit_id = append_audit(ctx.session, **audit, flush=False).id
    ctx.session.flush()  # one flush for rows the actions and the event added through the ORM
    if instance_changed.receivers:
        instance_changed.send(ctx.session, instance_id=instance_id, subject=audit["subject"],
                              definition=ctx.definition, decision=decision, actor=ctx.actor,
                              now=now)
    return FireResult(True, None, old + 1, tuple(decision.target), decision, audit_id,
                      tuple(job_ids))


# ---------------------------------------------------------------- public operations


def start_instance(session, workflow_id: str, actor: Actor, *, clock, calendar,
                   subject: str | None = None, version: int | None = None,
                   payload: dict | None = None, request_id: str | None = None,
                   registry: Registry | None = None) -> WorkflowInstance:
    """Create an instance pinned to a deployed version and enter its initial state."""
    row = get_definition(session, workflow_id, version)
    defn = from_canonical(row.canonical)
    now = clock.now()
    config, steps = m.initial_configuration(defn)
    instance = WorkflowInstance(definition_id=row.id, workflow_id=defn.id, subject=subject,
                                definition_version=row.version, definition_sha256=row.sha256,
                                configuration=list(config), data=jsonable(payload or {}),
                                version=1,
                                delegations={}, status="active", created_at=now, updated_at=now)
    session.add(instance)
    session.flush()
    ctx = _context(session, instance, defn, actor, clock=clock, calendar=calendar,
                   registry=registry, payload=payload, event="start", request_id=request_id)
    _, entered = m.enter_state(defn, defn.initial)
    _run_steps(ctx, steps, now)
    _arm_timers(ctx, entered, now)
    session.flush()
    append_audit(session, event="start", at=now, actor=actor, role="", subject=subject,
                 instance_id=instance.id, from_states=(), to_states=config,
                 definition_version=row.version, definition_sha256=row.sha256,
                 payload=payload, request_id=request_id)
    if instance_started.receivers:
        instance_started.send(session, instance=instance, definition=defn, actor=actor, now=now)
    return instance


def fire(session, instance_id: int, event: str, actor: Actor, expected_version: int | None,
         payload: dict | None = None, *, clock, calendar, request_id: str | None = None,
         registry: Registry | None = None) -> FireResult:
    """Fire `event` as `actor` on the version the actor saw; never commits.

    `expected_version=None` skips the staleness check (system callers, or callers that
    re-validate themselves, such as co-signers of different parallel regions).
    """
    row = _lock_instance_and_head(session, instance_id)
    if row is None:
        raise NotDeployed(f"workflow instance {instance_id} does not exist")
    instance = _loaded(session, row)  # the caller's object (if any) shows the locked row
    version, configuration = row[_COLUMN_INDEX["version"]], row[_COLUMN_INDEX["configuration"]]
    if expected_version is not None and version != expected_version:
        return FireResult(False, Refusal(
            "stale_version", "The case changed since you opened it; reload and try again.",
            {"expected": expected_version, "current": version}), version,
            tuple(configuration))
    defn = _PARSED.get(row[_COLUMN_INDEX["definition_sha256"]])
    if defn is None:
        defn = _parsed_by_id(session, row[_COLUMN_INDEX["definition_id"]])
    payload = dict(payload or {})
    ctx = _FireContext(session=session, instance=instance, definition=defn, actor=actor,
                       clock=clock, calendar=calendar, registry=registry or default_registry,
                       payload=payload, event=event, request_id=request_id)
    ctx.row = row
    has_role = _Roles(ctx)
    decision = m.decide(defn, tuple(configuration), event, has_role=has_role,
                        check_guard=_guard_checker(ctx), payload=payload)
    if isinstance(decision, Refusal):
        return FireResult(False, decision, version, tuple(configuration))
    role = has_role.used(decision.transition.allowed)
    return _apply(ctx, decision, role, jsonable(payload), clock.now())


def available_events(session, instance_id: int, actor: Actor, *, clock, calendar,
                     registry: Registry | None = None, locale: str = "en",
                     check_guards: bool = True) -> list[EventOption]:
    """Events the actor's roles allow now (read-only); guards decide `enabled`."""
    instance = session.get(WorkflowInstance, instance_id)
    defn = pinned_definition(session, instance)
    config = tuple(instance.configuration)
    if m.is_finished(defn, config):
        return []
    ctx = _context(session, instance, defn, actor, clock=clock, calendar=calendar,
                   registry=registry)
    has_role, check = _Roles(ctx), _guard_checker(ctx)
    options: dict[str, EventOption] = {}
    for transition in m.candidates(defn, config):
        if transition.event in options and options[transition.event].enabled:
            continue
        if transition.allowed and not any(has_role(r) for r in transition.allowed):
            continue
        reason = next((r for r in (check(g) for g in transition.guards) if r is not True),
                      True) if check_guards else True
        options[transition.event] = EventOption(
            transition.event, defn.event_title(transition.event, locale), transition.to,
            transition.require, reason is True, None if reason is True else reason)
    return list(options.values())


def state_titles(session, instance: WorkflowInstance, locale: str = "en") -> list[str]:
    """Localized titles of the active states; parallel regions show their state's title once."""
    defn = pinned_definition(session, instance)
    return list(dict.fromkeys(defn.shown_title(p, locale) for p in instance.configuration))


def timeline(session, *, subject: str | None = None,
             instance_id: int | None = None) -> list[AuditEvent]:
    """Audit events of one subject or instance, oldest first."""
    stmt = select(AuditEvent)
    if subject is not None:
        stmt = stmt.where(AuditEvent.subject == subject)
    if instance_id is not None:
        stmt = stmt.where(AuditEvent.instance_id == instance_id)
    return list(session.scalars(stmt.order_by(AuditEvent.id)))


# ---------------------------------------------------------------- timers


def fire_timer(session, timer_row_id: int, *, clock, calendar,
               registry: Registry | None = None) -> FireResult | None:
    """Fire one due timer as the system actor, at most once; None when nothing was due."""
    now = clock.now()
    timer = session.get(WorkflowTimer, timer_row_id)
    if timer is None or timer.status != "armed":
        return None
    instance = _lock_instance(session, timer.instance_id)
    session.refresh(timer)  # re-read after the instance lock: another tick may have won
    if timer.status != "armed" or _aware(timer.due_at) > now:
        return None
    defn = pinned_definition(session, instance)
    decision = m.decide_timer(defn, tuple(instance.configuration), timer.state_path,
                              timer.timer_id)
    if decision is None:
        timer.status = "cancelled"
        return None
    spec = next(t for t in defn.state(timer.state_path).timers if t.id == timer.timer_id)
    timer.fired_count += 1
    if spec.repeat_every and timer.fired_count < spec.repeat_max and not spec.interrupting:
        timer.due_at = next_repeat(spec, _aware(timer.due_at), calendar)
    else:
        timer.status = "done"
    timer.updated_at = now
    session.flush()
    ctx = _context(session, instance, defn, SYSTEM, clock=clock, calendar=calendar,
                   registry=registry, event=decision.event)
    return _apply(ctx, decision, "system", {"timer": timer.timer_id,
                                           "fired": timer.fired_count}, now)


def _aware(value):

    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass
class TickReport:
    fired: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def tick(session_factory, *, clock, calendar, registry: Registry | None = None,
         limit: int = 500) -> TickReport:
    """Fire every due timer, one transaction each; safe to run concurrently or twice."""
    report = TickReport()
    with session_factory() as session:
        ids = list(session.scalars(
            select(WorkflowTimer.id).where(WorkflowTimer.status == "armed",
                                           WorkflowTimer.due_at <= clock.now())
            .order_by(WorkflowTimer.due_at, WorkflowTimer.id).limit(limit)))
    for timer_id in ids:
        try:
            with session_factory() as session, session.begin():
                result = fire_timer(session, timer_id, clock=clock, calendar=calendar,
                                    registry=registry)
        except Exception as exc:  # noqa: BLE001 - one broken timer must not stop the rest
            report.errors.append(f"timer {timer_id}: {type(exc).__name__}: {exc}")
            continue
        if result is None:
            report.skipped += 1
        else:
            report.fired += 1
    return report


# ---------------------------------------------------------------- migrations


@dataclass(frozen=True)
class MigrationItem:
    instance_id: int
    subject: str | None
    from_states: tuple[str, ...]
    to_states: tuple[str, ...]
    refused: str | None = None


def migrate(session, workflow_id: str, from_version: int, to_version: int,
            state_map: dict[str, str], *, clock, calendar, dry_run: bool = True,
            actor: Actor = SYSTEM, request_id: str | None = None,
            registry: Registry | None = None) -> list[MigrationItem]:
    """Move active instances between versions; one audit event per moved instance."""
    old = get_definition(session, workflow_id, from_version)
    new = get_definition(session, workflow_id, to_version)
    new_defn = from_canonical(new.canonical)
    for target in state_map.values():
        if target not in new_defn.top:
            raise MigrationError(f"'{target}' is not a state of {workflow_id} v{to_version}")
    ids = list(session.scalars(select(WorkflowInstance.id).where(
        WorkflowInstance.definition_id == old.id, WorkflowInstance.status == "active",
    ).order_by(WorkflowInstance.id)))
    return [_migrate_one(session, i, old, new, new_defn, state_map, clock=clock,
                         calendar=calendar, dry_run=dry_run, actor=actor,
                         request_id=request_id, registry=registry) for i in ids]


def _migrate_one(session, instance_id, old, new, new_defn, state_map, *, clock, calendar,
                 dry_run, actor, request_id, registry) -> MigrationItem:
    instance = _lock_instance(session, instance_id)
    config = tuple(instance.configuration)
    old_defn = from_canonical(old.canonical)
    top = m.top_state(config)
    target = state_map.get(top, top)

    def item(refused=None, to=()):
        return MigrationItem(instance.id, instance.subject, config, to, refused)

    if old_defn.state(top).is_parallel:
        return item(f"it is inside the parallel state '{top}'; let it finish first")
    if target not in new_defn.top:
        return item(f"state '{top}' has no counterpart in v{new.version}; map it with --map")
    if new_defn.state(target).is_parallel:
        return item(f"'{target}' is a parallel state; cases cannot be moved into one")
    if dry_run:
        return item(None, (target,))
    now = clock.now()
    _cancel_timers(session, instance.id, config, now)
    bump_version(session, instance)
    instance.definition_id = new.id
    instance.definition_version, instance.definition_sha256 = new.version, new.sha256
    instance.configuration = [target]
    instance.updated_at = now
    ctx = _context(session, instance, new_defn, actor, clock=clock, calendar=calendar,
                   registry=registry, event="migrate", request_id=request_id)
    _arm_timers(ctx, (target,), now)
    session.flush()
    append_audit(session, event="migrate", at=now, actor=actor, role="system",
                 subject=instance.subject, instance_id=instance.id, from_states=config,
                 to_states=(target,), definition_version=new.version,
                 definition_sha256=new.sha256,
                 payload={"from_version": old.version, "to_version": new.version,
                          "map": state_map}, request_id=request_id)
    return item(None, (target,))

