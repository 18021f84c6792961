"""Database plumbing: Base with a naming convention, engines, sessions and mixins.

This module imports nothing from Flask so that the engine and the CLI can use it.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, TypeDecorator, create_engine, event, func
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, scoped_session, sessionmaker

from app.clock import now as clock_now

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Aware UTC now, from the application clock (`app.clock.now`)."""
    return clock_now()


class UtcDateTime(TypeDecorator):
    """An instant, stored in UTC and read back aware on every database.

    SQLite keeps no zone: an aware China-time value would be stored as its wall-clock time
    and read back, naive, as if it were UTC (eight hours off). Every value is converted to
    UTC on the way in, and SQLite's naive values are marked UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


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


def is_sqlite(engine_or_session) -> bool:
    bind = getattr(engine_or_session, "bind", None) or engine_or_session
    if hasattr(engine_or_session, "get_bind"):
        bind = engine_or_session.get_bind()
    return bind.dialect.name == "sqlite"


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
