"""Database plumbing: engines, sessions and mixins; the declarative base comes from the engine.

This module imports nothing from Flask so that the CLI and the job runners can use it.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import datetime

from sqlalchemy import create_engine, event, func
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column, scoped_session, sessionmaker

from app.clock import now as clock_now
from app.engine import clock as engine_clock
from app.engine.sql import NAMING_CONVENTION, Base, UtcDateTime, is_sqlite  # noqa: F401 (re-exported)

# The engine's models stamp rows with the application clock (tests travel in time with it).
engine_clock.use(clock_now)


def utcnow() -> datetime:
    """Aware UTC now, from the application clock (`app.clock.now`)."""
    return clock_now()


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utcnow, server_default=func.now()
    )


# On SQLite a transaction that reads first and writes later can fail with
# SQLITE_BUSY instead of waiting; BEGIN IMMEDIATE takes the write lock up front.
# Requests that only read (GET) switch it off so readers never queue behind writers.
sqlite_immediate: ContextVar[bool] = ContextVar("sqlite_immediate", default=True)


@contextlib.contextmanager
def sqlite_begin(immediate: bool) -> Iterator[None]:
    """Choose how the next SQLite transactions in this context begin."""
    token = sqlite_immediate.set(immediate)
    try:
        yield
    finally:
        sqlite_immediate.reset(token)


def normalize_url(url: str) -> str:
    """Accept the usual postgresql:// form and use psycopg 3 for it."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        _ensure_sqlite_folder(url)
        kwargs.setdefault("connect_args", {}).setdefault("timeout", 30)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _ensure_sqlite_folder(url: str) -> None:
    from pathlib import Path

    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if sqlite_immediate.get() else "BEGIN")


class Database:
    """Holds the engine and a request-scoped session; `init_app` wires it to Flask."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session = scoped_session(sessionmaker(expire_on_commit=False))
        # Tests share one session between the test body and the requests it makes.
        self.keep_session = False
        self.dispatch_enabled = False  # outbox listener installed on the session factory

    def connect(self, url: str, **kwargs) -> Engine:
        if self.engine is not None:
            self.engine.dispose()
        self.engine = make_engine(url, **kwargs)
        self.session.remove()
        self.session.configure(bind=self.engine)
        return self.engine

    def init_app(self, app) -> None:
        self.connect(app.config["DATABASE_URL"])

        @app.teardown_appcontext
        def _remove_session(exc):
            if not self.keep_session:
                self.session.remove()
            elif exc is not None:
                self.session.rollback()


db = Database()
