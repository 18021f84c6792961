"""Fixtures for the API: tokens for the `people` and `clearance` users and a JSON client."""
from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

SIGNER = ("read", "write", "handover:sign")


class Api:
    """The test client speaking JSON with one bearer token."""

    def __init__(self, client, secret: str):
        self.client, self.secret = client, secret

    def _call(self, method: str, path: str, body=None, headers=None, **kwargs):
        headers = {"Authorization": f"Bearer {self.secret}", **(headers or {})}
        data = json.dumps(body) if body is not None else None
        return self.client.open(f"/api/v1{path}", method=method, data=data, headers=headers,
                                content_type="application/json" if data else None, **kwargs)

    def get(self, path, **kw):
        return self._call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self._call("POST", path, body if body is not None else {}, **kw)

    def put(self, path, body=None, **kw):
        return self._call("PUT", path, body, **kw)

    def ok(self, method: str, path: str, body=None, status=200, **kw) -> dict:
        response = self._call(method, path, body, **kw)
        assert response.status_code == status, (method, path, response.status_code, response.get_data(as_text=True))
        return response.get_json()


def token_for(user, scopes=SIGNER) -> str:
    from app.modules.auth.operations import create_api_token

    return create_api_token(user, "tests", scopes=scopes)[1]


@pytest.fixture
def apis(client, session, people, clearance):
    """An Api per user of `people` and `clearance`, with read, write and handover:sign."""
    users = {"leaver": people.leaver_user, "boss": people.boss_user, "otherboss": people.other_boss_user,
             "successor": people.successor_user, "hr": people.hr_user, "hradmin": people.hr_admin_user,
             "it1": clearance.it, "fin1": clearance.finance, "admin1": clearance.admin}
    scopes = {"hradmin": (*SIGNER, "admin")}
    return SimpleNamespace(**{name: Api(client, token_for(user, scopes.get(name, SIGNER)))
                              for name, user in users.items()})


@pytest.fixture
def run_jobs(session):
    """Run the due outbox jobs of some kinds the way the worker does (on the test's connection)."""
    from app.clock import now
    from app.engine.clock import FixedClock
    from app.engine.models import OutboxJob
    from app.engine.outbox import run_job

    factory = sessionmaker(bind=session.connection(), join_transaction_mode="create_savepoint",
                           expire_on_commit=False)

    def _run(*kinds: str, at=None) -> list[str]:
        clock = FixedClock(at or now() + timedelta(seconds=1))
        ids = session.scalars(select(OutboxJob.id).where(
            OutboxJob.kind.in_(kinds), OutboxJob.status == "pending",
            OutboxJob.available_at <= clock.now()).order_by(OutboxJob.id)).all()
        outcomes = [run_job(job_id, session_factory=factory, clock=clock) for job_id in ids]
        session.expire_all()
        return outcomes
    return _run
