"""Helpers for the audit tests: a database of its own, a chain of rows, tampering, a mailbox."""
from __future__ import annotations

import contextlib
import socket
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
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


class Mailbox:
    """An aiosmtpd handler keeping every message; refuses the addresses in `refuse`."""

    def __init__(self) -> None:
        self.messages: list = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for rcpts, m in self.messages if address in rcpts]


@pytest.fixture
def mailbox(app, monkeypatch):
    """A real SMTP server on 127.0.0.1 and the app configured to send to it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    for key, value in {"MAIL_ENABLED": True, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
                       "MAIL_USE_TLS": False, "MAIL_USE_SSL": False, "MAIL_USERNAME": None,
                       "MAIL_DEFAULT_SENDER": "sendoff@example.com"}.items():
        monkeypatch.setitem(app.config, key, value)
    yield box
    controller.stop()
