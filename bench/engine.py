"""Engine throughput and decision time against raw SQL and python-statemachine.

Prints one JSON object per line: bench, case, value, unit (and baseline, ratio when a
baseline is measured in the same run). PostgreSQL runs when SENDOFF_TEST_DATABASE_URL
is set, in a scratch schema that is dropped afterwards.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.db import Base, make_engine, normalize_url
from app.engine import Actor
from app.engine import machine as m
from app.engine import models as engine_models
from app.engine import runtime as rt
from app.engine.clock import FixedClock, WeekdayCalendar
from app.engine.definition import parse
from app.engine.registry import new_registry

WORKER = Actor(user_id=1, employee_id=1, groups=frozenset({"worker"}), name="bench")
FLAT = {
    "schema": "sendoff-workflow/1", "id": "bench_flat", "version": 1, "initial": "a",
    "roles": {"worker": {"group": "worker"}},
    "states": {
        "a": {"transitions": [{"event": "next", "to": "b", "allowed": ["worker"]},
                              {"event": "stop", "to": "done", "allowed": ["worker"]}]},
        "b": {"transitions": [{"event": "next", "to": "a", "allowed": ["worker"]}]},
        "done": {"type": "final"},
    },
}
ENGINE_TABLES = [t for t in Base.metadata.sorted_tables if t.name in {
    "workflow_definitions", "workflow_instances", "workflow_signatures", "workflow_timers",
    "audit_head", "audit_events", "outbox_jobs"}]
assert engine_models  # the import registers the tables


def emit(bench: str, case: str, value: float, unit: str, baseline: float | None = None,
         higher_is_better: bool = True) -> None:
    """Print one result line."""
    row = {"bench": bench, "case": case, "value": round(value, 3), "unit": unit}
    if baseline is not None:
        row["baseline"] = round(baseline, 3)
        row["ratio"] = round(value / baseline if higher_is_better else baseline / value, 3)
    print(json.dumps(row), flush=True)


class EngineRunner:
    """Fires events on one instance, one transaction each, through the full runtime."""

    @classmethod
    def holding(cls, engine) -> EngineRunner:
        """A runner whose session keeps one connection, as the raw baseline does."""
        connection = engine.connect()
        return cls(lambda: Session(bind=connection, expire_on_commit=False))

    def __init__(self, factory) -> None:
        self.kit = dict(clock=FixedClock(datetime(2026, 3, 2, tzinfo=UTC)),
                        calendar=WeekdayCalendar(), registry=new_registry())
        self.session = factory()
        rt.deploy(self.session, FLAT, registry=self.kit["registry"], lint=False)
        instance = rt.start_instance(self.session, "bench_flat", WORKER, **self.kit)
        self.session.commit()
        self.instance_id, self.version = instance.id, instance.version

    def run(self, events: int) -> float:
        """Seconds spent on `events` events."""
        started = time.perf_counter()
        for _ in range(events):
            result = rt.fire(self.session, self.instance_id, "next", WORKER, self.version,
                             **self.kit)
            self.session.commit()
            assert result.ok, result.refusal
            self.version = result.version
        return time.perf_counter() - started

    def close(self) -> None:
        """Release the session and its connection."""
        bind = self.session.bind
        self.session.close()
        if hasattr(bind, "close"):
            bind.close()


class RawRunner:
    """The floor: one UPDATE plus one INSERT per transaction, same database."""

    def __init__(self, engine) -> None:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE bench_counter (id INTEGER PRIMARY KEY, n INTEGER)"))
            conn.execute(text("CREATE TABLE bench_log (id INTEGER PRIMARY KEY, n INTEGER, "
                              "at TEXT)"))
            conn.execute(text("INSERT INTO bench_counter VALUES (1, 0)"))
        self.conn, self.count = engine.connect(), 0

    def run(self, transactions: int) -> float:
        """Seconds spent on `transactions` transactions."""
        started = time.perf_counter()
        for _ in range(transactions):
            self.count += 1
            with self.conn.begin():
                self.conn.execute(text("UPDATE bench_counter SET n = n + 1 WHERE id = 1"))
                self.conn.execute(text("INSERT INTO bench_log (id, n, at) VALUES (:i, :i, :at)"),
                                  {"i": self.count, "at": "2026-03-02T00:00:00"})
        return time.perf_counter() - started

    def close(self) -> None:
        """Release the connection."""
        self.conn.close()


def database_case(name: str, url: str, engine_kwargs: dict, events: int, rounds: int = 10) -> None:
    """Engine vs raw on one database, interleaved in rounds so disk noise hits both alike.

    The headline compares like with like: the engine's session and the raw baseline each
    keep one connection. The `_pool_checkout` line is the same engine checking a connection
    out of the pool for every event (with PostgreSQL's pre-ping), as a web request does.
    """
    engine = make_engine(url, **engine_kwargs)
    Base.metadata.create_all(engine, tables=ENGINE_TABLES)
    runners = {"held": EngineRunner.holding(engine),
               "pooled": EngineRunner(sessionmaker(bind=engine, expire_on_commit=False)),
               "raw": RawRunner(engine)}
    for runner in runners.values():
        runner.run(10)  # warm up caches and compiled statements
    per_round = max(events // rounds, 1)
    seconds = dict.fromkeys(runners, 0.0)
    for _ in range(rounds):
        for key, runner in runners.items():
            seconds[key] += runner.run(per_round)
    for runner in runners.values():
        runner.close()
    total = per_round * rounds
    raw = total / seconds["raw"]
    emit("engine", f"{name}_events_per_second", total / seconds["held"], "events/s", raw)
    emit("engine", f"{name}_events_per_second_pool_checkout", total / seconds["pooled"],
         "events/s", raw)
    engine.dispose()


def sqlite_case(events: int) -> None:
    """A temporary SQLite file in WAL mode, as the app runs it."""
    with tempfile.TemporaryDirectory() as folder:
        database_case("sqlite", f"sqlite:///{folder}/bench.db", {}, events)


def postgres_case(events: int) -> None:
    """A scratch schema on SENDOFF_TEST_DATABASE_URL."""
    url = os.environ.get("SENDOFF_TEST_DATABASE_URL")
    if not url:
        return
    url, schema = normalize_url(url), f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        database_case("postgresql", url, {"connect_args": {"options": f"-csearch_path={schema}"}},
                      events)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def engine_decision_us(events: int) -> float:
    """Microseconds per in-memory decision of the pure core."""
    defn = parse(FLAT)
    config = ("a",)
    held = {"worker"}.__contains__
    started = time.perf_counter()
    for _ in range(events):
        config = m.decide(defn, config, "next", has_role=held, check_guard=lambda c: True).target
    return (time.perf_counter() - started) / events * 1e6


def statemachine_decision_us(events: int) -> float:
    """Microseconds per event of python-statemachine on the same flat machine."""
    from statemachine import State, StateMachine

    class Flat(StateMachine):
        a = State(initial=True)
        b = State()
        done = State(final=True)
        next = a.to(b) | b.to(a)
        stop = a.to(done)

    machine = Flat()
    started = time.perf_counter()
    for _ in range(events):
        machine.send("next")
    return (time.perf_counter() - started) / events * 1e6


def main(argv: list[str]) -> int:
    """Run the engine benchmarks; --quick keeps it under a minute."""
    quick = "--quick" in argv
    db_events = 300 if quick else 2000
    memory_events = 20_000 if quick else 200_000
    sqlite_case(db_events)
    postgres_case(db_events)
    ours = engine_decision_us(memory_events)
    theirs = statemachine_decision_us(memory_events)
    emit("engine", "in_memory_decision", ours, "us/event", theirs, higher_is_better=False)
    return 0
