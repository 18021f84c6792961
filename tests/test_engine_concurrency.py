"""Real threads and processes against SQLite and PostgreSQL (SENDOFF_TEST_DATABASE_URL)."""
from __future__ import annotations

import multiprocessing
import os
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from app.db import make_engine
from app.engine import outbox
from app.engine import runtime as rt
from app.engine.audit import verify_chain
from app.engine.clock import FixedClock, WeekdayCalendar
from app.engine.models import AuditEvent, OutboxJob, WorkflowSignature
from app.engine.registry import Registry
from tests.engine_fixtures import (
    EMPLOYEE,
    HR,
    PEOPLE,
    RECEIVER,
    SUPERVISOR,
    WORKFLOWS,
    FakeWorld,
    fake_registry,
    utc,
)

FORK = multiprocessing.get_context("fork")


def kit(registry=None):
    return dict(clock=FixedClock(utc(2026, 3, 2, 2)), calendar=WeekdayCalendar(),
                registry=registry or fake_registry(FakeWorld()))


def prepare(factory, to_handover=False) -> tuple[int, int]:
    """Deploy, start a case, optionally walk it to the handover; (instance id, version)."""
    env = kit()
    with factory() as session:
        rt.deploy(session, WORKFLOWS / "voluntary_resignation.yaml", registry=env["registry"])
        instance = rt.start_instance(session, "voluntary_resignation", HR, subject="case:1",
                                     payload=PEOPLE, **env)
        session.commit()
        if to_handover:
            for event, actor, payload in (("submit", EMPLOYEE, None),
                                          ("approve", SUPERVISOR, {"agreed_last_day": "x"}),
                                          ("approve", HR, None)):
                assert rt.fire(session, instance.id, event, actor, None, payload, **env)
                session.commit()
        return instance.id, instance.version


def child_factory(factory):
    factory.kw["bind"].dispose(close=False)  # never touch the parent's pooled connections
    engine = make_engine(factory.url, **factory.engine_kwargs)
    return sessionmaker(bind=engine, expire_on_commit=False)


def test_twenty_threads_same_event_same_version_exactly_one_wins(fresh_db):
    instance_id, version = prepare(fresh_db)
    barrier = threading.Barrier(20)
    results, errors = [], []

    def attempt():
        env = kit()
        try:
            with fresh_db() as session:
                barrier.wait()
                result = rt.fire(session, instance_id, "submit", EMPLOYEE, version, **env)
                session.commit()
                results.append(result)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(r.ok for r in results) == 1
    assert {r.refusal.code for r in results if not r.ok} == {"stale_version"}
    with fresh_db() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 2
        assert verify_chain(session).ok


def _sign(factory, instance_id, event, actor, barrier, queue):
    env = kit()
    with child_factory(factory)() as session:
        barrier.wait()
        result = rt.fire(session, instance_id, event, actor, None, **env)
        session.commit()
        queue.put((result.ok, result.joined, result.configuration))


def test_two_processes_sign_both_slots_at_once_exactly_one_join(fresh_db):
    instance_id, _ = prepare(fresh_db, to_handover=True)
    barrier, queue = FORK.Barrier(2), FORK.Queue()
    procs = [FORK.Process(target=_sign, args=(fresh_db, instance_id, event, actor, barrier, queue))
             for event, actor in (("sign_leaver", EMPLOYEE), ("sign_receiver", RECEIVER))]
    for proc in procs:
        proc.start()
    outcomes = [queue.get(timeout=60) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    assert all(ok for ok, _, _ in outcomes)
    assert [joined for _, joined, _ in outcomes].count("handover") == 1
    with fresh_db() as session:
        slots = session.scalars(select(WorkflowSignature.slot)).all()
        events = session.scalars(select(AuditEvent.payload).where(
            AuditEvent.instance_id == instance_id)).all()
        instance = session.get(rt.WorkflowInstance, instance_id)
    assert sorted(slots) == ["handover.leaver", "handover.receiver"]
    assert sum("joined" in p for p in events) == 1
    assert instance.configuration == ["exit_interview"]


def _fire_and_die(factory, instance_id):
    env = kit()
    with child_factory(factory)() as session:
        rt.fire(session, instance_id, "submit", EMPLOYEE, None, **env)
        session.commit()
    os._exit(0)  # killed between commit and drain: nothing was dispatched


def test_a_process_killed_after_commit_loses_no_outbox_job(fresh_db):
    instance_id, _ = prepare(fresh_db)
    proc = FORK.Process(target=_fire_and_die, args=(fresh_db, instance_id))
    proc.start()
    proc.join(timeout=60)
    ran = []
    registry = Registry()
    registry.register("outbox", "render_pdf", ran.append)
    registry.register("outbox", "notify", ran.append)
    counts = outbox.drain(fresh_db, clock=FixedClock(utc(2026, 3, 2, 3)), registry=registry)
    assert counts == {"done": 2} and len(ran) == 2
    with fresh_db() as session:
        statuses = session.scalars(select(OutboxJob.status)).all()
    assert statuses == ["done", "done"]


@pytest.mark.parametrize("workers", [4])
def test_concurrent_ticks_fire_each_timer_once(fresh_db, workers):
    instance_id, _ = prepare(fresh_db)
    env = kit()
    with fresh_db() as session:
        assert rt.fire(session, instance_id, "submit", EMPLOYEE, None, **env)
        session.commit()
    later = FixedClock(utc(2026, 3, 4, 3))  # remind is due, escalate is not
    reports = []
    barrier = threading.Barrier(workers)

    def run():
        barrier.wait()
        reports.append(rt.tick(fresh_db, clock=later, calendar=env["calendar"],
                               registry=env["registry"]))

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.fired for r in reports) == 1
    assert not [e for r in reports for e in r.errors]
