"""Audit chain (append, verify, tamper detection) and the outbox (lease, retry, fencing)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

from app.engine import Actor, outbox
from app.engine.audit import append_audit, verify_chain
from app.engine.clock import FixedClock
from app.engine.models import AuditEvent, OutboxJob
from app.engine.registry import new_registry
from tests.engine_fixtures import utc

ALICE = Actor(user_id=7, employee_id=None, groups=frozenset({"hr"}), name="Alice")


@pytest.fixture
def clock():
    return FixedClock(utc(2026, 3, 2, 2, 0))


@pytest.fixture
def db(fresh_db):
    """A committed session, closed after the test so the schema can be dropped."""
    with fresh_db() as session:
        yield session


def append(session, clock, event="account.created", **kw):
    row = append_audit(session, event=event, at=clock.now(), actor=ALICE, subject="user:7",
                       payload=kw or {"n": 1}, request_id="r1")
    session.commit()
    return row


def test_chain_links_and_verifies(db, clock):
    session = db
    rows = [append(session, clock, n=i) for i in range(3)]
    assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash
    report = verify_chain(session)
    assert report.ok and report.checked == 3


@pytest.mark.parametrize("tamper, words", [
    ("UPDATE audit_events SET actor_name = 'Mallory' WHERE id = :id", "content was changed"),
    ("UPDATE audit_events SET payload = '{\"n\": 9}' WHERE id = :id", "payload was changed"),
    ("DELETE FROM audit_events WHERE id = :id", "does not continue from row"),
])
def test_verify_names_the_broken_row(db, clock, tamper, words):
    session = db
    rows = [append(session, clock, n=i) for i in range(4)]
    session.execute(text(tamper), {"id": rows[1].id})
    session.commit()
    report = verify_chain(session)
    assert not report.ok and words in report.reason
    assert report.broken_id == (rows[2].id if tamper.startswith("DELETE") else rows[1].id)


def test_truncating_the_end_is_detected(db, clock):
    session = db
    rows = [append(session, clock, n=i) for i in range(3)]
    session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": rows[-1].id})
    session.commit()
    assert "were deleted" in verify_chain(session).reason


def test_concurrent_appends_never_fork_the_chain(fresh_db, clock):
    with fresh_db() as session:
        append(session, clock)  # the head row exists

    def worker():
        with fresh_db() as session:
            for i in range(5):
                append(session, clock, n=i)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with fresh_db() as session:
        report = verify_chain(session)
        prevs = session.scalars(select(AuditEvent.prev_hash)).all()
    assert report.ok and report.checked == 31 and len(set(prevs)) == 31


# ---------------------------------------------------------------- outbox


def record(fresh_db, clock, kind="render_pdf"):
    with fresh_db() as session:
        job = outbox.record(session, kind, {"params": {"template": "x"}}, now=clock.now())
        session.commit()
        return job.id


def job(fresh_db, job_id) -> OutboxJob:
    with fresh_db() as session:
        return session.get(OutboxJob, job_id)


def test_a_job_without_handler_fails_honestly(fresh_db, clock):
    job_id = record(fresh_db, clock)
    assert outbox.run_job(job_id, session_factory=fresh_db, clock=clock,
                          registry=new_registry()) == "failed"
    row = job(fresh_db, job_id)
    assert row.status == "failed" and row.last_error == "no handler for render_pdf"


def test_a_job_runs_once_to_completion(fresh_db, clock):
    seen = []
    registry = new_registry()
    registry.register("outbox", "render_pdf", seen.append)
    job_id = record(fresh_db, clock)
    run = dict(session_factory=fresh_db, clock=clock, registry=registry)
    assert outbox.run_job(job_id, **run) == "done"
    assert outbox.run_job(job_id, **run) == "skipped"
    assert len(seen) == 1 and seen[0]["job_id"] == job_id
    assert job(fresh_db, job_id).status == "done"


def test_failures_retry_with_backoff_then_give_up(fresh_db, clock):
    registry = new_registry()
    registry.register("outbox", "render_pdf", lambda p: 1 / 0)
    job_id = record(fresh_db, clock)
    run = dict(session_factory=fresh_db, clock=clock, registry=registry)
    assert outbox.run_job(job_id, **run) == "retry"
    row = job(fresh_db, job_id)
    assert row.status == "pending" and row.attempts == 1 and "ZeroDivisionError" in row.last_error
    assert outbox.run_job(job_id, **run) == "skipped"  # backing off
    for _ in range(4):
        clock.advance(hours=1)
        outbox.run_job(job_id, **run)
    row = job(fresh_db, job_id)
    assert row.status == "failed" and row.attempts == 5


def test_an_expired_lease_is_taken_over_and_the_old_worker_cannot_finish(fresh_db, clock):
    registry = new_registry()
    registry.register("outbox", "render_pdf", lambda p: None)
    job_id = record(fresh_db, clock)
    claimed = outbox._claim(fresh_db, job_id, clock.now(), outbox.DEFAULT_LEASE)  # then "dies"
    assert claimed is not None
    assert outbox.drain(fresh_db, clock=clock, registry=registry) == {}  # lease still held
    clock.advance(minutes=6)
    assert outbox.drain(fresh_db, clock=clock, registry=registry) == {"done": 1}
    assert not outbox._finish(fresh_db, job_id, claimed[2], status="done")  # fenced out
    assert job(fresh_db, job_id).attempts == 2


def test_dispatch_after_commit_hands_ids_to_the_queue(fresh_db, clock):
    queued = []
    factory = fresh_db
    outbox.enable_dispatch_after_commit(factory, queued.append)
    with factory() as session:
        job_row = outbox.record(session, "notify", {}, now=clock.now())
        session.rollback()
        job_row = outbox.record(session, "notify", {}, now=clock.now())
        session.commit()
    assert queued == [job_row.id]


def test_the_app_dispatches_committed_jobs_to_its_queue(monkeypatch):
    import app.jobs

    queued = []
    monkeypatch.setattr(app.jobs, "enqueue", lambda path, *args: queued.append((path, args)))
    app.jobs.dispatch_outbox_job(7)
    assert queued == [("app.jobs:run_outbox_job", (7,))]
