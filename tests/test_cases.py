"""Separation cases through the web: filing, preview, approvals, refusals, access, queues."""
from __future__ import annotations

import re
from datetime import UTC, date, timedelta
from io import BytesIO

import pytest
from sqlalchemy import select

from app.modules.cases.models import Case, CaseAttachment
from tests.conftest import csrf_from
from tests.samples import PNG

pytestmark = pytest.mark.usefixtures("shipped_workflows")


def sign_out(client):
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})


@pytest.fixture(autouse=True)
def filing_day(monkeypatch):
    """The employee files on 1 September 2025, a year whose holiday calendar is published."""
    from app.modules.cases import operations

    monkeypatch.setattr(operations, "today", lambda: date(2025, 9, 1))


def file_resignation(client, post_form, **overrides):
    data = {"reasons": ["pay_benefits", "workload"], "primary_reason": "pay_benefits",
            "statement": "感谢公司培养", "notice_date": "2025-09-01", "requested_last_day": "2025-10-09"}
    data.update(overrides)
    return post_form("/cases/new", data, content_type="multipart/form-data")


def submitted_for_review(client, login, post_form, session):
    """The leaver files and submits a resignation; the supervisor is signed in to review it."""
    login("leaver")
    file_resignation(client, post_form)
    case = only_case(session)
    fire(client, case, "submit")
    sign_out(client)
    login("boss")
    return case


def fire(client, case, event, **fields):
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    form = re.search(rf'<form[^>]*data-event="{event}".*?</form>', page, re.S)
    assert form, f"no form for {event} on the case page"
    version = re.search(r'name="[\w-]*version"[^>]*value="(\d+)"', form.group(0)).group(1)
    data = {f"{event}-version": version, f"{event}-csrf_token": csrf_from(form.group(0))}
    data.update({f"{event}-{k}": v for k, v in fields.items()})
    return client.post(f"/cases/{case.id}/events/{event}", data=data)


def only_case(session) -> Case:
    return session.scalars(select(Case)).one()


def test_new_form_prefills_the_statutory_last_day(client, login, people, monkeypatch):
    import app.modules.cases.views as views

    class Today(date):
        @classmethod
        def today(cls):
            return date(2025, 9, 1)

    monkeypatch.setattr(views, "date", Today)
    login("leaver")
    page = client.get("/cases/new").get_data(as_text=True)
    # Civil Code Art 201/203: 2025-09-01 + 30 days = 2025-10-01 (National Day) -> 2025-10-09
    assert 'value="2025-10-09"' in page


def test_recalculate_moves_the_last_day_with_the_notice_date(client, login, people, post_form):
    login("leaver")
    response = post_form("/cases/new", {"notice_date": "2025-09-01", "requested_last_day": "2025-09-05",
                                        "recalculate": "1"})
    assert 'value="2025-10-09"' in response.get_data(as_text=True)


def test_resignation_end_to_end_through_approvals(client, login, people, post_form, session):
    login("leaver")
    response = file_resignation(client, post_form)
    assert response.status_code == 302
    case = only_case(session)
    assert case.workflow_id == "voluntary_resignation" and case.department_name == "催收一部"
    assert case.manager_id == people.boss.id  # frozen at filing
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "感谢公司培养" in page and "草稿" in page  # the preview, in Chinese
    assert fire(client, case, "submit").status_code == 302
    assert case.instance.configuration == ["supervisor_review"]
    sign_out(client)

    login("boss")
    assert fire(client, case, "approve", agreed_last_day="2025-10-09").status_code == 302
    assert case.agreed_last_day == date(2025, 10, 9)
    sign_out(client)

    login("hr")
    assert fire(client, case, "approve").status_code == 302
    assert case.instance.configuration[0].startswith("handover.")
    timeline = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert timeline.count("批准") >= 2 and "提交辞职申请" in timeline


def test_probation_employee_gets_the_three_day_path(client, login, people, post_form, session):
    people.leaver.probation_end = date(2025, 12, 31)
    login("leaver")
    file_resignation(client, post_form, notice_date="2025-09-01", requested_last_day="2025-09-04")
    case = only_case(session)
    assert case.workflow_id == "probation_resignation"
    assert fire(client, case, "submit").status_code == 302  # 3 days' notice suffices (Art 37)


def test_last_day_before_the_notice_period_ends_is_refused_on_the_form(client, login, people, post_form, session):
    login("leaver")
    response = file_resignation(client, post_form, requested_last_day="2025-09-20")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "第三十七条" in text
    assert "2025-10-09" in text  # the earliest day, as the submit guard would say
    assert 'value="2025-09-20"' in text and "感谢公司培养" in text  # what was typed stays
    assert session.scalars(select(Case)).first() is None


def test_submit_guard_refuses_a_too_early_last_day_entered_elsewhere(client, login, people, post_form, session):
    login("hr")  # HR files on the employee's behalf; that form does not apply Art 37
    response = post_form("/cases/open", {"employee_no": "L001", "workflow_id": "voluntary_resignation",
                                         "notice_date": "2025-09-01", "requested_last_day": "2025-09-20",
                                         "proposed_by": "employee"})
    assert response.status_code == 302
    sign_out(client)
    login("leaver")
    case = only_case(session)
    response = fire(client, case, "submit")
    assert response.status_code == 400
    assert "2025-10-09" in response.get_data(as_text=True)  # the guard says the earliest day
    assert case.instance.configuration == ["draft"]


def test_a_backdated_notice_is_refused_and_nothing_is_filed(client, login, people, post_form, session):
    """Art 37 counts from the day the notice is given: the employee cannot date it earlier."""
    login("leaver")
    response = file_resignation(client, post_form, notice_date="2025-07-01",
                                requested_last_day="2025-09-02")
    assert response.status_code == 200
    assert "通知日期不能早于 2025-09-01" in response.get_data(as_text=True)
    assert session.scalar(select(Case.id)) is None


def test_supervisor_sends_back_with_a_comment_and_missing_comment_is_explained(
        client, login, people, post_form, session):
    case = submitted_for_review(client, login, post_form, session)
    response = fire(client, case, "reject", comment="")
    assert response.status_code == 400 and "请填写意见" in response.get_data(as_text=True)
    assert case.instance.configuration == ["supervisor_review"]
    assert fire(client, case, "reject", comment="请补充交接计划").status_code == 302
    assert case.instance.configuration == ["draft"]


def test_supervisor_rejects_the_application_with_a_comment(client, login, people, post_form, session):
    """Rejecting ends this application (the employee is told and may file again)."""
    from app.engine.models import OutboxJob

    case = submitted_for_review(client, login, post_form, session)
    response = fire(client, case, "decline", comment="")
    assert response.status_code == 400 and "请填写意见" in response.get_data(as_text=True)
    assert fire(client, case, "decline", comment="重复提交").status_code == 302
    assert case.instance.configuration == ["rejected"] and not case.is_open
    assert "已驳回" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    told = session.scalars(select(OutboxJob).where(OutboxJob.kind == "notify",
                                                   OutboxJob.instance_id == case.instance_id)).all()
    assert told[-1].payload["event"] == "decline", told[-1].payload
    sign_out(client)
    login("leaver")
    assert client.get("/cases/new").status_code == 200  # free to file again


def test_employee_withdraws_until_approved(client, login, people, post_form, session):
    login("leaver")
    file_resignation(client, post_form)
    case = only_case(session)
    fire(client, case, "submit")
    case_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-event="approve"' not in case_page  # the employee never sees the supervisor's step
    assert fire(client, case, "withdraw").status_code == 302
    assert case.instance.configuration == ["withdrawn"]


def test_withdraw_a_draft(client, login, people, post_form, session):
    login("leaver")
    file_resignation(client, post_form)
    case = only_case(session)
    assert fire(client, case, "withdraw").status_code == 302
    assert case.instance.status == "finished"
    assert "已撤回" in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_another_supervisor_cannot_open_the_case_by_id(client, login, people, post_form, session):
    login("leaver")
    file_resignation(client, post_form)
    case = only_case(session)
    sign_out(client)
    login("otherboss")
    assert client.get(f"/cases/{case.id}").status_code == 404
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post(f"/cases/{case.id}/events/approve", data={"approve-csrf_token": token})
    assert response.status_code == 404


def test_wrong_role_cannot_fire_a_step(client, login, people, post_form, session):
    login("leaver")
    file_resignation(client, post_form)
    case = only_case(session)
    fire(client, case, "submit")
    token = csrf_from(client.get(f"/cases/{case.id}").get_data(as_text=True))
    response = client.post(f"/cases/{case.id}/events/approve",
                           data={"approve-csrf_token": token, "approve-agreed_last_day": "2025-10-09",
                                 "approve-version": str(case.version)})
    assert response.status_code == 403
    assert case.instance.configuration == ["supervisor_review"]


def test_stale_version_is_a_409_with_a_reload_link(client, login, people, post_form, session):
    login("leaver")
    file_resignation(client, post_form)
    case = only_case(session)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    form = re.search(r'<form[^>]*data-event="submit".*?</form>', page, re.S).group(0)
    stale = str(case.version)
    case.statement = "changed elsewhere"
    case.instance.updated_at = case.instance.updated_at  # noqa: PLW0127
    from app.modules.cases.operations import update_draft

    update_draft(case, statement="changed by HR")
    session.commit()
    response = client.post(f"/cases/{case.id}/events/submit",
                           data={"submit-version": stale, "submit-csrf_token": csrf_from(form)})
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert f"/cases/{case.id}" in text and "重新加载" in text
    assert case.instance.configuration == ["draft"]


def test_letter_upload_checked_by_content(client, login, people, post_form, session):
    login("leaver")
    lying = (BytesIO(b"MZ\x90\x00 this is an executable"), "letter.pdf")
    response = file_resignation(client, post_form, letter=lying)
    assert response.status_code == 200
    assert "只接受 PDF、PNG 或 JPEG" in response.get_data(as_text=True)
    assert session.scalars(select(Case)).first() is None  # nothing half-saved
    response = file_resignation(client, post_form, letter=(BytesIO(PNG), "letter.png"))
    assert response.status_code == 302
    attachment = session.scalars(select(CaseAttachment)).one()
    assert attachment.mime == "image/png"
    case = only_case(session)
    download = client.get(f"/cases/{case.id}/attachments/{attachment.id}")
    assert download.data == PNG and download.headers["Cache-Control"] == "no-store"


def test_primary_reason_must_be_among_the_reasons(client, login, people, post_form, session):
    login("leaver")
    response = file_resignation(client, post_form, reasons=["family"], primary_reason="pay_benefits")
    assert response.status_code == 200
    assert session.scalars(select(Case)).first() is None


def test_protected_employee_cannot_be_dismissed_without_fault(client, login, people, post_form, session):
    people.leaver.protections = ["pregnancy"]
    login("hr")
    response = post_form("/cases/open", {"employee_no": "L001", "workflow_id": "dismissal",
                                         "requested_last_day": "2026-12-31", "proposed_by": "employer"})
    assert response.status_code == 302
    case = only_case(session)
    response = fire(client, case, "file_without_fault", ground="incompetent", notice_mode="notice")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Art 42" in text or "第四十二条" in text
    assert case.instance.configuration == ["draft"]


def test_hr_opens_each_other_type(client, login, people, post_form, session):
    login("hr")
    for workflow_id, employee_no in (("mutual_agreement", "L001"), ("contract_expiry", "S001"),
                                     ("retirement", "O001")):
        response = post_form("/cases/open", {"employee_no": employee_no, "workflow_id": workflow_id,
                                             "requested_last_day": "2026-12-31", "proposed_by": "employer"})
        assert response.status_code == 302, workflow_id
    assert {c.workflow_id for c in session.scalars(select(Case))} == {
        "mutual_agreement", "contract_expiry", "retirement"}


def test_open_twice_for_the_same_employee_is_refused(client, login, people, post_form, session):
    login("hr")
    data = {"employee_no": "L001", "workflow_id": "mutual_agreement", "requested_last_day": "2026-12-31",
            "proposed_by": "employer"}
    post_form("/cases/open", data)
    response = post_form("/cases/open", data)
    assert response.status_code == 200 and "已有进行中的离职案件" in response.get_data(as_text=True)


def test_employee_cannot_open_cases_for_others(client, login, people, post_form):
    login("leaver")
    assert client.get("/cases/open").status_code == 403
    assert client.get("/cases/queue").status_code == 403


def test_queue_filters_and_pages(client, login, people, post_form, session, app):
    login("hr")
    for employee_no, workflow_id in (("L001", "mutual_agreement"), ("S001", "retirement")):
        post_form("/cases/open", {"employee_no": employee_no, "workflow_id": workflow_id,
                                  "requested_last_day": "2020-01-31", "proposed_by": "employer"})
    page = client.get("/cases/queue").get_data(as_text=True)
    assert "陈美丽" in page and "李接手" in page
    page = client.get("/cases/queue?type=retirement").get_data(as_text=True)
    assert "李接手" in page and "陈美丽" not in page
    page = client.get("/cases/queue?overdue=1").get_data(as_text=True)
    assert "李接手" in page  # last day in 2020, still open
    app.config["PAGE_SIZE"] = 1
    try:
        first = client.get("/cases/queue?sort=employee").get_data(as_text=True)
        second = client.get("/cases/queue?sort=employee&page=2").get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = 25
    assert ("陈美丽" in first) != ("陈美丽" in second)


def test_supervisor_team_view_and_employee_own_view(client, login, people, post_form, session):
    login("leaver")
    file_resignation(client, post_form)
    assert "SO-" in client.get("/cases/mine").get_data(as_text=True)
    sign_out(client)
    login("boss")
    assert "陈美丽" in client.get("/cases/team").get_data(as_text=True)
    sign_out(client)
    login("otherboss")
    assert "陈美丽" not in client.get("/cases/team").get_data(as_text=True)


def test_a_year_without_an_official_calendar_is_estimated_and_said(client, login, people, post_form, session):
    login("leaver")
    response = post_form("/cases/new", {"notice_date": "2026-12-20", "requested_last_day": "2026-12-21",
                                        "recalculate": "1"})
    text = response.get_data(as_text=True)
    assert "尚未公布" in text  # the 2027 notice is not published: the page says the date is estimated
    assert 'value="2027-01-19"' in text  # 2026-12-20 + 30 days, a Tuesday
    file_resignation(client, post_form, notice_date="2026-12-20", requested_last_day="2027-01-19")
    case = only_case(session)
    assert fire(client, case, "submit").status_code == 302  # the guard uses the same estimate


def _open(post_form, employee_no, workflow_id, **extra):
    data = {"employee_no": employee_no, "workflow_id": workflow_id, "requested_last_day": "2026-12-31",
            "proposed_by": "employer"}
    data.update(extra)
    return post_form("/cases/open", data)


def test_art39_needs_evidence_before_filing(client, login, people, post_form, session):
    login("hr")
    _open(post_form, "L001", "dismissal")
    case = only_case(session)
    response = fire(client, case, "file_with_cause", ground="serious_violation", comment="多次违规催收")
    assert response.status_code == 400 and "请先上传证据材料" in response.get_data(as_text=True)
    token = csrf_from(client.get(f"/cases/{case.id}").get_data(as_text=True))
    client.post(f"/cases/{case.id}/attachments", data={"csrf_token": token, "file": (BytesIO(PNG), "录音.png")},
                content_type="multipart/form-data")
    assert fire(client, case, "file_with_cause", ground="serious_violation", comment="多次违规催收").status_code == 302
    assert case.instance.configuration == ["union_notification"]


def test_probation_limits_no_fault_dismissal_art21(client, login, people, post_form, session):
    people.leaver.probation_end = date(2099, 1, 1)
    login("hr")
    _open(post_form, "L001", "dismissal")
    case = only_case(session)
    response = fire(client, case, "file_without_fault", ground="circumstances_changed", notice_mode="notice")
    assert response.status_code == 400 and "第二十一条" in response.get_data(as_text=True)
    assert fire(client, case, "file_without_fault", ground="incompetent", notice_mode="notice").status_code == 302


def test_supervisor_cannot_extend_the_notice(client, login, people, post_form, session):
    case = submitted_for_review(client, login, post_form, session)
    response = fire(client, case, "approve", agreed_last_day="2025-11-30")
    assert response.status_code == 400 and "2025-10-09" in response.get_data(as_text=True)
    assert fire(client, case, "approve", agreed_last_day="2025-09-30").status_code == 302  # shortened: allowed
    assert case.agreed_last_day == date(2025, 9, 30)


def test_a_step_that_vanished_since_the_page_was_drawn_is_a_409(client, login, people, post_form, session):
    case = submitted_for_review(client, login, post_form, session)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    form = re.search(r'<form[^>]*data-event="approve".*?</form>', page, re.S).group(0)
    seen = str(case.version)
    from app.modules.auth.permissions import actor_for
    from app.modules.cases.operations import fire_as_actor

    assert fire_as_actor(case, "withdraw", actor_for(people.leaver_user), None).ok  # meanwhile
    session.commit()
    response = client.post(f"/cases/{case.id}/events/approve", data={
        "approve-version": seen, "approve-csrf_token": csrf_from(form), "approve-agreed_last_day": "2025-10-09"})
    assert response.status_code == 409 and "重新加载" in response.get_data(as_text=True)
    assert case.instance.configuration == ["withdrawn"]


def test_timeline_and_home_speak_the_users_language(client, login, people, post_form, session):
    login("leaver")
    file_resignation(client, post_form)
    case = only_case(session)
    assert "创建案件" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "员工主动辞职" in home and "voluntary_resignation" not in home


def _state_options(page: str) -> list[tuple[str, str]]:
    select_html = re.search(r'<select[^>]*name="state".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select_html)[1:]  # skip "any"


def test_queue_state_filter_offers_each_title_once_and_finds_every_such_state(
        client, login, people, session):
    from app.modules.cases.operations import open_case

    closing = open_case(people.leaver, "mutual_agreement", people.hr_user, requested_last_day=date(2026, 12, 31))
    settling = open_case(people.successor, "contract_expiry", people.hr_user, requested_last_day=date(2026, 12, 31))
    drafted = open_case(people.other, "dismissal", people.hr_user, requested_last_day=date(2026, 12, 31))
    closing.instance.configuration = ["closing"]  # as after the handover's on_done
    settling.instance.configuration = ["settlement"]
    session.commit()
    login("hr")
    options = _state_options(client.get("/cases/queue").get_data(as_text=True))
    labels = [label for _code, label in options]
    assert len(labels) == len(set(labels)), labels  # no two options read the same
    code = dict((label, code) for code, label in options)["结算"]
    assert set(code.split(",")) == {"closing", "settlement"}
    page = client.get("/cases/queue", query_string={"state": code}).get_data(as_text=True)
    assert closing.reference in page and settling.reference in page and drafted.reference not in page
    assert re.search(rf'<option value="{code}"[^>]*selected', page)  # the choice stays selected
    page = client.get("/cases/queue?state=draft").get_data(as_text=True)
    assert drafted.reference in page and closing.reference not in page


def _submitted(people, employee, user):
    from app.modules.cases.operations import fire_case_event, open_case

    today = date.today()
    case = open_case(employee, "voluntary_resignation", user, notice_date=today,
                     requested_last_day=today + timedelta(days=60))
    assert fire_case_event(case, "submit", user, case.version).ok
    return case


def _fire_timer(session, case, timer_id):
    from app.engine import runtime
    from app.engine.clock import FixedClock
    from app.engine.models import WorkflowTimer
    from app.modules.workflows.hooks import app_calendar

    timer = session.scalars(select(WorkflowTimer).where(
        WorkflowTimer.instance_id == case.instance_id, WorkflowTimer.timer_id == timer_id,
        WorkflowTimer.status == "armed").order_by(WorkflowTimer.id.desc())).first()
    due = timer.due_at if timer.due_at.tzinfo else timer.due_at.replace(tzinfo=UTC)  # SQLite drops the zone
    assert runtime.fire_timer(session, timer.id, clock=FixedClock(due + timedelta(minutes=1)),
                              calendar=app_calendar()).ok


def test_overdue_filter_includes_a_step_waiting_past_its_escalation(
        client, login, people, session, make_user):
    from app.modules.cases.operations import fire_case_event

    reminded = _submitted(people, people.leaver, people.leaver_user)
    escalated = _submitted(people, people.successor, people.successor_user)
    waiting = _submitted(people, people.other, make_user("other", employee=people.other))
    _fire_timer(session, reminded, "remind")     # repeating: still armed, fired once
    _fire_timer(session, escalated, "escalate")  # one-shot: done
    session.commit()
    login("hr")
    page = client.get("/cases/queue?overdue=1").get_data(as_text=True)
    assert escalated.reference in page
    assert reminded.reference not in page  # a reminder alone is routine, not a stall
    assert waiting.reference not in page  # its last day is ahead and nobody was chased yet

    # Leaving the step ends the stall, even though the escalation timer stays "done".
    # The escalation handed the supervisor's step to HR, who sends it back.
    assert fire_case_event(escalated, "reject", people.hr_user, escalated.version, {"comment": "补充"}).ok
    session.commit()
    page = client.get("/cases/queue?overdue=1").get_data(as_text=True)
    assert escalated.reference not in page
    # Back in review, the step starts with fresh timers: the old escalation does not count.
    assert fire_case_event(escalated, "submit", people.successor_user, escalated.version).ok
    session.commit()
    page = client.get("/cases/queue?overdue=1").get_data(as_text=True)
    assert escalated.reference not in page


def test_chinese_timeline_names_every_event_and_role(client, login, people, post_form, session):
    from app.engine.models import AuditEvent

    login("leaver")
    file_resignation(client, post_form)
    case = only_case(session)
    fire(client, case, "submit")
    _fire_timer(session, case, "remind")
    session.commit()
    sign_out(client)
    login("boss")
    fire(client, case, "approve", agreed_last_day="2025-10-09")
    sign_out(client)
    login("hr")
    fire(client, case, "approve")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    timeline = re.search(r'data-test="timeline".*?</ol>', page, re.S).group(0)
    kinds = set(session.scalars(select(AuditEvent.event).where(AuditEvent.subject == case.subject)))
    assert {"start", "submit", "timer:remind", "approve"} <= kinds
    for kind in kinds:
        assert kind not in timeline, kind
    for raw in ("(employee)", "(supervisor)", "(hr)", "(system)", "system"):
        assert raw not in timeline, raw
    assert "(上级)" in timeline and "(人力资源)" in timeline and "(员工)" in timeline
    assert "已发送提醒" in timeline and "系统" in timeline


def test_every_kind_the_modules_record_on_a_case_has_a_title(client, login, people, session):
    """Scans the code for the audit kinds written on cases, so a new one without a title fails here."""
    from pathlib import Path

    from app.engine import SYSTEM
    from app.engine.audit import append_audit
    from app.modules.cases.operations import open_case

    pattern = re.compile(r'(?:record_event\(|_audit\([^)"]*|event=)\s*"((?:case|document|handover|settlement|'
                         r'interview)\.[a-z_]+)"')
    app_dir = Path(__file__).resolve().parent.parent / "app"
    kinds = {k for path in app_dir.rglob("*.py") for k in pattern.findall(path.read_text(encoding="utf-8"))}
    assert {"document.generated", "handover.created", "case.draft_changed"} <= kinds
    case = open_case(people.leaver, "voluntary_resignation", people.hr_user, requested_last_day=date(2026, 12, 31))
    for kind in sorted(kinds):
        append_audit(session, event=kind, at=case.created_at, actor=SYSTEM, subject=case.subject,
                     payload={"kind": "resignation_application"} if kind == "document.generated" else {})
    session.commit()
    login("hr")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    timeline = re.search(r'data-test="timeline".*?</ol>', page, re.S).group(0)
    for kind in kinds:
        assert kind not in timeline, kind
    assert re.search(r"已生成文件</strong>: 辞职申请书", timeline)  # which document, too
    people.hr_user.locale = "en"
    session.commit()
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Document generated" in page and "Handover checklist created" in page
