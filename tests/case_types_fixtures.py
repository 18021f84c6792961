"""Driving separation cases through the web as their real users: a browser that switches
users and presses the case page's buttons, the handover signed item by item, timers fired
through `flask workflows tick` at a frozen time, and notification jobs delivered."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from app.engine.timing import CHINA_TZ
from app.modules.cases.models import Case
from tests.conftest import PASSWORD, csrf_from

# Who confirms an item, by the item's receiver role (usernames of `people` and `clearance`).
CONFIRMERS = {"successor": "successor", "supervisor": "boss", "it": "it1", "finance": "fin1",
              "admin": "admin1"}


def in_days(days: int) -> date:
    """A date relative to today in China: the web requests run on the real clock, and the
    app counts notice periods by the Chinese calendar day."""
    from app.modules.cases.operations import today

    return today() + timedelta(days=days)


def china_time(day: date, hour: int = 12) -> datetime:
    """Noon (by default) in China on `day`, as an aware UTC datetime."""
    return datetime.combine(day, time(hour), CHINA_TZ).astimezone(UTC)


# ---------------------------------------------------------------- reading a page


def buttons(html: str) -> set[str]:
    """The events whose buttons the page offers."""
    return set(re.findall(r'<form[^>]*data-event="(\w+)"', html))


def states(html: str) -> list[str]:
    return re.findall(r'data-test="state">([^<]+)<', html)


def documents(html: str) -> dict[str, str]:
    """Document kind -> status (ready, generating, ...) from the case page's list."""
    return dict(re.findall(r'<tr data-kind="(\w+)" data-status="(\w+)"', html))


def hidden_inputs(form_html: str) -> dict[str, str]:
    """The hidden inputs of a form (CSRF token, version), by name."""
    found = {}
    for tag in re.findall(r'<input[^>]*type="hidden"[^>]*>', form_html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            found[name.group(1)] = value.group(1) if value else ""
    return found


def text(response) -> str:
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- the browser


class Browser:
    """One test client used by whoever is signed in; switches users on demand."""

    def __init__(self, client, session):
        self.client, self.session = client, session
        self.user: str | None = None

    def as_(self, username: str) -> Browser:
        """Sign in through the login form (signing out whoever was signed in)."""
        if self.user != username:
            self.client.delete_cookie("session", domain="localhost")
            token = csrf_from(self.get("/login"))
            response = self.client.post("/login", data={
                "username": username, "password": PASSWORD, "csrf_token": token})
            assert response.status_code == 302, _alerts(text(response))
            self.user = username
        return self

    def another(self) -> Browser:
        """A second browser, e.g. a tab left open while someone else acts."""
        return Browser(self.client.application.test_client(), self.session)

    def get(self, url: str, status: int = 200) -> str:
        response = self.client.get(url)
        assert response.status_code == status, (url, response.status_code)
        return text(response)

    def case_page(self, case: Case) -> str:
        return self.get(f"/cases/{case.id}")

    def event_form(self, case: Case, event: str) -> str:
        form = re.search(rf'<form[^>]*data-event="{event}".*?</form>', self.case_page(case), re.S)
        assert form, f"{self.user} has no {event} button on {case.reference}"
        return form.group(0)

    def post_event(self, case: Case, event: str, form_html: str, **fields):
        """Submit a case page's event form as captured (possibly long ago)."""
        data = {**hidden_inputs(form_html), **{f"{event}-{k}": str(v) for k, v in fields.items()}}
        return self.client.post(f"/cases/{case.id}/events/{event}", data=data)

    def press(self, case: Case, event: str, **fields):
        """Fill in and submit the event's form on the case page; the raw response."""
        return self.post_event(case, event, self.event_form(case, event), **fields)

    def step(self, case: Case, event: str, **fields) -> str:
        """Press a button that must work; the case page the user lands on."""
        response = self.press(case, event, **fields)
        assert response.status_code == 302, (event, self.user, _alerts(text(response)))
        return self.case_page(case)

    def forbidden(self, case: Case, event: str, **fields):
        """Post an event the user has no button for, with a valid token and version."""
        token = csrf_from(self.get("/"))
        data = {f"{event}-csrf_token": token, f"{event}-version": str(case.version)}
        data.update({f"{event}-{k}": str(v) for k, v in fields.items()})
        return self.client.post(f"/cases/{case.id}/events/{event}", data=data)

    def post_page_form(self, page_url: str, action: str, data: dict, **kwargs):
        """Submit the form of a page that posts to `action` (`page_url`: the page's own form)
        with its hidden inputs (CSRF token, version) and `data`, as a browser would."""
        html = self.get(page_url)
        start = (rf'<form[^>]*action="{re.escape(action)}"' if action != page_url
                 else r'<form(?![^>]*action=)[^>]*method="post"')
        form = re.search(rf'{start}.*?</form>', html, re.S)
        assert form, f"no form posting to {action} on {page_url} for {self.user}"
        return self.client.post(action, data={**hidden_inputs(form.group(0)), **data}, **kwargs)

    # ------------------------------------------------------------ whole steps

    def open_case(self, workflow_id: str, last_day: date, employee_no: str = "L001", **extra) -> Case:
        """HR opens a case at /cases/open; the case page it lands on is the new case."""
        self.as_("hr")
        data = {"employee_no": employee_no, "workflow_id": workflow_id,
                "notice_date": in_days(0).isoformat(), "requested_last_day": last_day.isoformat(),
                "proposed_by": "employer", **extra}
        response = self.post_page_form("/cases/open", "/cases/open", data)
        assert response.status_code == 302, _alerts(text(response))
        case_id = int(re.search(r"/cases/(\d+)$", response.headers["Location"]).group(1))
        return self.session.get(Case, case_id)

    def name_successor(self, case: Case, employee_no: str = "S001") -> None:
        self.as_("boss")
        action = f"/cases/{case.id}/handover/successor"
        response = self.post_page_form(f"/cases/{case.id}", action, {"successor-employee_no": employee_no})
        assert response.status_code == 302, _alerts(text(response))

    def item_action(self, case: Case, item, action: str, **fields):
        """Submit a form of an item page (hand over, confirm) with the password."""
        html = self.get(f"/cases/{case.id}/handover/items/{item.id}")
        form = re.search(rf'<form[^>]*data-action="{action}".*?</form>', html, re.S)
        assert form, f"{self.user} cannot {action} item {item.key}"
        data = {**hidden_inputs(form.group(0)), f"{action}-password": PASSWORD,
                **{f"{action}-{k}": v for k, v in fields.items()}}
        url = f"/cases/{case.id}/handover/items/{item.id}/{action.replace('_', '-')}"
        response = self.client.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code == 302, _alerts(text(response))

    def sign_checklist(self, case: Case) -> None:
        """The leaver hands every item over; each receiver confirms theirs."""
        from app.modules.handover.operations import items_of

        items = items_of(self.session, case.id)
        self.as_("leaver")
        for item in items:
            self.item_action(case, item, "hand_over", note=f"{item.title_zh}：已整理")
        for role, username in CONFIRMERS.items():
            mine = [i for i in items if i.receiver_role == role]
            if mine:
                self.as_(username)
            for item in mine:
                self.item_action(case, item, "confirm")
        assert {i.status for i in items} == {"confirmed"}

    def file_resignation(self, last_day: date, reasons=("workload",)) -> Case:
        """The leaver files her own resignation at /cases/new (the workflow follows from her
        probation); the case it creates."""
        self.as_("leaver")
        token = csrf_from(self.get("/cases/new"))
        response = self.client.post("/cases/new", data={
            "reasons": list(reasons), "primary_reason": reasons[0], "statement": "申请离职",
            "notice_date": in_days(0).isoformat(), "requested_last_day": last_day.isoformat(),
            "csrf_token": token}, content_type="multipart/form-data")
        assert response.status_code == 302, _alerts(text(response))
        case_id = int(re.search(r"/cases/(\d+)", response.headers["Location"]).group(1))
        return self.session.get(Case, case_id)

    # ------------------------------------------------------------ the exit interview (HR)

    def interview_page(self, case: Case) -> str:
        return self.as_("hr").get(f"/cases/{case.id}/interview")

    def outcomes(self, case: Case) -> set[str]:
        """The outcomes the interview page offers (once the interview is scheduled)."""
        tags = re.findall(r'<input[^>]*name="c-outcome"[^>]*>', self.interview_page(case))
        return {re.search(r'value="(\w+)"', tag).group(1) for tag in tags}

    def interview_form(self, case: Case, action: str, data: dict):
        """Submit one of the interview page's forms as HR; the raw response."""
        url = f"/cases/{case.id}/interview"
        return self.as_("hr").post_page_form(url, f"{url}/{action}" if action else url, data)

    def schedule_interview(self, case: Case, interviewer_id: int) -> None:
        """HR plans the interview for tomorrow (the outline and outcome form appear then)."""
        response = self.interview_form(case, "schedule", {
            "s-starts_at": f"{in_days(1).isoformat()}T10:00", "s-minutes": "45",
            "s-location": "三楼小会议室", "s-video_link": "", "s-interviewer": str(interviewer_id)})
        assert response.status_code == 302, _alerts(text(response))

    def finish_interview(self, case: Case, outcome: str = "exit_confirmed", reasons=("workload",),
                         voluntary: str = "yes") -> str:
        """HR records the answers and confirms the reasons and the outcome; the case page."""
        steps = [
            ("answers", {"answer_main_reason": "想换个环境", "answer_could_stay": "没有",
                         "a-notes": "情绪平稳"}),
            ("confirm", {"c-reasons": list(reasons), "c-primary": reasons[0],
                         "c-voluntary": voluntary, "c-regrettable": "no", "c-avoidable": "no",
                         "c-outcome": outcome}),
        ]
        for action, data in steps:
            response = self.interview_form(case, action, data)
            assert response.status_code == 302, (action, _alerts(text(response)))
        return self.case_page(case)

    def interview_not_held(self, case: Case, reason: str) -> str:
        response = self.interview_form(case, "not-held", {"n-reason": reason})
        assert response.status_code == 302, _alerts(text(response))
        return self.case_page(case)


def _alerts(html: str) -> list[str]:
    """Flash messages and field errors, to say why a step failed."""
    return re.findall(r'class="(?:alert[^"]*|invalid-feedback[^"]*)"[^>]*>\s*([^<]+)', html)


@pytest.fixture
def web(client, session, shipped_workflows, people, clearance) -> Browser:
    return Browser(client, session)


# ---------------------------------------------------------------- time and jobs


@pytest.fixture
def tick(app, session, monkeypatch):
    """Run `flask workflows tick` as cron would, at a frozen time, on the test's connection."""
    import app.modules.workflows.cli as cli
    from app import clock

    factory = sessionmaker(bind=session.connection(), join_transaction_mode="create_savepoint",
                           expire_on_commit=False)
    monkeypatch.setattr(cli, "_factory", lambda: factory)

    def _tick(at: datetime) -> str:
        with clock.travel(at):
            result = app.test_cli_runner().invoke(args=["workflows", "tick"])
        assert result.exit_code == 0, result.output
        session.expire_all()  # the tick wrote through its own sessions
        return result.output
    return _tick


@pytest.fixture
def deliver(session):
    """Run the notification jobs due (by `at`, default now) the way the worker does; returns
    how many ran."""
    from app.engine.clock import FixedClock
    from app.engine.models import OutboxJob
    from app.engine.outbox import run_job

    factory = sessionmaker(bind=session.connection(), join_transaction_mode="create_savepoint",
                           expire_on_commit=False)

    def _deliver(at: datetime | None = None) -> int:
        clock = FixedClock(at or datetime.now(UTC))
        ids = session.scalars(select(OutboxJob.id).where(
            OutboxJob.kind == "notify", OutboxJob.status == "pending",
            OutboxJob.available_at <= clock.now())).all()
        outcomes = [run_job(job_id, session_factory=factory, clock=clock) for job_id in ids]
        session.expire_all()
        assert set(outcomes) <= {"done"}, outcomes
        return len(ids)
    return _deliver

