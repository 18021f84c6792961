"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message, for mail tests."""
from __future__ import annotations

import socket
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Recorder:
    """An aiosmtpd handler that keeps every message and refuses the addresses it is told to."""

    def __init__(self) -> None:
        self.messages: list = []
        self.refuse: set[str] = set()
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse or "*" in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((list(envelope.rcpt_tos), message, envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for rcpts, m, _ in self.messages if address in rcpts]

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login, auth_data.password))
        ok = auth_data.password == b"s3cret-pw"
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 535


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    """A running SMTP server on 127.0.0.1 and the app configured to send to it."""
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port,
                            authenticator=recorder.authenticate, auth_require_tls=False)
    controller.start()
    for key, value in {"MAIL_ENABLED": True, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
                       "MAIL_USE_TLS": False, "MAIL_USE_SSL": False, "MAIL_USERNAME": None,
                       "MAIL_PASSWORD": None, "MAIL_DEFAULT_SENDER": "sendoff@example.com",
                       "PUBLIC_BASE_URL": "https://sendoff.example"}.items():
        monkeypatch.setitem(app.config, key, value)
    yield recorder
    controller.stop()


