"""Notifications: inbox rows and real SMTP delivery, per-recipient language, idempotent jobs."""
from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from app.engine import runtime as rt
from app.engine.clock import FixedClock
from app.engine.models import OutboxJob, WorkflowInstance
from app.engine.outbox import PENDING_KEY, run_job
from app.engine.registry import registry
from app.law.calendar import ChinaCalendar
from app.modules.auth.permissions import actor_for
from app.modules.cases.models import Case
from app.modules.notifications import operations as ops
from app.modules.notifications.mail import Attachment, MailError, send_mail
from app.modules.notifications.models import Notification
from tests.conftest import csrf_from
from tests.mail_fixtures import free_port

pytest_plugins = ["tests.mail_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / "workflows"
WORKFLOW = WORKFLOWS / "voluntary_resignation.yaml"
EMAILS = ROOT / "templates" / "emails"
ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Sendoff//EN\r\nMETHOD:REQUEST\r\n"
       "BEGIN:VEVENT\r\nUID:interview-1@sendoff\r\nDTSTART:20260320T020000Z\r\n"
       "SUMMARY:离职面谈\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


# ---------------------------------------------------------------- people and a case


@pytest.fixture
def people(session, make_department, make_employee, make_user):
    """A leaver (zh_CN), their supervisor (en), a receiver, HR, an HR admin, a disabled HR."""
    dept = make_department()
    boss = make_employee(name="Mary Smith", department=dept, email="boss@example.com")
    leaver = make_employee(name="张三", department=dept, manager_id=boss.id,
                           email="leaver@example.com")
    receiver = make_employee(name="李四", department=dept, manager_id=boss.id,
                             email="receiver@example.com")
    hr_emp = make_employee(name="王芳", department=dept, email="hr@example.com")
    admin_emp = make_employee(name="HR Admin", department=dept, email="hradmin@example.com")
    gone_emp = make_employee(name="赵六", department=dept, email="gone@example.com")
    users = {
        "leaver": make_user("n_leaver", employee=leaver, locale="zh_CN"),
        "boss": make_user("n_boss", employee=boss, locale="en"),
        "receiver": make_user("n_receiver", employee=receiver),
        "hr": make_user("n_hr", roles=("hr",), employee=hr_emp, locale="zh_CN"),
        "hr_admin": make_user("n_hradmin", roles=("hr_admin",), employee=admin_emp,
                              locale="en"),
        "gone": make_user("n_gone", roles=("hr",), employee=gone_emp),
        "bare": make_user("n_bare", roles=("it",)),  # no employee record: no address
    }
    users["gone"].is_active = False
    session.flush()
    return users


@pytest.fixture
def clock():
    return FixedClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # Monday 10:00 CST


@pytest.fixture
def calendar():
    return ChinaCalendar(strict=False)


@pytest.fixture
def case(session, people, clock, calendar):
    """A voluntary resignation, started and submitted by the leaver (notify supervisor)."""
    rt.deploy(session, WORKFLOW)
    leaver = people["leaver"]
    case = Case(reference="RS-2026-0042", employee_id=leaver.employee_id,
                workflow_id="voluntary_resignation", manager_id=people["boss"].employee_id,
                handover_receiver_id=people["receiver"].employee_id,
                notice_date=date(2026, 3, 2), requested_last_day=date(2026, 4, 30))
    session.add(case)
    session.flush()
    instance = rt.start_instance(session, "voluntary_resignation", actor_for(leaver),
                                 clock=clock, calendar=calendar, subject=f"case:{case.id}")
    case.instance_id = instance.id
    result = rt.fire(session, instance.id, "submit", actor_for(leaver), instance.version,
                     clock=clock, calendar=calendar)
    assert result.ok, result.refusal
    session.info.pop(PENDING_KEY, None)  # the test runs the jobs itself
    return case


def notify_jobs(session, case) -> list[OutboxJob]:
    return list(session.scalars(select(OutboxJob).where(
        OutboxJob.kind == "notify", OutboxJob.instance_id == case.instance_id)
        .order_by(OutboxJob.id)))


def job_runner(session, clock):
    """Run an outbox job the way the worker does, on the test's connection."""
    factory = sessionmaker(bind=session.connection(), join_transaction_mode="create_savepoint",
                           expire_on_commit=False)

    def run(job_id: int) -> str:
        outcome = run_job(job_id, session_factory=factory, clock=clock)
        session.expire_all()
        return outcome

    return run


def inbox_of(session, user) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id)))


def handler_payload(job: OutboxJob) -> dict:
    return {**job.payload, "job_id": job.id}


# ---------------------------------------------------------------- engine -> inbox and mail


def test_submit_tells_the_supervisor_in_english_by_inbox_and_mail(session, smtp, people, case,
                                                                    clock):
    (job,) = notify_jobs(session, case)
    assert job.payload["subject"] == f"case:{case.id}"
    assert job.payload["event"] == "submit" and job.payload["params"] == {"to": ["supervisor"]}

    assert job_runner(session, clock)(job.id) == "done"

    (row,) = inbox_of(session, people["boss"])
    assert row.title == "张三 has submitted a resignation"
    assert row.case_id == case.id and row.link == f"/cases/{case.id}" and row.unread
    assert row.emailed_at is not None
    assert inbox_of(session, people["leaver"]) == []
    (message,) = smtp.to("boss@example.com")
    assert len(smtp.messages) == 1
    assert message["Subject"] == "张三 has submitted a resignation"
    assert message["To"].addresses[0].display_name == "Mary Smith"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hello Mary Smith," in text and "RS-2026-0042" in text and "Supervisor review" in text
    assert f"https://sendoff.example/cases/{case.id}" in text
    assert f'href="https://sendoff.example/cases/{case.id}"' in html


def test_reminder_after_two_business_days_reaches_a_chinese_supervisor_in_chinese(
        session, smtp, people, case, clock, calendar):
    people["boss"].locale = "zh_CN"
    session.flush()
    factory = sessionmaker(bind=session.connection(), join_transaction_mode="create_savepoint")
    clock.advance(days=1)
    assert rt.tick(factory, clock=clock, calendar=calendar).fired == 0  # not yet due
    clock.advance(days=2)  # Thursday: two working days after Monday's submission
    assert rt.tick(factory, clock=clock, calendar=calendar).fired == 1
    session.expire_all()
    reminder = notify_jobs(session, case)[-1]
    assert reminder.payload["params"]["template"] == "review_reminder"

    assert job_runner(session, clock)(reminder.id) == "done"

    (message,) = smtp.to("boss@example.com")
    assert message["Subject"] == "提醒：案件 RS-2026-0042 等待您审批"
    assert b"=?utf-8?" in smtp.messages[0][2].lower()  # the raw header is RFC 2047 encoded
    assert "张三 的辞职申请仍在等待您审批。" in message.get_body(("plain",)).get_content()
    assert "上级审批" in message.get_body(("html",)).get_content()
    (row,) = inbox_of(session, people["boss"])
    assert row.locale == "zh_CN" and row.title == "提醒：案件 RS-2026-0042 等待您审批"


def test_each_recipient_reads_their_own_language(session, smtp, people, case):
    users = [people["hr"], people["hr_admin"]]
    context = {"reference": case.reference, "employee": "张三"}

    ops.notify_users(users, "escalated", context, case=case)

    zh = smtp.to("hr@example.com")[0]
    en = smtp.to("hradmin@example.com")[0]
    assert zh["Subject"] == "已升级：案件 RS-2026-0042 审批超时"
    assert en["Subject"] == "Escalated: case RS-2026-0042 is overdue"
    assert "王芳，您好：" in zh.get_body(("plain",)).get_content()
    assert "Hello HR Admin," in en.get_body(("plain",)).get_content()


# ---------------------------------------------------------------- idempotence and failures


def test_running_the_same_job_twice_sends_one_mail_and_writes_one_row(session, smtp, people,
                                                                     case):
    (job,) = notify_jobs(session, case)
    handler = registry.get("outbox", "notify").fn

    handler(handler_payload(job))
    handler(handler_payload(job))  # the outbox re-runs a job whose worker died after sending

    assert len(inbox_of(session, people["boss"])) == 1
    assert len(smtp.messages) == 1
    assert smtp.messages[0][1]["Message-ID"] == f"<sendoff.job{job.id}.user{people['boss'].id}@example.com>"


def test_a_refused_recipient_is_retried_alone_and_nothing_is_lost(session, smtp, people, case,
                                                                 clock):
    from app.modules.notifications.hooks import deliver_notifications

    (job,) = notify_jobs(session, case)
    users = [people["hr"], people["hr_admin"]]
    context = {"reference": case.reference, "employee": "张三"}
    smtp.refuse = {"hradmin@example.com"}

    with pytest.raises(MailError):
        deliver_notifications(users, "escalated", context, case=case, job_id=job.id)

    rows = {r.user_id: r for r in session.scalars(select(Notification).where(
        Notification.job_id == job.id))}
    assert set(rows) == {people["hr"].id, people["hr_admin"].id}  # both inboxes are written
    assert rows[people["hr"].id].emailed_at is not None
    assert rows[people["hr_admin"].id].emailed_at is None
    assert "550" in rows[people["hr_admin"].id].email_error
    assert [r for r, _, _ in smtp.messages] == [["hr@example.com"]]

    smtp.refuse = set()
    deliver_notifications(users, "escalated", context, case=case, job_id=job.id)  # the retry

    assert [r for r, _, _ in smtp.messages] == [["hr@example.com"], ["hradmin@example.com"]]
    assert session.scalar(select(func.count()).select_from(Notification)
                          .where(Notification.job_id == job.id)) == 2
    assert rows[people["hr_admin"].id].email_attempts == 2


def test_outbox_retries_a_job_while_the_server_refuses(session, smtp, people, case, clock):
    (job,) = notify_jobs(session, case)
    run = job_runner(session, clock)
    smtp.refuse = {"*"}

    assert run(job.id) == "retry"
    assert session.get(OutboxJob, job.id).status == "pending"
    assert "MailError" in session.get(OutboxJob, job.id).last_error
    (row,) = inbox_of(session, people["boss"])
    assert row.emailed_at is None and row.unread  # the inbox already has it

    smtp.refuse = set()
    clock.advance(minutes=1)
    assert run(job.id) == "done"
    assert len(smtp.to("boss@example.com")) == 1
    assert len(inbox_of(session, people["boss"])) == 1


def test_a_reminder_for_a_step_already_done_is_dropped(session, smtp, people, case, clock,
                                                       calendar):
    factory = sessionmaker(bind=session.connection(), join_transaction_mode="create_savepoint")
    clock.advance(days=3)
    assert rt.tick(factory, clock=clock, calendar=calendar).fired == 1
    session.expire_all()
    reminder = notify_jobs(session, case)[-1]
    instance_version = session.get(WorkflowInstance, case.instance_id).version
    result = rt.fire(session, case.instance_id, "approve", actor_for(people["boss"]),
                     instance_version, {"agreed_last_day": "2026-04-30"}, clock=clock,
                     calendar=calendar)
    assert result.ok, result.refusal
    session.info.pop(PENDING_KEY, None)

    assert job_runner(session, clock)(reminder.id) == "done"

    assert smtp.messages == [] and inbox_of(session, people["boss"]) == []


def test_unreachable_server_raises_mail_error(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_ENABLED", True)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nobody listens there
    with pytest.raises(MailError, match="ConnectionRefused"):
        send_mail("a@example.com", "subject", "text")


def test_mail_switched_off_keeps_the_inbox_and_says_so_in_the_log(app, session, people, case,
                                                                  caplog, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_ENABLED", False)
    (job,) = notify_jobs(session, case)
    with caplog.at_level(logging.INFO, logger="app.modules.notifications"):
        registry.get("outbox", "notify").fn(handler_payload(job))
    (row,) = inbox_of(session, people["boss"])
    assert row.emailed_at is None and row.email_to == "boss@example.com"
    assert "mail is switched off" in caplog.text


def test_users_without_an_address_get_the_inbox_only(session, smtp, people):
    (row,) = ops.notify_users([people["bare"]], "account_closed", {"last_day": date(2026, 4, 30)})
    assert row.email_to is None and row.emailed_at is None
    assert smtp.messages == []
    assert row.title == "您的 Sendoff 账号已关闭"  # no locale anywhere: the default, zh_CN


# ---------------------------------------------------------------- the mail itself


def test_ics_attachment_and_both_alternatives(app, session, smtp, people, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "人力资源部 <hr-noreply@example.com>")
    invite = Attachment("interview.ics", ICS, "text/calendar", (("method", "REQUEST"),))
    context = {"starts_at": datetime(2026, 3, 20, 2, 0, tzinfo=UTC),
               "location": "3楼会议室", "interviewer": "王芳"}

    ops.notify_users([people["leaver"]], "interview_scheduled", context, attachments=[invite])

    (message,) = smtp.to("leaver@example.com")
    assert message.get_content_type() == "multipart/mixed"
    assert message["From"].addresses[0].display_name == "人力资源部"
    assert message["From"].addresses[0].addr_spec == "hr-noreply@example.com"
    assert message["Subject"].startswith("离职面谈：")
    assert "10:00" in message["Subject"]  # shown in China time
    assert message.get_body(("plain",)) is not None and message.get_body(("html",)) is not None
    (part,) = list(message.iter_attachments())
    assert part.get_filename() == "interview.ics"
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert "SUMMARY:离职面谈" in part.get_content()


def test_login_with_credentials_and_the_password_is_never_logged(app, smtp, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "MAIL_USERNAME", "mailer")
    monkeypatch.setitem(app.config, "MAIL_PASSWORD", "s3cret-pw")
    with app.app_context(), caplog.at_level(logging.DEBUG):
        send_mail(("张三", "leaver@example.com"), "离职通知", "正文", "<p>正文</p>")
        monkeypatch.setitem(app.config, "MAIL_PASSWORD", "wrong-pw")
        with pytest.raises(MailError):
            send_mail("leaver@example.com", "again", "text")
    assert smtp.logins[0] == (b"mailer", b"s3cret-pw")
    assert len(smtp.messages) == 1
    assert smtp.messages[0][1]["To"].addresses[0].display_name == "张三"
    assert smtp.messages[0][1]["Subject"] == "离职通知"
    assert "s3cret-pw" not in caplog.text and "wrong-pw" not in caplog.text


def test_template_without_a_file_falls_back_to_the_generic_one(session, smtp, people, case):
    (row,) = ops.notify_users([people["boss"]], "no_such_template",
                              {"reference": case.reference}, case=case)
    assert row.template == "step_needed"
    assert row.title == "Case RS-2026-0042 needs your attention"


def test_every_template_renders_in_both_languages(app, session):
    from app.modules.notifications.rendering import render_message

    context = {"recipient": "张三", "link": "https://sendoff.example/cases/1",
               "reference": "RS-1", "employee": "张三", "actor": "Mary",
               "workflow": {"en": "Voluntary resignation", "zh_CN": "员工主动辞职"},
               "state": {"en": "HR review", "zh_CN": "人力资源审核"},
               "event": {"en": "Approve", "zh_CN": "批准"}, "last_day": date(2026, 4, 30),
               "comment": "<b>ok</b>", "item": {"en": "Laptop", "zh_CN": "笔记本电脑"},
               "starts_at": datetime(2026, 3, 20, 2, 0, tzinfo=UTC), "location": "A",
               "interviewer": "B", "deadline": date(2026, 5, 1),
               "created": datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
               "claims": {"row_count": 965, "last_id": 965}, "file": "checkpoint.json"}
    names = sorted(p.stem for p in EMAILS.glob("*.txt") if not p.stem.startswith("_"))
    assert len(names) >= 14
    for name in names:
        zh, en = (render_message(name, context, loc) for loc in ("zh_CN", "en"))
        assert zh.subject and en.subject and zh.subject != en.subject, name
        assert "Hello 张三," in en.text and "张三，您好：" in zh.text, name
        assert en.html is not None and "<b>" not in en.html, name  # autoescaped


def test_shipped_workflows_name_only_existing_templates():
    named = {"step_needed", "submitted", "approved", "rejected"}  # the defaults
    for path in WORKFLOWS.glob("*.yaml"):
        named |= set(re.findall(r"notify:\s*\{[^}]*template:\s*(\w+)", path.read_text()))
    missing = {n for n in named if not (EMAILS / f"{n}.txt").exists()
               or not (EMAILS / f"{n}.html").exists()}
    assert not missing


# ---------------------------------------------------------------- roles


def test_roles_resolve_to_active_users(session, people, case):
    def names(roles):
        return {u.username for u in ops.recipients_for_roles(case, roles)}

    assert names(["supervisor"]) == {"n_boss"}
    assert names(["employee", "receiver"]) == {"n_leaver", "n_receiver"}
    assert names(["hr"]) == {"n_hr", "n_hradmin"}  # hr_admin implies hr; disabled users never
    assert names(["hr_admin"]) == {"n_hradmin"}
    assert names(["nobody"]) == set()


def test_escalated_roles_also_reach_the_delegate(session, people, case):
    instance = session.get(WorkflowInstance, case.instance_id)
    instance.delegations = {"supervisor": ["hr"]}  # what the escalate timer's reassign does
    session.flush()
    users = ops.recipients_for_roles(case, ["supervisor"])
    assert {u.username for u in users} == {"n_boss", "n_hr", "n_hradmin"}


# ---------------------------------------------------------------- the inbox pages


@pytest.fixture
def filled_inbox(session, people):
    """Two notifications for the supervisor (one already read), one for the leaver."""
    boss, leaver = people["boss"], people["leaver"]
    old = ops.notify_users([boss], "approved", {"reference": "RS-1"})[0]
    old.read_at = datetime(2026, 3, 1, tzinfo=UTC)
    new = ops.notify_users([boss], "review_reminder", {"reference": "RS-2", "employee": "张三"},
                           link="/cases/2")[0]
    other = ops.notify_users([leaver], "rejected", {"reference": "RS-3"})[0]
    session.flush()
    return old, new, other


def test_inbox_lists_my_notifications_unread_first(client, login, filled_inbox):
    login("n_boss")
    html = client.get("/inbox").get_data(as_text=True)
    assert html.index("Reminder: case RS-2") < html.index("Case RS-1 was approved")
    assert "RS-3" not in html  # not mine
    assert 'data-test="unread-count">1 unread' in html


def test_mark_one_read_and_follow_its_link(client, login, session, filled_inbox):
    _, new, _ = filled_inbox
    login("n_boss")
    token = csrf_from(client.get("/inbox").get_data(as_text=True))
    response = client.post(f"/inbox/{new.id}/read", data={"csrf_token": token, "open": "1"})
    assert response.status_code == 302 and response.headers["Location"] == "/cases/2"
    session.refresh(new)
    assert new.read_at is not None
    assert ops.unread_count(new.user) == 0


def test_someone_elses_notification_is_not_found(client, login, session, filled_inbox):
    _, _, other = filled_inbox
    login("n_boss")
    token = csrf_from(client.get("/inbox").get_data(as_text=True))
    assert client.post(f"/inbox/{other.id}/read", data={"csrf_token": token}).status_code == 404
    assert client.post("/inbox/999999/read", data={"csrf_token": token}).status_code == 404
    session.refresh(other)
    assert other.read_at is None


def test_mark_all_read_needs_csrf_and_touches_only_mine(client, login, session, filled_inbox):
    _, new, other = filled_inbox
    login("n_boss")
    assert client.post("/inbox/read-all").status_code == 400  # no CSRF token
    session.refresh(new)
    assert new.read_at is None
    token = csrf_from(client.get("/inbox").get_data(as_text=True))
    page = client.post("/inbox/read-all", data={"csrf_token": token}, follow_redirects=True)
    assert "Marked 1 notification as read." in page.get_data(as_text=True)
    session.refresh(new)
    session.refresh(other)
    assert new.read_at is not None and other.read_at is None


def test_inbox_needs_a_login(client):
    response = client.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_inbox_pages(client, login, app, session, people, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for n in range(3):
        ops.notify_users([people["leaver"]], "approved", {"reference": f"RS-P{n}"})
    login("n_leaver")
    first = client.get("/inbox").get_data(as_text=True)
    last = client.get("/inbox?page=2").get_data(as_text=True)
    assert "RS-P2" in first and "RS-P0" not in first
    assert "RS-P0" in last
    assert "消息" in first  # the leaver reads Chinese
