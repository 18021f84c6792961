"""Webhooks received by a real HTTP server on localhost and verified with `standardwebhooks`;
the leaver's identity deactivated on a real SCIM server (`scim2-server`) after the last day."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from app.modules.api.models import WebhookDelivery
from tests.api_fixtures import Api, token_for

pytest_plugins = ["tests.handover_fixtures", "tests.api_fixtures"]


class Receiver:
    """A webhook receiver on a free loopback port: verifies each signature, can fail on purpose."""

    def __init__(self):
        self.secret, self.received, self.failures_left = None, [], 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k: v for k, v in self.headers.items()}
                verified = Webhook(outer.secret).verify(body, headers)  # raises on a bad signature
                outer.received.append((headers, verified))
                status = 500 if outer.failures_left > 0 else 204
                outer.failures_left -= 1
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/sendoff"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


def _subscribe(client, people, receiver, events) -> dict:
    admin = Api(client, token_for(people.hr_admin_user, ("read", "write", "admin")))
    created = admin.ok("POST", "/webhooks", {"url": receiver.url, "events": events}, status=201)
    assert created["secret"].startswith("whsec_")
    receiver.secret = created["secret"]
    assert "secret" not in admin.ok("GET", "/webhooks")[0]  # shown once
    return created


def test_webhooks_are_signed_retried_logged_and_replayed(client, session, people, receiver, run_jobs):
    from app.modules.cases.operations import open_case

    hook = _subscribe(client, people, receiver, ["case.opened"])
    receiver.failures_left = 1
    case = open_case(people.leaver, "mutual_agreement", people.hr_user, requested_last_day=datetime.now(UTC).date()
                     + timedelta(days=40))
    session.flush()
    assert run_jobs("webhook.deliver") == ["retry"]  # the receiver answered 500
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert run_jobs("webhook.deliver", at=later) == ["done"]
    assert len(receiver.received) == 2
    (first, payload), (second, again) = receiver.received
    assert payload == again and payload["type"] == "case.opened"
    assert payload["data"]["case"]["reference"] == case.reference
    assert first["webhook-id"] == second["webhook-id"] and first["webhook-signature"].startswith("v1,")
    admin = Api(client, token_for(people.hr_admin_user, ("admin",)))
    page = admin.ok("GET", f"/webhooks/{hook['id']}/deliveries")
    delivery = page["items"][0]
    assert delivery["status"] == "delivered" and delivery["attempts"] == 2
    assert [a["status_code"] for a in delivery["attempt_log"]] == [500, 204]
    admin.ok("POST", f"/webhooks/deliveries/{delivery['id']}/replay", status=202)
    assert run_jobs("webhook.deliver") == ["done"]
    assert receiver.received[-1][0]["webhook-id"] == first["webhook-id"]  # the same message, signed anew
    assert Api(client, token_for(people.hr_user, ("admin",))).get("/webhooks").status_code == 403


def test_an_issued_document_is_announced_with_its_hash(client, session, people, receiver, run_jobs,
                                                        tmp_path, app, monkeypatch):
    from app.modules.cases.operations import open_case
    from app.modules.documents.models import Document
    from app.modules.documents.operations import request_document

    monkeypatch.setitem(app.config, "DOCUMENTS_DIR", str(tmp_path / "documents"))
    _subscribe(client, people, receiver, ["document.issued"])
    case = open_case(people.leaver, "voluntary_resignation", people.hr_user,
                     requested_last_day=datetime.now(UTC).date() + timedelta(days=40),
                     reason_codes=["career"], primary_reason="career")
    request_document(case, "resignation_application")
    session.flush()
    assert run_jobs("render_pdf") == ["done"]
    document = session.scalars(select(Document).where(Document.case_id == case.id)).one()
    assert run_jobs("webhook.deliver") == ["done"]
    (_headers, payload), = receiver.received  # verified against the secret by the receiver
    assert payload["type"] == "document.issued"
    assert payload["data"]["case"]["reference"] == case.reference
    assert payload["data"]["document"] == {"id": document.id, "kind": "resignation_application",
                                           "version": 1, "code": document.code,
                                           "sha256": document.sha256}
    assert payload["data"]["employee_no"] == people.leaver.employee_no


def test_a_forged_signature_is_refused_by_the_verifier(session, people):
    body = json.dumps({"type": "case.opened", "timestamp": "2026-01-01T00:00:00Z", "data": {}})
    hook = Webhook("whsec_" + "QUJD" * 8)
    moment = datetime.now(UTC)
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(moment.timestamp())),
               "webhook-signature": hook.sign("msg_1", moment, body)}
    assert hook.verify(body, headers)["type"] == "case.opened"
    with pytest.raises(Exception, match="signature"):
        hook.verify(body.replace("opened", "closed"), headers)


def test_webhook_urls_must_be_http_and_public_in_production(app, client, people):
    from app.modules.api.webhooks import UnsafeUrl, check_url

    admin = Api(client, token_for(people.hr_admin_user, ("admin",)))
    refused = admin.post("/webhooks", {"url": "file:///etc/passwd", "events": ["case.opened"]})
    assert refused.status_code == 422
    app.config["ENV"] = "production"
    try:
        with pytest.raises(UnsafeUrl, match="non-public"):
            check_url("http://127.0.0.1:8080/hook")
    finally:
        app.config["ENV"] = "development"
    check_url("http://127.0.0.1:8080/hook")  # loopback is fine outside production (the tests)


# ---------------------------------------------------------------- SCIM

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def scim_server(app):
    """A real SCIM 2.0 server (scim2-server) on a free loopback port, with a bearer token."""
    port, token = _free_port(), "scim-test-token"
    process = subprocess.Popen([sys.executable, "-m", "scim2_server.testserver.cli", "--port", str(port),
                                "--bearer-token", token], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    app.config.update(SCIM_URL=url, SCIM_TOKEN=token)
    yield url
    app.config.update(SCIM_URL=None, SCIM_TOKEN=None)
    process.terminate()
    process.wait(timeout=10)


def _scim_user(app, **fields) -> str:
    from scim2_models import User

    from app.modules.api import scim

    with app.app_context():
        created = scim.client().create(User(**fields))
    return created.id


def _active(app, scim_id: str) -> bool:
    from scim2_models import User

    from app.modules.api import scim

    with app.app_context():
        return scim.client().query(User, scim_id).active


def test_the_leaver_is_inactive_in_scim_after_the_last_day_and_not_before(
        app, session, people, scim_server, run_jobs):
    from app.audit import record_event  # noqa: F401 - the job audits through it
    from app.engine.models import AuditEvent, OutboxJob
    from app.modules.alumni import operations as alumni
    from app.modules.cases.operations import open_case
    from tests.handover_fixtures import walk_to_handover

    leaver_id = _scim_user(app, user_name=people.leaver.email, external_id="L001", active=True)
    other_id = _scim_user(app, user_name="someone@example.com", active=True)
    last_day = datetime.now(UTC).date() + timedelta(days=20)
    case = open_case(people.leaver, "voluntary_resignation", people.hr_user, notice_date=last_day - timedelta(days=40),
                     requested_last_day=last_day, handover_receiver_id=people.successor.id)
    walk_to_handover(case, people)
    session.commit()  # as a request ends; the jobs below run in sessions of their own, as a worker's
    job = session.scalars(select(OutboxJob).where(OutboxJob.kind == alumni.SHUTDOWN_JOB)).one()
    due = alumni.shutdown_due_at(case)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(alumni, "_now", lambda: due - timedelta(minutes=1))
        alumni.run_account_shutdown({"case_id": case.id, "job_id": job.id})
    assert run_jobs("identity.deprovision", at=due + timedelta(hours=1)) == []
    assert _active(app, leaver_id) is True  # the day before 18:00: still active

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(alumni, "_now", lambda: due + timedelta(minutes=1))
        alumni.run_account_shutdown({"case_id": case.id, "job_id": job.id})
    assert run_jobs("identity.deprovision", at=due + timedelta(hours=1)) == ["done"]
    assert _active(app, leaver_id) is False and _active(app, other_id) is True
    audit = session.scalars(select(AuditEvent).where(AuditEvent.event == "identity.deprovisioned")).one()
    assert audit.payload["matched_by"] == "externalId" and audit.payload["scim_id"] == leaver_id
    offboarded = session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.event_type == "employee.offboarded")).all()
    assert offboarded == []  # no endpoint subscribed: no delivery, the SCIM job all the same

    result = app.test_cli_runner().invoke(args=["identity", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "0 people have left" in result.output


def test_reconcile_names_a_leaver_still_active_there(app, session, people, scim_server, make_employee):
    left = make_employee(name="钱已走", email="gone@example.com", status="left", department=people.dept)
    session.flush()
    scim_id = _scim_user(app, user_name="gone@example.com", active=True)
    result = app.test_cli_runner().invoke(args=["identity", "reconcile"])
    assert result.exit_code == 1
    assert f"{left.employee_no}\tgone@example.com\t{scim_id}\tmatched by userName" in result.output
