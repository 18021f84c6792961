"""Queue adapter: `enqueue` puts a job on Redis (RQ) when REDIS_URL is set, else runs it here.

Jobs are named by dotted path ("package.module:function") so that the web process and
the worker agree on them without pickling functions.
"""
from __future__ import annotations

import importlib
import logging
import threading

from flask import Flask, current_app, has_app_context

log = logging.getLogger(__name__)
QUEUE_NAME = "sendoff"
_worker_app: Flask | None = None


def resolve(func_path: str):
    """Turn "pkg.module:function" into the function."""
    module_name, _, attr = func_path.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def enqueue(func_path: str, *args, job_id: str | None = None) -> str | None:
    """Queue a job; without Redis it runs now on a thread of this process, failures logged."""
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        return _queue(redis_url).enqueue(
            execute, func_path, *args, job_id=job_id, retry=_retry(), job_timeout=600
        ).id
    # Jobs are queued from the session's after-commit hook, where that session cannot
    # run SQL: run them on a thread of their own, with its own session. The thread is
    # not a daemon, so a CLI command waits for its jobs before the process exits.
    app = current_app._get_current_object()
    threading.Thread(target=_run_in_process, args=(app, func_path, args),
                     name=f"job-{func_path}", daemon=False).start()
    return None


def _run_in_process(app: Flask, func_path: str, args: tuple) -> None:
    from app.db import db

    try:
        with app.app_context():
            resolve(func_path)(*args)
    except Exception:  # a failed in-process job is logged; the outbox keeps it for a retry
        log.exception("in-process job %s failed", func_path)
    finally:
        db.session.remove()


def execute(func_path: str, *args):
    """Run a job inside an application context (the worker builds its own app)."""
    if has_app_context():
        return resolve(func_path)(*args)
    with _get_worker_app().app_context():
        return resolve(func_path)(*args)


def _get_worker_app() -> Flask:
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


def _queue(redis_url: str):
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))


def _retry():
    from rq import Retry

    return Retry(max=3, interval=[10, 60, 300])


def redis_ping(redis_url: str) -> bool:
    """True when the Redis server answers."""
    from redis import Redis

    try:
        return bool(Redis.from_url(redis_url, socket_connect_timeout=1).ping())
    except Exception:
        return False


def run_worker(redis_url: str) -> None:
    """Run an RQ worker with its scheduler until stopped."""
    from redis import Redis
    from rq import Worker

    Worker([QUEUE_NAME], connection=Redis.from_url(redis_url)).work(with_scheduler=True)


def run_cron(redis_url: str) -> None:
    """Queue the timer tick and the outbox sweep every minute until stopped."""
    from redis import Redis
    from rq.cron import CronScheduler

    cron = CronScheduler(connection=Redis.from_url(redis_url), name="sendoff-cron")
    cron.register(execute, QUEUE_NAME, args=("app.jobs:tick_job",), interval=60)
    cron.start()


def tick_job() -> dict:
    """Scheduler entry point (every minute): fire due timers, run due outbox jobs, and write
    a signed audit checkpoint when one is due (AUDIT_CHECKPOINT_INTERVAL_MINUTES)."""
    from sqlalchemy.orm import sessionmaker

    from app.clock import AppClock
    from app.db import db
    from app.engine.outbox import drain
    from app.engine.runtime import tick
    from app.law.calendar import ChinaCalendar
    from app.modules.audit.checkpoints import tick_checkpoint

    factory = sessionmaker(bind=db.engine, expire_on_commit=False)
    clock = AppClock()
    report = tick(factory, clock=clock, calendar=ChinaCalendar(strict=False))
    outbox = drain(factory, clock=clock)
    return {"fired": report.fired, "skipped": report.skipped, "errors": report.errors,
            "outbox": outbox, "audit_checkpoint": tick_checkpoint(factory, clock.now())}


def dispatch_outbox_job(job_id: int) -> None:
    """Queue one committed outbox job (the engine's after-commit dispatcher)."""
    enqueue("app.jobs:run_outbox_job", job_id)


def run_outbox_job(job_id: int) -> str:
    """Run one outbox job on the application's clock (queued after each commit)."""
    from sqlalchemy.orm import sessionmaker

    from app.clock import AppClock
    from app.db import db
    from app.engine.outbox import run_job

    return run_job(job_id, session_factory=sessionmaker(bind=db.engine, expire_on_commit=False),
                   clock=AppClock())
