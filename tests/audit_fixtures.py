"""Helpers for the audit tests: a database of its own, a chain of rows, tampering."""
from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import text

from app.db import db
from app.engine import Actor
from app.engine.audit import append_audit, row_hash, verify_chain
from app.engine.definition import canonical_json, sha256_hex
from app.engine.models import AuditEvent
from tests.engine_fixtures import utc

WORKER = Actor(user_id=1, employee_id=1, groups=frozenset({"worker"}), name="worker")


@contextlib.contextmanager
def bound_to(app, engine):
    """`db.session` on another database for a while, inside an app context."""
    db.session.remove()
    original = dict(db.session.session_factory.kw)
    db.session.configure(bind=engine)
    db.keep_session = True
    try:
        with app.app_context():
            yield db.session()
    finally:
        db.keep_session = False
        db.session.remove()
        db.session.session_factory.kw.clear()
        db.session.session_factory.kw.update(original)


@pytest.fixture
def chain_db(app, fresh_db):
    """`db.session` on an empty database of its own, whose commits are real."""
    with bound_to(app, fresh_db.kw["bind"]) as session:
        yield session


def append(session, n: int = 0, event: str = "account.created"):
    row = append_audit(session, event=event, at=utc(2026, 3, 2, 2, n % 60), actor=WORKER,
                       subject=f"user:{n}", payload={"n": n}, request_id="r1")
    session.commit()
    return row


def chain(session, count: int) -> list[int]:
    return [append(session, n).id for n in range(count)]


def problems(session, **options) -> list[tuple[str, int | None]]:
    return [(p.kind, p.row_id) for p in verify_chain(session, **options).problems]


def sql(session, statement: str, **params) -> None:
    session.execute(text(statement), params)
    session.commit()


def stored(session, row_id: int) -> AuditEvent:
    return session.get(AuditEvent, row_id, populate_existing=True)


def rewrite(session, row_id: int, **changes) -> str:
    """Change a row and recompute its hashes, as someone covering their tracks would."""
    row = stored(session, row_id)
    for name, value in changes.items():
        setattr(row, name, value)
    row.payload_hash = sha256_hex(canonical_json(row.payload))
    row.hash = row_hash(row)
    session.commit()
    return row.hash
