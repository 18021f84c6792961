"""The REST API, driven as other systems would: bearer tokens only, JSON in and out."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.modules.api.models import WebhookDelivery, WebhookEndpoint
from app.modules.cases.models import Case
from tests.api_fixtures import Api, token_for

pytest_plugins = ["tests.handover_fixtures", "tests.api_fixtures"]
RECEIVERS = {"successor": "successor", "supervisor": "boss", "it": "it1", "finance": "fin1", "admin": "admin1"}


def in_days(days: int):
    from app.modules.cases.operations import today

    return today() + timedelta(days=days)


def _resignation(apis, last_day=None) -> dict:
    facts = {"reason_codes": ["workload", "career"], "primary_reason": "workload",
             "notice_date": in_days(0).isoformat(),
             "requested_last_day": (last_day or in_days(45)).isoformat(), "statement": "申请离职"}
    return apis.leaver.ok("POST", "/cases", {"workflow_id": "voluntary_resignation", "employee_no": "L001",
                                             "facts": facts}, status=201)


def _fire(api: Api, case: dict, event: str, payload=None, status=200) -> dict:
    return api.ok("POST", f"/cases/{case['id']}/events/{event}",
                  {"version": case["version"], "payload": payload or {}}, status=status)


def _events(case: dict) -> set[str]:
    return {e["event"] for e in case["events"]}


@pytest.fixture
def hook(session, people):
    """An endpoint subscribed to every event (no delivery is run: the rows are checked)."""
    from app.modules.api.models import WEBHOOK_EVENTS

    endpoint = WebhookEndpoint(url="http://127.0.0.1:9/hook", events=list(WEBHOOK_EVENTS), description="",
                               secret="whsec_" + "A" * 32, created_by_id=people.hr_admin_user.id)
    session.add(endpoint)
    session.flush()
    return endpoint


def _sent(session, event_type: str) -> list[dict]:
    rows = session.scalars(select(WebhookDelivery).where(WebhookDelivery.event_type == event_type)
                           .order_by(WebhookDelivery.id)).all()
    return [json.loads(row.body) for row in rows]


# ---------------------------------------------------------------- the document and the errors

def test_openapi_is_3_1_generated_from_the_code_with_a_docs_page(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert {"/api/v1/cases", "/api/v1/cases/{case_id}/events/{event}", "/api/v1/webhooks",
            "/api/v1/handover/items/{item_id}/confirm"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    problem = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(problem) == ["application/problem+json"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "/api/v1/cases/{case_id}/events/{event}" in page.get_data(as_text=True)


def test_errors_are_problem_details(client, session, people):
    response = client.get("/api/v1/cases")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["type"].endswith("/unauthorized")
    bad = Api(client, "sdo_not-a-token")
    assert bad.get("/cases").status_code == 401
    reader = Api(client, token_for(people.hr_user, ("read",)))
    refused = reader.post("/cases", {"workflow_id": "dismissal", "employee_no": "L001"})
    assert refused.status_code == 403 and "insufficient_scope" in refused.headers["WWW-Authenticate"]
    assert reader.get("/cases/999999").status_code == 404
    writer = Api(client, token_for(people.hr_user, ("read", "write")))
    invalid = writer.post("/cases", {"workflow_id": "dismissal"})
    body = invalid.get_json()
    assert invalid.status_code == 422 and invalid.mimetype == "application/problem+json"
    assert {"pointer": "/employee_no", "detail": "Missing data for required field."} in body["errors"]


def test_missing_facts_are_named_field_by_field(apis):
    response = apis.hr.post("/cases", {"workflow_id": "mutual_agreement", "employee_no": "L001",
                                       "facts": {"requested_last_day": "soon", "colour": "blue"}})
    assert response.status_code == 422
    pointers = {e["pointer"] for e in response.get_json()["errors"]}
    assert pointers == {"/facts/requested_last_day", "/facts/colour"}


def test_every_type_openable_by_hr_opens_with_its_facts(apis, session, shipped_workflows, make_employee, people):
    types = apis.hr.ok("GET", "/cases/types")
    assert {t["workflow_id"] for t in types} == {"mutual_agreement", "dismissal", "contract_expiry",
                                                  "retirement", "voluntary_resignation"}
    for kind in types:
        employee = make_employee(department=people.dept, manager_id=people.boss.id)
        facts = {name: in_days(60).isoformat() for name in kind["require"]}
        case = apis.hr.ok("POST", "/cases", {"workflow_id": kind["workflow_id"], "employee_no": employee.employee_no,
                                             "facts": facts}, status=201)
        assert case["workflow_id"] == kind["workflow_id"] and case["status"] == "active"
    # An employee opens only their own resignation, and no other type.
    own = {t["workflow_id"] for t in apis.leaver.ok("GET", "/cases/types")}
    assert own == {"voluntary_resignation", "probation_resignation"}
    refused = apis.leaver.post("/cases", {"workflow_id": "dismissal", "employee_no": "L001",
                                          "facts": {"requested_last_day": in_days(60).isoformat()}})
    assert refused.status_code == 403


# ---------------------------------------------------------------- the whole journey

def test_a_resignation_driven_to_its_end_through_the_api_only(apis, session, people, hook):
    from app.modules.handover.models import HandoverSignature

    case = _resignation(apis)
    assert case["states"][0]["id"] == "draft" and _events(case) == {"submit", "withdraw"}
    case = _fire(apis.leaver, case, "submit")
    case = apis.boss.ok("GET", f"/cases/{case['id']}")
    assert "approve" in _events(case)
    case = _fire(apis.boss, case, "approve", {"agreed_last_day": in_days(40).isoformat()})
    case = _fire(apis.hr, apis.hr.ok("GET", f"/cases/{case['id']}"), "approve")
    assert {s["id"].split(".")[0] for s in case["states"]} == {"handover"}

    checklist = apis.boss.ok("PUT", f"/cases/{case['id']}/handover/successor", {"employee_no": "S001"})
    assert checklist["successor"]["employee_no"] == "S001" and checklist["open"]
    for item in checklist["items"]:
        apis.leaver.ok("POST", f"/handover/items/{item['id']}/hand-over",
                       {"version": item["version"], "note": "已整理"})
    for item in apis.leaver.ok("GET", f"/cases/{case['id']}/handover")["items"]:
        receiver = getattr(apis, RECEIVERS[item["receiver"]["role"]])
        assert apis.leaver.post(f"/handover/items/{item['id']}/confirm",
                                {"version": item["version"]}).status_code == 403  # never her own items
        done = receiver.ok("POST", f"/handover/items/{item['id']}/confirm", {"version": item["version"]})
        assert done["status"] == "confirmed"
    signatures = session.scalars(select(HandoverSignature)).all()
    assert signatures and {(s.channel, s.token_id is not None) for s in signatures} == {("api", True)}

    case = _fire(apis.leaver, apis.leaver.ok("GET", f"/cases/{case['id']}"), "sign_leaver")
    case = _fire(apis.successor, apis.successor.ok("GET", f"/cases/{case['id']}"), "sign_receiver")
    assert [s["id"] for s in case["states"]] == ["exit_interview"]
    interview = apis.hr.ok("PUT", f"/cases/{case['id']}/interview", {
        "starts_at": f"{in_days(1).isoformat()}T10:00:00+08:00", "location": "三楼", "interviewer": "hr"})
    assert interview["status"] == "scheduled" and interview["interviewer"] == "hr"
    case = _fire(apis.hr, apis.hr.ok("GET", f"/cases/{case['id']}"), "complete_interview")
    assert case["status"] == "finished" and case["outcome"] == "separated" and case["events"] == []

    opened = _sent(session, "case.opened")
    assert len(opened) == 1 and opened[0]["data"]["case"]["reference"] == case["reference"]
    assert opened[0]["data"]["employee"]["employee_no"] == "L001"
    moves = [(m["data"]["event"], m["data"]["to_states"]) for m in _sent(session, "case.state_changed")]
    assert moves[0] == ("submit", ["supervisor_review"]) and moves[-1] == ("complete_interview", ["archived"])
    assert len(_sent(session, "handover.signed_off")) == 1
    closed = _sent(session, "case.closed")
    assert [c["data"]["outcome"] for c in closed] == ["separated"]
    scheduled = _sent(session, "employee.offboarding_scheduled")
    assert len(scheduled) == 1  # scheduled at HR review and again at the archive: announced once
    employee = scheduled[0]["data"]["employee"]
    assert employee["last_working_day"] == in_days(40).isoformat() and employee["time_zone"] == "Asia/Shanghai"
    assert employee["last_working_day_ends_at"].endswith("T18:00:00+08:00")
    assert employee["manager"]["employee_no"] == "B001" and employee["reason_code"] == "workload"
    assert employee["email"] == people.leaver.email and employee["active"] is True
    issued = {d["data"]["document"]["kind"] for d in _sent(session, "document.issued")}
    assert issued == set()  # documents are rendered by their own jobs, not in these requests


# ---------------------------------------------------------------- object by object

def test_supervisor_b_cannot_see_supervisor_a_case(apis, session, people):
    case = _resignation(apis)
    item_less = f"/cases/{case['id']}"
    for path in (item_less, f"{item_less}/handover", f"{item_less}/documents"):
        assert apis.otherboss.get(path).status_code == 404, path
    fire = apis.otherboss.post(f"{item_less}/events/approve", {"version": case["version"], "payload": {}})
    assert fire.status_code == 404
    assert case["id"] not in [c["id"] for c in apis.otherboss.ok("GET", "/cases")["items"]]
    assert case["id"] in [c["id"] for c in apis.boss.ok("GET", "/cases")["items"]]
    assert apis.otherboss.get("/employees/L001").status_code == 404
    assert apis.boss.ok("GET", "/employees/L001")["status"] == "leaving"


def test_stale_version_wrong_role_and_guard_refusal(apis, session, people):
    case = _resignation(apis)
    stale = apis.leaver.post(f"/cases/{case['id']}/events/submit", {"version": case["version"] + 1, "payload": {}})
    assert stale.status_code == 409 and stale.get_json()["type"].endswith("/stale-version")
    wrong_role = apis.hr.post(f"/cases/{case['id']}/events/submit", {"version": case["version"], "payload": {}})
    assert wrong_role.status_code == 403
    case = _fire(apis.leaver, case, "submit")
    case = apis.boss.ok("GET", f"/cases/{case['id']}")
    missing = apis.boss.post(f"/cases/{case['id']}/events/approve", {"version": case["version"], "payload": {}})
    assert missing.status_code == 422
    assert missing.get_json()["errors"][0]["pointer"] == "/payload/agreed_last_day"
    too_late = apis.boss.post(f"/cases/{case['id']}/events/approve", {
        "version": case["version"], "payload": {"agreed_last_day": in_days(400).isoformat()}})
    assert too_late.status_code == 422 and "不得晚于" in too_late.get_json()["detail"]
    assert apis.boss.ok("GET", f"/cases/{case['id']}")["version"] == case["version"]  # nothing saved


def test_a_post_with_an_idempotency_key_is_done_once(apis, session, people):
    body = {"workflow_id": "mutual_agreement", "employee_no": "L001",
            "facts": {"requested_last_day": in_days(50).isoformat()}}
    headers = {"Idempotency-Key": "open-L001-1"}
    first = apis.hr.post("/cases", body, headers=headers)
    again = apis.hr.post("/cases", body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json()["id"] == first.get_json()["id"]
    assert session.scalar(select(func.count()).select_from(Case)) == 1
    other = apis.hr.post("/cases", {**body, "employee_no": "S001"}, headers=headers)
    assert other.status_code == 422 and other.get_json()["type"].endswith("/idempotency-key-reused")
    # Without a key a retry is a second request: refused, the employee has an open case.
    assert apis.hr.post("/cases", body).status_code == 422


def test_tokens_are_rate_limited_each_on_its_own(app, apis, client):
    from app.extensions import limiter

    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        limiter.reset()
        answers = [apis.hr.get("/me").status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        limited = apis.hr.get("/me")
        assert limited.mimetype == "application/problem+json" and "Retry-After" in limited.headers
        assert apis.boss.get("/me").status_code == 200  # another token has its own count
    finally:
        app.config["API_RATE_LIMIT"] = "300 per minute"
        limiter.reset()


def test_cli_token_with_repeated_scopes_prints_the_token_last(app, session, people, client):
    result = app.test_cli_runner().invoke(args=["users", "token", "boss", "--scope", "read", "--scope",
                                                "handover:sign"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    me = Api(client, secret).ok("GET", "/me")
    assert me["scopes"] == ["handover:sign", "read"] and me["employee_no"] == "B001"
    assert Api(client, secret).post("/cases", {}).status_code == 403  # no write scope
    bad = app.test_cli_runner().invoke(args=["users", "token", "boss", "--scope", "everything"])
    assert bad.exit_code != 0


def test_a_service_account_has_no_password_and_acts_by_its_roles(app, session, client, login):
    from app.modules.auth.models import User

    result = app.test_cli_runner().invoke(args=["users", "service-account", "okta", "--role", "auditor"])
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "okta"))
    assert user.is_service_account and user.employee_id is None
    me = Api(client, token_for(user, ("read",))).ok("GET", "/me")
    assert me["service_account"] is True and me["roles"] == ["auditor"]
