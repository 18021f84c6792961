"""Slow work (PDF, e-mail, webhook) recorded in the event's transaction, run after commit.

Delivery is at least once: a job is claimed with a lease; if the worker dies, the lease
expires and the job is claimed again. Completion is fenced by the attempt number, so
only the holder of the current lease can mark the job done: a job is never completed
twice. Handlers receive the job id in the payload ("job_id") to make side effects
idempotent.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import event, select, update

from app.engine.clock import SystemClock
from app.engine.models import OutboxJob

log = logging.getLogger(__name__)
PENDING_KEY = "sendoff_outbox_pending"
DEFAULT_LEASE = timedelta(minutes=5)
BASE_BACKOFF = timedelta(seconds=30)


def record(session, kind: str, payload: dict, *, now: datetime, instance_id: int | None = None,
           max_attempts: int = 5) -> OutboxJob:
    """Add a pending job to the caller's transaction; it is dispatched after commit."""
    job = OutboxJob(kind=kind, payload=payload, instance_id=instance_id, status="pending",
                    attempts=0, max_attempts=max_attempts, available_at=now, created_at=now)
    session.add(job)
    session.flush()
    session.info.setdefault(PENDING_KEY, []).append(job.id)
    return job


def dispatch_pending(session, dispatch: Callable[[int], object]) -> list[int]:
    """Hand the jobs recorded in this session's committed transaction to `dispatch`."""
    job_ids = session.info.pop(PENDING_KEY, [])
    for job_id in job_ids:
        dispatch(job_id)
    return job_ids


def enable_dispatch_after_commit(session_or_factory, dispatch: Callable[[int], object]) -> None:
    """After every commit of these sessions, hand the recorded jobs to `dispatch` (the app's
    queue); a rollback forgets them."""
    event.listen(session_or_factory, "after_commit",
                 lambda session: dispatch_pending(session, dispatch))
    event.listen(session_or_factory, "after_rollback",
                 lambda session: session.info.pop(PENDING_KEY, None))


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 30 s, 1 min, 2 min, ... capped at one hour."""
    return min(BASE_BACKOFF * (2 ** max(attempts - 1, 0)), timedelta(hours=1))


def _claim(session_factory, job_id: int, now: datetime, lease: timedelta):
    with session_factory() as session, session.begin():
        claimable = (
            ((OutboxJob.status == "pending") & (OutboxJob.available_at <= now))
            | ((OutboxJob.status == "running") & (OutboxJob.lease_until < now))
        )
        result = session.execute(
            update(OutboxJob)
            .where(OutboxJob.id == job_id, claimable)
            .values(status="running", attempts=OutboxJob.attempts + 1, lease_until=now + lease)
        )
        if result.rowcount != 1:
            return None
        job = session.get(OutboxJob, job_id)
        return job.kind, dict(job.payload or {}), job.attempts, job.max_attempts


def _finish(session_factory, job_id: int, token: int, **values) -> bool:
    with session_factory() as session, session.begin():
        result = session.execute(
            update(OutboxJob)
            .where(OutboxJob.id == job_id, OutboxJob.status == "running",
                   OutboxJob.attempts == token)
            .values(lease_until=None, **values)
        )
        return result.rowcount == 1


def run_job(job_id: int, *, session_factory: Callable, clock=None, registry=None,
            lease: timedelta = DEFAULT_LEASE) -> str:
    """Claim, run and settle one job; returns done, retry, failed, skipped or lost."""
    from app.engine.registry import registry as default_registry

    clock = clock or SystemClock()
    registry = registry or default_registry
    claimed = _claim(session_factory, job_id, clock.now(), lease)
    if claimed is None:
        return "skipped"
    kind, payload, token, max_attempts = claimed
    if not registry.has("outbox", kind):
        _finish(session_factory, job_id, token, status="failed",
                last_error=f"no handler for {kind}", finished_at=clock.now())
        return "failed"
    try:
        registry.get("outbox", kind).fn({**payload, "job_id": job_id})
    except Exception as exc:  # noqa: BLE001 - any handler failure is recorded and retried
        log.warning("outbox job %s (%s) failed: %r", job_id, kind, exc)
        final = token >= max_attempts
        settled = _finish(session_factory, job_id, token,
                          status="failed" if final else "pending",
                          available_at=clock.now() + backoff(token),
                          last_error=f"{type(exc).__name__}: {exc}"[:2000],
                          finished_at=clock.now() if final else None)
        return ("failed" if final else "retry") if settled else "lost"
    done = _finish(session_factory, job_id, token, status="done", finished_at=clock.now(),
                   last_error=None)
    return "done" if done else "lost"


def due_job_ids(session, now: datetime, limit: int = 100) -> list[int]:
    """Jobs ready to run: pending and available, or running with an expired lease."""
    ready = ((OutboxJob.status == "pending") & (OutboxJob.available_at <= now)) | (
        (OutboxJob.status == "running") & (OutboxJob.lease_until < now))
    return list(session.scalars(select(OutboxJob.id).where(ready).order_by(OutboxJob.id)
                                .limit(limit)))


def drain(session_factory, *, clock=None, registry=None, limit: int = 100) -> dict[str, int]:
    """Run every due job now, in this process; returns a count per outcome."""
    clock = clock or SystemClock()
    with session_factory() as session:
        ids = due_job_ids(session, clock.now(), limit)
    counts: dict[str, int] = {}
    for job_id in ids:
        outcome = run_job(job_id, session_factory=session_factory, clock=clock, registry=registry)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
