"""The app side: hooks on real tables, the CLI and the admin pages."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.engine import runtime as rt
from app.engine.clock import FixedClock, WeekdayCalendar
from app.engine.registry import registry
from app.modules.cases.models import CaseAttachment
from tests.engine_fixtures import WORKFLOWS, utc

pytest.importorskip("app.modules.cases.models")


@pytest.fixture
def kit():
    return dict(clock=FixedClock(utc(2026, 3, 2, 2)), calendar=WeekdayCalendar(),
                registry=registry)


@pytest.fixture
def people(make_employee, make_user):
    boss = make_employee(name="上级")
    leaver = make_employee(name="离职人", manager_id=boss.id, probation_end=date(2025, 6, 30))
    receiver = make_employee(name="接收人", manager_id=boss.id)
    users = {
        "employee": make_user(employee=leaver),
        "supervisor": make_user(employee=boss),
        "receiver": make_user(employee=receiver),
        "hr": make_user(roles=("hr",)),
        "hr_admin": make_user(roles=("hr_admin",)),
    }
    return leaver, boss, receiver, users


def open_case(session, workflow, leaver, boss, receiver, kit, **kw):
    from app.modules.cases.models import Case

    case = Case(reference=f"C-{workflow[:8]}-{leaver.id}", employee_id=leaver.id,
                workflow_id=workflow, manager_id=boss.id, handover_receiver_id=receiver.id,
                notice_date=date(2026, 3, 2), **kw)
    session.add(case)
    session.flush()
    rt.deploy(session, WORKFLOWS / f"{workflow}.yaml", registry=registry)
    instance = rt.start_instance(session, workflow, _actor(None), subject=f"case:{case.id}",
                                 **kit)
    case.instance_id = instance.id
    session.flush()
    return case, instance


def _actor(user):
    from app.engine import SYSTEM
    from app.modules.auth.permissions import actor_for

    return SYSTEM if user is None else actor_for(user)


def fire(session, instance, event, user, kit, **payload):
    return rt.fire(session, instance.id, event, _actor(user), instance.version, payload, **kit)


def sign_everything(session, case, users):
    from app.modules.handover.operations import items_of, sign_item

    for item in items_of(session, case.id):
        sign_item(session, item, "leaver", users["employee"].id, utc(2026, 3, 20))
        sign_item(session, item, "receiver", users["receiver"].id, utc(2026, 3, 20))


def test_voluntary_resignation_end_to_end(session, people, kit):
    from app.modules.employees.models import Separation

    leaver, boss, receiver, users = people
    case, instance = open_case(session, "voluntary_resignation", leaver, boss, receiver, kit,
                               requested_last_day=date(2026, 3, 10))
    refused = fire(session, instance, "submit", users["employee"], kit)
    assert refused.refusal.code == "guard_failed" and "30" in str(refused.refusal.message)
    case.requested_last_day = date(2026, 4, 1)
    assert fire(session, instance, "submit", users["employee"], kit)
    assert fire(session, instance, "approve", users["supervisor"], kit,
                agreed_last_day="2026-04-01")
    assert fire(session, instance, "approve", users["hr"], kit)
    refused = fire(session, instance, "sign_leaver", users["employee"], kit)
    assert refused.refusal.code == "guard_failed" and "6" in str(refused.refusal.message)
    sign_everything(session, case, users)
    assert fire(session, instance, "sign_leaver", users["employee"], kit)
    assert fire(session, instance, "sign_receiver", users["receiver"], kit).joined == "handover"
    assert fire(session, instance, "complete_interview", users["hr"], kit)
    separation = session.scalars(select(Separation).where(
        Separation.employee_id == leaver.id)).one()
    assert separation.voluntary and separation.separation_type == "voluntary_resignation"
    assert leaver.status == "left"


def test_probation_resignation_needs_three_days(session, people, kit):
    leaver, boss, receiver, users = people
    leaver.probation_end = date(2026, 6, 30)
    case, instance = open_case(session, "probation_resignation", leaver, boss, receiver, kit,
                               requested_last_day=date(2026, 3, 5))
    assert fire(session, instance, "submit", users["employee"], kit)
    assert fire(session, instance, "acknowledge", users["supervisor"], kit,
                agreed_last_day="2026-03-05")
    sign_everything(session, case, users)
    assert fire(session, instance, "sign_receiver", users["supervisor"], kit)
    assert fire(session, instance, "sign_leaver", users["employee"], kit).joined
    assert instance.configuration == ["exit_interview"]
    assert fire(session, instance, "complete_interview", users["hr"], kit)
    assert instance.configuration == ["closing"]
    assert fire(session, instance, "close", users["hr"], kit)
    assert instance.status == "finished"


@pytest.mark.parametrize("agreed, named", [("2026-03-06", "2026-03-05"),  # later than asked
                                           ("2026-03-02", "2026-03-02")])  # not after the notice
def test_probation_acknowledge_cannot_move_the_last_day_out_of_the_notice(
        session, people, kit, agreed, named):
    leaver, boss, receiver, users = people
    leaver.probation_end = date(2026, 6, 30)
    case, instance = open_case(session, "probation_resignation", leaver, boss, receiver, kit,
                               requested_last_day=date(2026, 3, 5))
    assert fire(session, instance, "submit", users["employee"], kit)
    refused = fire(session, instance, "acknowledge", users["supervisor"], kit, agreed_last_day=agreed)
    assert refused.refusal.params == {"guard": "agreed_last_day_ok"}
    assert named in str(refused.refusal.message)  # the day it may not pass
    assert instance.configuration == ["acknowledgement"]
    assert fire(session, instance, "acknowledge", users["supervisor"], kit,
                agreed_last_day="2026-03-04")  # shortening is the employer's to grant


def test_probation_retained_at_the_interview_keeps_the_employee(session, people, kit):
    leaver, boss, receiver, users = people
    leaver.probation_end = date(2026, 6, 30)
    case, instance = open_case(session, "probation_resignation", leaver, boss, receiver, kit,
                               requested_last_day=date(2026, 3, 5))
    assert fire(session, instance, "submit", users["employee"], kit)
    assert fire(session, instance, "acknowledge", users["supervisor"], kit, agreed_last_day="2026-03-05")
    sign_everything(session, case, users)
    assert fire(session, instance, "sign_leaver", users["hr"], kit)  # HR may sign for the leaver
    assert fire(session, instance, "sign_receiver", users["receiver"], kit).joined
    assert fire(session, instance, "retain", users["hr"], kit)
    assert instance.configuration == ["retained"] and leaver.status == "active"


def test_dismissal_art40_refused_for_art42_protection(session, people, kit):
    leaver, boss, receiver, users = people
    leaver.protections = ["medical_period"]
    case, instance = open_case(session, "dismissal", leaver, boss, receiver, kit)
    refused = fire(session, instance, "file_without_fault", users["hr"], kit,
                   ground="40(1)", notice_mode="notice")
    assert refused.refusal.code == "guard_failed"
    assert "Art 42(3)" in str(refused.refusal.message)
    assert not fire(session, instance, "file_with_cause", users["hr"], kit, ground="39(2)",
                    comment="serious breach")  # Art 39 needs evidence on file first
    session.add(CaseAttachment(case_id=case.id, kind="evidence", filename="warning.pdf",
                               mime="application/pdf", size=10, sha256="0" * 64))
    assert fire(session, instance, "file_with_cause", users["hr"], kit, ground="39(2)",
                comment="serious breach")
    assert fire(session, instance, "record_union_reply", users["hr"], kit,
                union_notified_on="2026-03-02", comment="union informed")
    assert fire(session, instance, "issue_notice", users["hr_admin"], kit,
                agreed_last_day="2026-03-03")
    assert instance.configuration[0].startswith("handover.")
    assert instance.data["basis"] == "art39" and instance.data["severance_owed"] is False


def test_dismissal_art40_pay_in_lieu_after_union(session, people, kit):
    leaver, boss, receiver, users = people
    case, instance = open_case(session, "dismissal", leaver, boss, receiver, kit)
    assert fire(session, instance, "file_without_fault", users["hr"], kit,
                ground="40(3)", notice_mode="pay_in_lieu")
    assert fire(session, instance, "record_union_reply", users["hr"], kit,
                union_notified_on="2026-03-09", comment="told")
    refused = fire(session, instance, "issue_notice", users["hr_admin"], kit,
                   agreed_last_day="2026-03-10")
    assert refused.refusal.code == "guard_failed"
    assert refused.refusal.params == {"guard": "union_notified"}
    kit["clock"].advance(days=8)
    assert fire(session, instance, "issue_notice", users["hr_admin"], kit,
                agreed_last_day="2026-03-10")
    assert instance.data["pay_in_lieu"] is True and instance.configuration[0] == "handover.leaver.pending"
    sign_everything(session, case, users)
    assert fire(session, instance, "sign_leaver", users["hr"], kit)
    assert fire(session, instance, "sign_receiver", users["receiver"], kit).joined
    assert instance.configuration == ["exit_interview"]
    assert not fire(session, instance, "settle", users["hr"], kit)  # the interview step comes first
    assert not fire(session, instance, "retain", users["hr"], kit)  # a dismissal has no "retained"
    assert not fire(session, instance, "interview_not_held", users["hr"], kit)  # says why
    assert fire(session, instance, "interview_not_held", users["hr"], kit, comment="refused to attend")
    assert instance.configuration == ["settlement"]
    assert fire(session, instance, "settle", users["hr"], kit)
    assert leaver.status == "left"


def _render_jobs(session, instance, template):
    from app.engine.models import OutboxJob

    return [j for j in session.scalars(select(OutboxJob).where(
        OutboxJob.kind == "render_pdf", OutboxJob.instance_id == instance.id))
        if (j.payload.get("params") or {}).get("template") == template]


def test_union_notice_is_drawn_up_when_the_union_step_starts(session, people, kit):
    leaver, boss, receiver, users = people
    case, instance = open_case(session, "dismissal", leaver, boss, receiver, kit)
    assert fire(session, instance, "file_without_fault", users["hr"], kit,
                ground="40(3)", notice_mode="pay_in_lieu")
    assert instance.configuration == ["union_notification"]
    (job,) = _render_jobs(session, instance, "union_notice")  # to be sent to the union (Art 43)
    assert job.payload["subject"] == f"case:{case.id}"
    assert fire(session, instance, "record_union_reply", users["hr"], kit,
                union_notified_on="2026-03-02", comment="no objection")
    assert len(_render_jobs(session, instance, "union_notice")) == 1  # the reply adds no second one


@pytest.mark.parametrize("terms, owed", [("equal_or_better", False), ("lower", True)])
def test_contract_expiry_severance_depends_on_who_declined(session, people, kit, terms, owed):
    leaver, boss, receiver, users = people
    case, instance = open_case(session, "contract_expiry", leaver, boss, receiver, kit,
                               agreed_last_day=date(2026, 6, 30))
    assert fire(session, instance, "offer_renewal", users["hr"], kit, offer_terms=terms)
    assert fire(session, instance, "decline_renewal", users["employee"], kit)
    assert instance.data["declined_by"] == "employee" and instance.data["severance_owed"] is owed


def test_contract_expiry_employer_does_not_renew(session, people, kit):
    leaver, boss, receiver, users = people
    case, instance = open_case(session, "contract_expiry", leaver, boss, receiver, kit,
                               agreed_last_day=date(2026, 6, 30))
    assert fire(session, instance, "not_renew", users["hr"], kit, comment="restructuring")
    assert instance.data["severance_owed"] is True
    sign_everything(session, case, users)
    assert fire(session, instance, "sign_leaver", users["employee"], kit)
    assert fire(session, instance, "sign_receiver", users["supervisor"], kit).joined
    assert fire(session, instance, "complete_interview", users["hr"], kit)
    assert _render_jobs(session, instance, "exit_interview_record")
    assert fire(session, instance, "settle", users["hr"], kit)
    assert leaver.status == "left"


def test_mutual_agreement_both_sides_sign(session, people, kit):
    leaver, boss, receiver, users = people
    case, instance = open_case(session, "mutual_agreement", leaver, boss, receiver, kit)
    assert fire(session, instance, "propose", users["hr"], kit, agreed_last_day="2026-04-30")
    assert instance.data["proposed_by"] == "employer"
    assert fire(session, instance, "sign_company", users["hr_admin"], kit)
    assert fire(session, instance, "sign_employee", users["employee"], kit).joined == "agreement"
    sign_everything(session, case, users)
    assert fire(session, instance, "sign_leaver", users["employee"], kit)
    assert fire(session, instance, "sign_receiver", users["receiver"], kit)
    assert not fire(session, instance, "retain", users["hr"], kit)  # the agreement is signed
    assert fire(session, instance, "complete_interview", users["hr"], kit)
    assert instance.configuration == ["closing"]
    assert fire(session, instance, "close", users["hr"], kit)
    assert instance.configuration == ["archived"]


def test_mutual_agreement_declined_leaves_the_parallel_state(session, people, kit):
    leaver, boss, receiver, users = people
    case, instance = open_case(session, "mutual_agreement", leaver, boss, receiver, kit)
    assert fire(session, instance, "propose", users["employee"], kit, agreed_last_day="2026-04-30")
    assert fire(session, instance, "decline", users["hr_admin"], kit, comment="no")
    assert instance.configuration == ["declined"]


def test_retirement_end_to_end(session, people, kit):
    leaver, boss, receiver, users = people
    case, instance = open_case(session, "retirement", leaver, boss, receiver, kit,
                               agreed_last_day=date(2026, 5, 31))
    assert fire(session, instance, "confirm_pension", users["hr"], kit,
                agreed_last_day="2026-05-31", pension_reference="SB-1")
    sign_everything(session, case, users)
    assert fire(session, instance, "sign_leaver", users["employee"], kit)
    assert fire(session, instance, "sign_receiver", users["receiver"], kit)
    assert fire(session, instance, "complete_interview", users["hr"], kit)
    assert leaver.status == "left"


def test_available_events_for_real_users(session, people, kit):
    leaver, boss, receiver, users = people
    case, instance = open_case(session, "voluntary_resignation", leaver, boss, receiver, kit,
                               requested_last_day=date(2026, 4, 10))
    events = rt.available_events(session, instance.id, _actor(users["employee"]), **kit)
    assert [e.event for e in events] == ["submit", "withdraw"]
    assert rt.available_events(session, instance.id, _actor(users["receiver"]), **kit) == []


# ---------------------------------------------------------------- CLI and pages


def test_cli_lint_reports_problems_and_exit_status(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["workflows", "lint"])
    assert result.exit_code == 0, result.output
    bad = str(WORKFLOWS.parent / "tests" / "fixtures" / "workflows" / "unreachable.yaml")
    result = runner.invoke(args=["workflows", "lint", bad])
    assert result.exit_code == 1 and "island: cannot be reached" in result.output


def test_cli_diagram_prints_mermaid(app):
    result = app.test_cli_runner().invoke(args=["workflows", "diagram", "dismissal"])
    assert result.exit_code == 0 and result.output.startswith("stateDiagram-v2")


def test_cli_audit_verify(app, session):
    from app.engine.audit import append_audit

    append_audit(session, event="test", at=utc(2026, 3, 2), subject="x:1")
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output


def test_admin_page_lists_versions_with_svg(client, session, make_user, login, post_form, kit):
    deployed, _ = rt.deploy(session, WORKFLOWS / "voluntary_resignation.yaml", registry=registry)
    version = deployed.version
    make_user(username="wfadmin", roles=("hr_admin",))
    make_user(username="plain")
    login("plain")
    assert client.get("/admin/workflows/").status_code == 403
    post_form("/logout", {}, page="/")
    login("wfadmin")
    page = client.get("/admin/workflows/").get_data(as_text=True)
    assert "voluntary_resignation" in page and f"v{version}" in page
    svg = client.get(f"/admin/workflows/voluntary_resignation/{version}/diagram.svg")
    assert svg.status_code == 200 and b"<svg" in svg.data
    show = client.get(f"/admin/workflows/voluntary_resignation/{version}").get_data(as_text=True)
    assert "stateDiagram-v2" in show
