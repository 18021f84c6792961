"""Hostile input on every route, as every kind of user: no request may give a 5xx.

Every rule in `app.url_map` (GET and POST, as the rule allows) is requested by each demo-like
role and by an anonymous visitor, in a world with a case in its handover, a case at its exit
interview (scheduled), a document, a notification, a survey link and an alumni record; what one
role's posts change is rolled back before the next role. The parameters a route uses are found
two ways: the names its view asks the request for (a recording request class) and the fields of
the forms the pages show (with their hidden values, so that a post gets past the view's first
checks). Then:
- every parameter at once gets each hostile value (a form reads all its fields whatever they hold);
- each parameter alone gets the values of its kind (a date field far dates, a number NaN and
  1e999, a hidden field or a name the view reads itself every value), since a view reading values
  one after another stops at the first bad one, and a form refused for one field never uses the
  other; the first role that reaches a route does this, the later ones send a few values at once;
- file inputs get hostile file names, the path hostile segments (ids beyond any integer column,
  NUL, 3,000 characters), the API and every form route malformed JSON.
Posts carry the session's CSRF token and rate limits are off (both are tested on their own).

A failure names the role, the method, the URL and the parameter, and the exception: requests
that raised are collected, so one run lists them all. About 5,000 requests: under two minutes
on SQLite on a quiet machine. Run it on PostgreSQL too (SENDOFF_TEST_DATABASE_URL): it refuses
NUL and out-of-range integers that SQLite stores.
"""
from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from io import BytesIO
from types import SimpleNamespace
from urllib.parse import quote, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict

from tests.conftest import PASSWORD, csrf_from

pytest_plugins = ["tests.handover_fixtures"]

# One value per kind of trouble the probe found (or that the database and the date code hide).
HOSTILE = {
    "nul": "a\x00b",
    "controls": "\x01\x08\x1b[31m\x7f\x85",
    "huge": "99999999999999999999999",
    "negative": "-1",
    "zero": "0",
    "full_width": "１２",
    "blank": " ",
    "far_future": "9999-12-31",
    "far_past": "0001-01-01",
    "far_datetime": "9999-12-31T23:59",
    "long": "长" * 5000 + "x" * 5000,
    "nan": "NaN",
    "exponent": "1e999",
    "redirect": "/\t/evil.example",
}
# One parameter at a time: the values of its kind, by the page's input type. A hidden field (an
# id, a version, a `next`) and a name only the view reads get ALONE. NUL and the other control
# characters are refused by one hook before any view runs, so every parameter at once covers them.
ALONE = [name for name in HOSTILE if name not in ("nul", "controls", "far_past", "exponent")]
_DATE = ("blank", "far_future", "far_past", "full_width", "huge", "long")
_CHOICE = ("blank", "huge", "negative", "full_width", "long")
BY_KIND = {
    "date": _DATE, "month": _DATE, "datetime-local": ("blank", "far_datetime", "far_future", "full_width", "long"),
    "number": ("blank", "huge", "negative", "zero", "full_width", "nan", "exponent"),
    "select": _CHOICE, "checkbox": _CHOICE, "radio": _CHOICE,
    **dict.fromkeys(("text", "textarea", "email", "password", "search", "tel", "url"),
                    ("blank", "long", "redirect")),
}
FILE_NAMES = ("a\x00b.png", "x" * 300 + ".png", "../../etc/passwd", "\u202egnp.exe", " ")
PATH_VALUES = {"int": ("99999999999999999999", "１２", "0"), "default": ("a\x00b", "x" * 3000, "１２")}
BAD_JSON = ('{"a": ', '{"a": "\\u0000"}', "[" * 5000, '"\\ud800"')
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SKIPPED = {"static", "bootstrap.static", "auth.logout"}  # signing out is the role's last request
# The widest access first: the first role that reaches a route sends each of its parameters
# each value alone; the roles after it send every parameter hostile at once, with a few values.
ROLES = ("hradmin", "hr", "auditor", "boss", "leaver", "successor", "it1", "alumnus", "anonymous")
LATER = ("nul", "huge", "blank", "long")


# ---------------------------------------------------------------- what a view asks for

# Names a form asks for (WTForms: `name in formdata`) and names a view reads itself (.get(),
# [name], .getlist()). A form reads every field whatever the others hold, so one request with
# every field hostile covers it; a view reading values one after another may stop at the first
# bad one, so each name it reads gets each value alone.
FORM_ASKED: set[str] = set()
READ_ASKED: set[str] = set()


class RecordingDict(ImmutableMultiDict):
    """request.args / request.form / request.files that note every name a view asks for."""

    def __contains__(self, key):
        FORM_ASKED.add(key)
        return super().__contains__(key)

    def __getitem__(self, key):
        READ_ASKED.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):  # noqa: A002 (Werkzeug's signature)
        READ_ASKED.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        if key not in FORM_ASKED:
            READ_ASKED.add(key)
        return super().getlist(key, type)


class FormParser(HTMLParser):
    """The forms of a page: (method, action, {field name: (a value the page would send, input kind)})."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.forms: list[tuple[str, str, dict]] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = urlsplit(a.get("action") or self.page_path).path or self.page_path
            self.forms.append(((a.get("method") or "get").upper(), action, {}))
            return
        if not self.forms:
            return
        fields = self.forms[-1][2]
        if tag == "option" and self._select:
            fields.setdefault(self._select, (a.get("value", ""), "select"))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "textarea" and a.get("name"):
            fields.setdefault(a["name"], ("", "textarea"))
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind != "submit":
                fields.setdefault(a["name"], ("" if kind == "file" else a.get("value", "y" if kind in (
                    "checkbox", "radio") else ""), kind))

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            self.forms[-1][2].setdefault(self._select, ("", "select"))
            self._select = None


# ---------------------------------------------------------------- the world


@pytest.fixture
def world(app, session, shipped_workflows, people, clearance, make_user, make_employee):
    """A case in its handover, one at its exit interview (scheduled), a document, a
    notification, a survey link, an alumni record with its login, and an API token each."""
    from app.clock import now, today
    from app.modules.alumni.models import AlumniRecord
    from app.modules.alumni.operations import backfill_archive, switch_to_alumni
    from app.modules.auth.operations import create_api_token
    from app.modules.cases.operations import open_case
    from app.modules.documents.operations import generate_document
    from app.modules.employees.operations import record_departure
    from app.modules.handover.operations import items_of
    from app.modules.interviews.operations import schedule_interview
    from app.modules.interviews.survey import invite_to_survey
    from app.modules.notifications.operations import record_notifications
    from tests.handover_fixtures import open_resignation

    handover = open_resignation(people)
    interview = open_case(people.other, "voluntary_resignation", people.hr_user, notice_date=today(),
                          requested_last_day=today() + timedelta(days=40),
                          agreed_last_day=today() + timedelta(days=40),
                          handover_receiver_id=people.successor.id)
    interview.instance.configuration = ["exit_interview"]
    session.flush()
    schedule_interview(interview, people.hr_user, starts_at=now() + timedelta(days=1),
                       interviewer=people.hr_user, location="三楼小会议室")
    token = invite_to_survey(interview)
    document = generate_document(session, handover, "resignation_application")
    record_notifications([people.leaver_user, people.hr_user], "step_needed", {}, case=handover,
                         link=f"/cases/{handover.id}")
    former = make_employee(name="周离开", department=people.dept, employee_no="A001")
    record_departure(former, today() - timedelta(days=200), "voluntary_resignation", ["career"],
                     source="import", session=session)
    session.flush()
    backfill_archive()
    alumnus = make_user("alumnus", employee=former)
    switch_to_alumni(alumnus)
    make_user("auditor", roles=("auditor",))
    session.flush()
    users = {u.username: u for u in (people.leaver_user, people.boss_user, people.successor_user,
                                     people.hr_user, people.hr_admin_user, clearance.it, alumnus)}
    tokens = {name: create_api_token(user, "fuzz")[1] for name, user in users.items()}
    from app.modules.auth.models import User

    auditor = session.scalar(select(User).where(User.username == "auditor"))
    tokens["auditor"] = create_api_token(auditor, "fuzz")[1]
    session.commit()  # into the test's outer transaction: /healthz rolls its session back
    return SimpleNamespace(
        handover=handover, interview=interview, survey_token=token, document=document,
        item=items_of(session, handover.id)[0], record=session.scalars(select(AlumniRecord)).first(),
        tokens=tokens)


def path_values(endpoint: str, world, session) -> dict:
    """A real value for each path variable of the endpoint's rule."""
    from app.modules.cases.models import CaseAttachment
    from app.modules.notifications.models import Notification

    case = world.interview if endpoint.startswith("interviews.") else world.handover
    attachment = session.scalar(select(CaseAttachment.id).where(CaseAttachment.case_id == case.id))
    notification = session.scalar(select(Notification.id).order_by(Notification.id))
    return {
        "case_id": case.id, "item_id": world.item.id, "attachment_id": attachment or 1,
        "doc_id": world.document.id, "record_id": world.record.id if world.record else 1,
        "notification_id": notification or 1, "version": 1, "workflow_id": "voluntary_resignation",
        "event": "withdraw", "key": world.document.code, "token": world.survey_token,
        "fmt": "csv", "code": "en" if endpoint == "auth.set_language" else "compensation",
        "document_id": world.document.id, "employee_no": case.employee.employee_no, "endpoint_id": 1,
        "delivery_id": 1, "filename": "x.pdf",
    }


def rules(app) -> list[tuple[object, str]]:
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint in SKIPPED:
            continue
        for method in ("GET", "POST"):
            if method in rule.methods:
                found.append((rule, method))
    return found


# ---------------------------------------------------------------- the sweep


class Sweep:
    """One role's requests; every 5xx (or exception) is noted with what was sent."""

    def __init__(self, app, client, session, world, role: str, swept: set):
        self.app, self.client, self.session, self.world, self.role = app, client, session, world, role
        self.forms: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
        self.requests = 0
        self.failures: list[str] = []
        token = world.tokens.get(role)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._token: str | None = None
        self.swept = swept  # (endpoint, method, name) an earlier role swept alone

    def send(self, method: str, url: str, what: str, *, data=None, json_body: str | None = None):
        self.requests += 1
        kwargs = {"headers": self.headers if url.startswith("/api/") else {}}
        if json_body is not None:
            kwargs.update(data=json_body, content_type="application/json")
        elif data is not None:
            kwargs.update(data=data, content_type="multipart/form-data")
        try:
            response = self.client.open(url, method=method, **kwargs)
        except Exception as error:  # a 500 in testing: note the request and go on with the sweep
            self.failures.append(f"{self.role} {method} {url[:120]!r} {what}: {type(error).__name__}: "
                                 f"{str(error)[:300]}")
            self.session.rollback()  # PostgreSQL refuses the rest of a failed transaction
            return None
        # 503 is a page's own answer (/healthz without fonts, the diagram without its tool), not a crash
        if response.status_code >= 500 and response.status_code != 503:
            self.failures.append(f"{self.role} {method} {url[:120]!r} {what}: {response.status_code}")
        if response.mimetype == "text/html" and method == "GET" and response.status_code == 200:
            self._collect_forms(urlsplit(url).path, response.get_data(as_text=True))
        return response

    def _collect_forms(self, path: str, html: str) -> None:
        parser = FormParser(path)
        parser.feed(html)
        for method, action, fields in parser.forms:
            known = self.forms.setdefault((method, action), {})
            for name, value in fields.items():
                known.setdefault(name, value)

    def csrf_token(self) -> str:
        if self._token is None:
            html = self.client.get("/", follow_redirects=True).get_data(as_text=True)
            self._token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        return self._token

    def discover(self, method: str, url: str, data=None) -> tuple[bool, set[str], set[str]]:
        """Send what the page would; whether the view let this user in, the names forms asked
        for, the names read."""
        FORM_ASKED.clear()
        READ_ASKED.clear()
        response = self.send(method, url, "as the page sends it", data=data)
        refused = response is not None and (
            response.status_code in (401, 403, 404, 405)
            or response.headers.get("Location", "").startswith(("/login", "http://localhost/login")))
        return not refused, set(FORM_ASKED), set(READ_ASKED)

    def sweep_rule(self, rule, method: str) -> None:
        values = path_values(rule.endpoint, self.world, self.session)
        url = _build(self.app, rule, values)
        reached = [self.sweep_url(rule.endpoint, method, target) for target in self._targets(rule, url, method)]
        if any(reached):  # (bad ids in a page this user may not open: refused at the door all the same)
            self.sweep_path(rule, method, values)

    def _targets(self, rule, url: str, method: str) -> list[str]:
        """The URL built from the world, and (for posts) other actions of this rule the pages showed
        (another event, another line of the settlement)."""
        seen = [url]
        if method == "POST":
            for form_method, action in self.forms:
                if form_method == "POST" and action not in seen and _endpoint(self.app, action) == rule.endpoint:
                    seen.append(action)
        return seen[:2]

    def sweep_path(self, rule, method: str, values: dict) -> None:
        for name, converter in rule._converters.items():
            kind = "int" if type(converter).__name__ in ("IdConverter", "IntegerConverter") else "default"
            for bad in PATH_VALUES[kind]:
                url = _fill(rule, {**values, name: quote(bad, safe="")})
                self.send(method, url, f"path {name}={bad[:20]!r}", data={} if method == "POST" else None)

    def sweep_url(self, endpoint: str, method: str, url: str) -> bool:
        """Sweep one URL; whether the view was reached (not refused at the door)."""
        fields = self.forms.get((method, urlsplit(url).path), {})
        defaults = {name: value for name, (value, kind) in fields.items() if kind != "file"} if method == "POST" else {}
        if method == "POST":
            defaults["csrf_token"] = self.csrf_token()
        reached, asked, read = self.discover(method, url, dict(defaults) if method == "POST" else None)
        prefixed = {name: self.csrf_token() for name in asked if name.endswith("-csrf_token")}
        if prefixed.keys() - defaults.keys():  # a prefixed form's token: ask again with it
            defaults.update(prefixed)
            reached, asked, read = self.discover(method, url, dict(defaults))
        fields = self.forms.get((method, urlsplit(url).path), {})  # a GET page shows its own form
        names = sorted(n for n in asked | read | set(fields) if not n.endswith("csrf_token"))
        if not reached:
            # refused before the view read anything (the NUL hook runs for everyone: see the reached ones)
            self._send_with(method, url, defaults, dict.fromkeys(names, HOSTILE["huge"]), "every parameter huge")
            return False
        first = (endpoint, method) not in self.swept
        self.swept.add((endpoint, method))
        for value_name in HOSTILE if first else LATER:
            self._send_with(method, url, defaults, dict.fromkeys(names, HOSTILE[value_name]),
                            f"every parameter {value_name}")
        # One at a time: the fields of this action's own form (a page re-rendered after a refusal
        # asks for its other forms' fields too; their own actions sweep them) and what the view reads.
        own = {n for n in fields if not n.endswith("csrf_token")} or set(names)
        for name in sorted(own | {n for n in read if not n.endswith("csrf_token")}):
            if (endpoint, method, name) in self.swept:
                continue  # the same field of another action of this rule (another settlement line)
            self.swept.add((endpoint, method, name))
            kind = "read" if name in read else fields.get(name, ("", "hidden"))[1]
            for value_name in BY_KIND.get(kind, ALONE):
                self._send_with(method, url, defaults, {name: HOSTILE[value_name]}, f"{name}={value_name}")
        if method == "POST":
            self.sweep_files(url, defaults, [n for n, (_v, kind) in fields.items() if kind == "file"])
        if method == "POST" or url.startswith("/api/"):
            for body in BAD_JSON:
                self.send(method, url, f"JSON {body[:10]!r}", json_body=body)
        return True

    def sweep_files(self, url: str, defaults: dict, file_fields: list[str]) -> None:
        for field in sorted(file_fields):
            for file_name in FILE_NAMES:
                data = {**defaults, field: (BytesIO(PNG), file_name)}
                self.send("POST", url, f"file {field} named {file_name[:20]!r}", data=data)

    def _send_with(self, method: str, url: str, defaults: dict, hostile: dict, what: str) -> None:
        if method == "GET":
            self.send(method, f"{url}{'&' if '?' in url else '?'}{urlencode(hostile)}", what)
        else:
            query = urlencode({k: v for k, v in hostile.items() if len(v) < 100})
            self.send(method, f"{url}?{query}" if query else url, what, data={**defaults, **hostile})


def _build(app, rule, values: dict) -> str:
    arguments = {name: values[name] for name in rule.arguments if name not in (rule.defaults or {})}
    return app.url_map.bind("localhost").build(rule.endpoint, arguments)


def _fill(rule, values: dict) -> str:
    """The rule's path with the values put in as they are (the URL builder refuses bad ones)."""
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:\w+(?:\([^)]*\))?:)?{name}>", str(values[name]), path)
    return path


def _endpoint(app, path: str) -> str | None:
    try:
        return app.url_map.bind("localhost").match(path, method="POST")[0]
    except Exception:  # not a route of the app
        return None


def sign_in(client, username: str) -> None:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"{username} could not sign in"


@pytest.fixture
def hostile_app(app, monkeypatch):
    """Rate limits off (tested on their own), and a request that records what is read."""
    from app.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", False)
    recording = type("RecordingRequest", (app.request_class,), {"parameter_storage_class": RecordingDict})
    monkeypatch.setattr(app, "request_class", recording)
    return app


def test_no_hostile_value_gives_a_server_error(hostile_app, client, session, world):
    """Every role in turn, each on the same world: what a role's posts changed is rolled back
    (a savepoint) before the next role signs in."""
    connection = session.connection()
    session.commit()
    swept: set = set()
    failures, requests = [], {}
    for role in ROLES:
        savepoint = connection.begin_nested()
        browser = hostile_app.test_client()
        if role != "anonymous":
            sign_in(browser, role)
        sweep = Sweep(hostile_app, browser, session, world, role, swept)
        targets = rules(hostile_app)
        for rule, method in [t for t in targets if t[1] == "GET"] + [t for t in targets if t[1] == "POST"]:
            sweep.sweep_rule(rule, method)
        if role != "anonymous":
            sweep.sweep_url("auth.logout", "POST", "/logout")
        failures += sweep.failures
        requests[role] = sweep.requests
        session.rollback()
        savepoint.rollback()
        session.expire_all()
    assert all(n > 100 for n in requests.values()), requests  # every role's sweep ran
    assert not failures, f"{len(failures)} requests failed, e.g.:\n" + "\n".join(_varied(failures)[:40])


def _varied(failures: list[str]) -> list[str]:
    """One failure per path and error first (a bad department fails on every analytics page)."""
    seen, first, rest = set(), [], []
    for failure in failures:  # "<role> <method> '<url>' <what>: <Error>: <message>"
        match = re.match(r"\S+ (\S+) '([^'?]*)[^']*' .*?: (\w+)", failure)
        key = match.groups() if match else failure
        (rest if key in seen else first).append(failure)
        seen.add(key)
    return first + rest


# ---------------------------------------------------------------- random text in the filters


QUERY_NAMES = ("state", "type", "department", "overdue", "all", "sort", "page", "start", "end", "period",
               "group_by", "formula", "window_days", "min_size", "horizon", "compare_start", "compare_end",
               "from", "to", "group-by", "by", "fragment")
LISTS = ("/cases/queue", "/analytics/", "/analytics/forecast", "/analytics/compare", "/analytics/export.csv",
         "/interviews/survey", "/handover/board", "/inbox", "/api/v1/analytics/turnover")


def test_random_text_in_the_filters_never_gives_a_server_error(hostile_app, client, session, world):
    """Hypothesis writes the filters of the lists HR reads (any Unicode, a few at a time)."""
    sign_in(client, "hr")
    sweep = Sweep(hostile_app, client, session, world, "hr", set())

    @settings(max_examples=40, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(params=st.dictionaries(st.sampled_from(QUERY_NAMES), st.text(max_size=30), max_size=5))
    def check(params):
        for path in LISTS:
            sweep.send("GET", f"{path}?{urlencode(params)}", f"random {params!r}")

    check()
    assert not sweep.failures, "\n".join(sweep.failures[:40])
