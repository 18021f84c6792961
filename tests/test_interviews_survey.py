"""The anonymous exit survey: no identity stored, month only, one use per link, k >= 5."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import inspect, select

from app.modules.interviews import survey
from app.modules.interviews.models import SurveyResponse

pytest_plugins = ["tests.interviews_fixtures"]
SCORES = {"pay_benefits": 2, "environment": 4, "development": 3, "management": 2, "culture": 4}


def _invite(session, people, make_employee, n):
    from app.modules.cases.models import Case

    tokens = []
    for i in range(n):
        employee = make_employee(department=people.dept, employee_no=f"SV{i:03d}")
        case = Case(reference=f"SV-{i}", employee_id=employee.id, workflow_id="voluntary_resignation")
        session.add(case)
        session.flush()
        tokens.append(survey.invite_to_survey(case))
    return tokens


def test_responses_carry_no_identity_and_only_the_month(session, people, make_employee):
    (token,) = _invite(session, people, make_employee, 1)
    response = survey.submit_survey(token, SCORES, 3, today=date(2026, 3, 17))
    session.flush()
    columns = {c.key for c in inspect(SurveyResponse).columns}
    assert columns == {"id", "month", "department_code", "separation_type", "scores", "overall"}
    assert response.month == "2026-03"
    with pytest.raises(survey.SurveyError):
        survey.submit_survey(token, SCORES, 3)  # the link works once


def test_groups_under_five_responses_are_not_shown(session, people, make_employee):
    tokens = _invite(session, people, make_employee, 5)
    for token in tokens[:4]:
        survey.submit_survey(token, SCORES, 3, today=date(2026, 3, 5))
    session.flush()
    (row,) = survey.survey_report("all")
    assert row["suppressed"] and row["count"] is None and "averages" not in row
    assert survey.satisfaction_between(2026 * 12 + 2, 2026 * 12 + 2) is None
    survey.submit_survey(tokens[4], {**SCORES, "culture": 5}, 5, today=date(2026, 3, 20))
    session.flush()
    (row,) = survey.survey_report("all")
    assert row["count"] == 5 and row["averages"]["culture"] == 4.2 and row["averages"]["management"] == 2
    assert survey.satisfaction_between(2026 * 12 + 2, 2026 * 12 + 2) == 3.4


def test_report_page_hides_small_groups(session, client, login, people, make_employee):
    tokens = _invite(session, people, make_employee, 6)
    for i, token in enumerate(tokens):
        survey.submit_survey(token, SCORES, 4, today=date(2026, 1 if i < 5 else 2, 3))
    session.flush()
    login("hr")
    html = client.get("/interviews/survey?by=month").get_data(as_text=True)
    assert 'data-group="2026-01"' in html and 'data-group="2026-02"' in html
    # February (one answer), and January with it: "all" minus January would give February away
    assert html.count("data-suppressed") == 2
    assert 'data-suppressed="few"' in html and 'data-suppressed="pooled"' in html


def test_survey_page_without_sign_in(session, client, people, make_employee):
    from tests.conftest import csrf_from

    (token,) = _invite(session, people, make_employee, 1)
    page = client.get(f"/survey/{token}")
    assert page.status_code == 200
    data = {f"d_{k}": str(v) for k, v in SCORES.items()}
    bad = client.post(f"/survey/{token}", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert bad.status_code == 400
    ok = client.post(f"/survey/{token}", data={**data, "overall": "4",
                                               "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert ok.status_code == 200
    assert session.scalar(select(SurveyResponse.overall)) == 4
    assert client.get(f"/survey/{token}").status_code == 404
    assert client.get("/survey/not-a-token").status_code == 404


# ---------------------------------------------------------------- the link when notice starts

START = date(2026, 3, 2)


@dataclass(frozen=True)
class Route:
    """A way through a workflow: steps before the notice starts, the step that starts it,
    the steps after it (event, who, payload)."""

    workflow: str
    before: tuple = ()
    start: tuple | None = None
    after: tuple = ()
    last_day: date = date(2026, 4, 15)
    evidence: bool = False
    name: str = ""


UNION = ("record_union_reply", "hr", {"union_notified_on": "2026-03-02", "comment": "已通知工会"})
ART40 = {"ground": "circumstances_changed"}
NOTICE_STARTS = [
    Route("voluntary_resignation", before=(("submit", "leaver", {}),),
          start=("approve", "boss", {"agreed_last_day": "2026-04-15"}),
          after=(("approve", "hr", {}),)),
    Route("probation_resignation", last_day=date(2026, 3, 5), before=(("submit", "leaver", {}),),
          start=("acknowledge", "boss", {"agreed_last_day": "2026-03-05"})),
    Route("retirement", start=("confirm_pension", "hr", {"agreed_last_day": "2026-04-15",
                                                         "pension_reference": "YL-2026-001"})),
    Route("mutual_agreement", before=(("propose", "hr", {"agreed_last_day": "2026-04-15"}),
                                      ("sign_employee", "leaver", {})),
          start=("sign_company", "hr_admin", {})),
    Route("dismissal", name="dismissal-notice",
          before=(("file_without_fault", "hr", {**ART40, "notice_mode": "notice"}), UNION),
          start=("issue_notice", "hr_admin", {"agreed_last_day": "2026-04-15"}),
          after=(("start_handover", "hr", {}),)),
    Route("dismissal", name="dismissal-pay_in_lieu",
          before=(("file_without_fault", "hr", {**ART40, "notice_mode": "pay_in_lieu"}), UNION),
          start=("issue_notice", "hr_admin", {"agreed_last_day": "2026-03-03"})),
    Route("dismissal", name="dismissal-art39", evidence=True,
          before=(("file_with_cause", "hr", {"ground": "serious_violation",
                                             "comment": "严重违纪"}), UNION),
          start=("issue_notice", "hr_admin", {"agreed_last_day": "2026-03-03"})),
    Route("contract_expiry", name="contract_expiry-employer",
          start=("not_renew", "hr", {"comment": "岗位撤销"})),
    Route("contract_expiry", name="contract_expiry-employee",
          before=(("offer_renewal", "hr", {"offer_terms": "equal_or_better"}),),
          start=("decline_renewal", "leaver", {})),
]
NO_NOTICE = [
    Route("voluntary_resignation", before=(("submit", "leaver", {}), ("withdraw", "leaver", {}))),
    Route("probation_resignation", last_day=date(2026, 3, 5),
          before=(("submit", "leaver", {}), ("withdraw", "leaver", {}))),
    Route("retirement", before=(("cancel", "hr_admin", {"comment": "推迟退休"}),)),
    Route("mutual_agreement", before=(("propose", "hr", {"agreed_last_day": "2026-04-15"}),
                                      ("decline", "leaver", {"comment": "不同意"}))),
    Route("dismissal", before=(("file_without_fault", "hr", {**ART40, "notice_mode": "notice"}),
                               ("withdraw", "hr", {}))),
    Route("contract_expiry", before=(("offer_renewal", "hr", {"offer_terms": "lower"}),
                                     ("accept_renewal", "leaver", {}))),
]


def _label(route: Route) -> str:
    return route.name or route.workflow


@pytest.fixture
def walk(session, shipped_workflows, people):
    """Open a case for 陈美丽 on `route.workflow` and fire events on it as the named people."""
    from app.engine import SYSTEM
    from app.engine import runtime as rt
    from app.engine.clock import FixedClock, WeekdayCalendar
    from app.engine.registry import registry
    from app.modules.auth.permissions import actor_for
    from app.modules.cases.models import Case, CaseAttachment

    kit = {"clock": FixedClock(datetime(2026, 3, 2, 2, tzinfo=UTC)),
           "calendar": WeekdayCalendar(), "registry": registry}
    users = {"leaver": people.leaver_user, "boss": people.boss_user, "hr": people.hr_user,
             "hr_admin": people.hr_admin_user}

    def open_case(route: Route) -> Case:
        if route.workflow == "probation_resignation":
            people.leaver.probation_end = date(2026, 6, 30)
        case = Case(reference=f"SV-{route.workflow}", employee_id=people.leaver.id,
                    workflow_id=route.workflow, manager_id=people.boss.id,
                    handover_receiver_id=people.successor.id, notice_date=START,
                    requested_last_day=route.last_day)
        session.add(case)
        session.flush()
        if route.evidence:
            session.add(CaseAttachment(case_id=case.id, kind="evidence", filename="warning.pdf",
                                       mime="application/pdf", size=10, sha256="0" * 64))
        instance = rt.start_instance(session, route.workflow, SYSTEM, subject=f"case:{case.id}",
                                     **kit)
        case.instance_id = instance.id
        session.flush()
        return case

    def fire(case: Case, steps) -> None:
        for event, who, payload in steps:
            instance = case.instance
            result = rt.fire(session, instance.id, event, actor_for(users[who]), instance.version,
                             payload, **kit)
            assert result.ok, (event, result.refusal)
        session.flush()

    return SimpleNamespace(open_case=open_case, fire=fire)


def _survey_jobs(session, case) -> list:
    from app.engine.models import OutboxJob

    return list(session.scalars(select(OutboxJob).where(
        OutboxJob.kind == "invite_exit_survey", OutboxJob.instance_id == case.instance_id)))


def _run(job) -> None:
    from app.engine.registry import registry

    registry.get("outbox", "invite_exit_survey").fn({**job.payload, "job_id": job.id})


def _invitations_received(session) -> list:
    from app.modules.notifications.models import Notification

    return list(session.scalars(select(Notification).where(
        Notification.template == "survey_invitation")))


@pytest.mark.parametrize("route", NOTICE_STARTS, ids=_label)
def test_the_leaver_is_invited_once_when_the_notice_starts(session, walk, people, route):
    from app.modules.interviews.models import SurveyInvitation

    case = walk.open_case(route)
    walk.fire(case, route.before)
    assert _survey_jobs(session, case) == []  # not while the departure is still open
    walk.fire(case, [route.start])
    walk.fire(case, route.after)
    (job,) = _survey_jobs(session, case)
    _run(job)
    _run(job)  # a retried job sends nothing twice

    (message,) = _invitations_received(session)
    assert message.user_id == people.leaver_user.id and message.case_id is None
    assert message.link.startswith("/survey/")
    assert survey.invitation_for(message.link.rsplit("/", 1)[1]) is not None
    invitation = session.scalars(select(SurveyInvitation).where(
        SurveyInvitation.case_id == case.id)).one()
    assert invitation.separation_type == route.workflow


@pytest.mark.parametrize("route", NO_NOTICE, ids=_label)
def test_no_invitation_when_the_employee_stays(session, walk, route):
    case = walk.open_case(route)
    walk.fire(case, route.before)
    assert case.instance.status == "finished"
    assert _survey_jobs(session, case) == [] and _invitations_received(session) == []


@pytest.mark.parametrize("route", NOTICE_STARTS, ids=_label)
def test_the_account_shutdown_is_queued_for_the_last_day_when_the_notice_starts(
        session, walk, route):
    """Issue 7: on the last working day the leaver's account goes alumni-only, whatever the type."""
    from app.engine.models import OutboxJob
    from app.modules.alumni.operations import SHUTDOWN_JOB, shutdown_due_at

    case = walk.open_case(route)
    walk.fire(case, route.before)
    walk.fire(case, [route.start])
    walk.fire(case, route.after)
    (job,) = session.scalars(select(OutboxJob).where(
        OutboxJob.kind == SHUTDOWN_JOB, OutboxJob.instance_id == case.instance_id)).all()
    assert case.last_day is not None
    assert job.payload == {"case_id": case.id}
    assert job.available_at.replace(tzinfo=UTC) == shutdown_due_at(case)


def test_a_link_answered_twice_at_once_keeps_one_answer(session, client, people, make_employee,
                                                        monkeypatch):
    """Two tabs pass the "not used yet" check together: the second answer is refused, not a 500."""
    from app.modules.interviews import views
    from tests.conftest import csrf_from

    (token,) = _invite(session, people, make_employee, 1)
    page = client.get(f"/survey/{token}").get_data(as_text=True)
    data = {**{f"d_{k}": str(v) for k, v in SCORES.items()}, "overall": "4",
            "csrf_token": csrf_from(page)}
    unused = survey.invitation_for(token)
    assert client.post(f"/survey/{token}", data=data).status_code == 200
    monkeypatch.setattr(views.survey, "invitation_for", lambda t: unused)  # the race's view
    assert client.post(f"/survey/{token}", data={**data, "overall": "1"}).status_code == 404
    monkeypatch.undo()
    assert session.scalars(select(SurveyResponse.overall)).all() == [4]
