"""The demo company: idempotent, deterministic, with the named people and working logins.

The demo is loaded once for the module into a scratch database (a few seconds), and
each test reads it through `db.session` bound to that database.
"""
from __future__ import annotations

import contextlib
import time
from collections import defaultdict
from datetime import UTC, date, timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.db import db, make_engine
from app.demo import company, load_demo
from app.demo.cases import load_demo_cases, scripts
from app.demo.dates import DemoDates
from app.demo.loader import demo_anchor
from app.engine import definition, runtime
from app.engine.outbox import PENDING_KEY
from app.models import load_all_models
from app.modules.auth.models import User
from app.modules.auth.passwords import verify_password
from app.modules.auth.permissions import roles_of
from app.modules.cases.models import Case
from app.modules.cases.operations import today as china_today
from app.modules.employees.models import Assignment, Department, Employee, Separation, WageRecord
from app.modules.employees.operations import SEPARATION_TYPES
from tests.conftest import drop_scratch, scratch_url
from tests.engine_fixtures import WORKFLOWS


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _totals(session) -> dict:
    models = (Employee, Assignment, Separation, WageRecord, Department, User)
    return {model.__name__: _count(session, model) for model in models}


def _employee(session, name: str) -> Employee:
    return session.scalars(select(Employee).where(Employee.name == name)).one()


def _user(session, username: str) -> User:
    return session.scalars(select(User).where(User.username == username)).one()


@contextlib.contextmanager
def bound_to(app, engine):
    """Point `db.session` at another database for a while, inside an app context."""
    db.session.remove()
    original = dict(db.session.session_factory.kw)
    db.session.configure(bind=engine)
    db.keep_session = True
    try:
        with app.app_context():
            yield db.session()
    finally:
        db.keep_session = False
        db.session.remove()
        db.session.session_factory.kw.clear()
        db.session.session_factory.kw.update(original)


@pytest.fixture(scope="module")
def demo_db(app, db_url, tmp_path_factory):
    """A scratch database holding the demo, loaded as `make run` does (company, workflows,
    cases); yields (engine, first result, seconds for the company, cases added, seconds)."""
    url, kwargs = scratch_url(db_url, tmp_path_factory)
    engine = make_engine(url, **{k: v for k, v in kwargs.items() if not k.startswith("_")})
    load_all_models().create_all(engine)
    with bound_to(app, engine) as session:
        started = time.monotonic()
        first = load_demo(session)
        session.commit()
        elapsed = time.monotonic() - started
        for path in sorted(WORKFLOWS.glob("*.yaml")):
            runtime.deploy(session, path)
        session.commit()
        started = time.monotonic()
        cases_added = load_demo_cases(session, china_today())
        session.info.pop(PENDING_KEY, None)  # the jobs are not run here
        session.commit()
        cases_elapsed = time.monotonic() - started
    yield engine, first, elapsed, cases_added, cases_elapsed
    engine.dispose()
    drop_scratch(db_url, kwargs)


@pytest.fixture
def demo_session(app, demo_db):
    with bound_to(app, demo_db[0]) as session:
        yield session


@pytest.fixture
def demo(app, demo_db, demo_session):
    """(first load's result, totals now, result of running `flask demo load` again)."""
    totals = _totals(demo_session)
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    return demo_db[1], totals, result


def test_loading_is_fast(demo_db):
    assert demo_db[2] < 30
    assert demo_db[4] < 30


def _rows_per_table(session) -> dict[str, int]:
    return {table.name: session.scalar(select(func.count()).select_from(table))
            for table in load_all_models().sorted_tables}


def test_loading_twice_changes_nothing(app, demo_db, demo_session):
    before = _rows_per_table(demo_session)
    second_run = app.test_cli_runner().invoke(args=["demo", "load"])
    assert second_run.exit_code == 0, second_run.output
    assert "0 people added" in second_run.output
    assert "Demo cases already there." in second_run.output
    assert _rows_per_table(demo_session) == before
    assert load_demo_cases(demo_session, china_today() + timedelta(days=7)) == 0  # nor a week later
    demo_session.rollback()


def test_the_company_is_loaded_once(demo, demo_session):
    first, totals, second_run = demo
    assert second_run.exit_code == 0, second_run.output
    assert _totals(demo_session) == totals
    assert first["added_people"] == totals["Employee"]
    assert 280 <= first["current"] <= 320


def test_the_cli_prints_the_logins(demo):
    output = demo[2].output
    for login in company.LOGINS:
        assert login.username in output
    assert company.DEMO_PASSWORD in output


def _dates(session) -> DemoDates:
    return DemoDates(demo_anchor(session))


def _months(start: date, stop: date) -> list[tuple[int, int]]:
    """(year, month) of every whole month from start's month up to, not including, stop's."""
    months, year, month = [], start.year, start.month
    while (year, month) < (stop.year, stop.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def test_the_demo_is_built_around_the_day_it_is_loaded(demo_session):
    dates = _dates(demo_session)
    assert dates.today == china_today() or dates.today == china_today() - timedelta(days=1)
    assert len(_months(dates.history_start, dates.today)) == 23  # and the current month
    assert dates.lead_last_day < date(dates.contagion_year, 3, 1) <= dates.history_start.replace(
        year=dates.history_start.year + 2)
    assert all(date(y, m, 1) < dates.today for y, m in dates.contagion_months)


def test_the_journal_authors_are_there(demo_session):
    lei = _employee(demo_session, "雷亚辉")
    assert lei.status == "active" and lei.department.code == "HR" and lei.city == "guangzhou"
    chen = _employee(demo_session, "陈美丽")
    assert chen.status == "left" and chen.name_pinyin == "chenmeili"
    separation = demo_session.scalars(
        select(Separation).where(Separation.employee_id == chen.id)).one()
    assert separation.separation_type == "voluntary_resignation"
    dates = _dates(demo_session)
    assert dates.history_start <= separation.last_day < dates.today - timedelta(days=365)
    assert separation.source == "demo"
    spell = demo_session.scalars(select(Assignment).where(Assignment.employee_id == chen.id)).one()
    assert spell.end_date == separation.last_day and spell.end_kind == "departure"


def test_logins_exist_with_their_roles_and_password(demo_session):
    for login in company.LOGINS:
        user = _user(demo_session, login.username)
        assert user.granted_roles == set(login.roles)
        assert verify_password(user.password_hash, company.DEMO_PASSWORD)
    assert _user(demo_session, "hr").employee.name == "雷亚辉"
    assert "employee" in roles_of(_user(demo_session, "employee"))
    assert roles_of(_user(demo_session, "alumni")) == {"alumni"}


def test_the_supervisor_login_is_a_supervisor_by_the_derived_rule(demo_session):
    supervisor, employee = _user(demo_session, "supervisor"), _user(demo_session, "employee")
    assert "supervisor" in roles_of(supervisor)
    assert employee.employee.manager_id == supervisor.employee_id
    assert employee.employee.department.name_zh == "催收一部一组"
    assert employee.employee.department.parent.name_zh == "催收一部"


def test_every_kind_of_departure_is_there(demo_session):
    kinds = set(demo_session.scalars(select(Separation.separation_type)))
    assert kinds == set(SEPARATION_TYPES)
    history = list(demo_session.scalars(select(Separation.last_day).where(Separation.source == "demo")))
    dates = _dates(demo_session)
    assert min(history) >= dates.history_start and max(history) < dates.today
    archived = list(demo_session.scalars(select(Separation.last_day).where(Separation.source == "case")))
    assert archived and max(archived) < china_today()  # the archived demo cases ended before today


def test_the_history_has_seasons_and_a_contagion_wave(demo_session):
    def leavers(department_code=None, months=()) -> int:
        query = select(Separation.last_day).join(Employee, Employee.id == Separation.employee_id)
        if department_code:
            query = query.join(Department, Department.id == Employee.department_id).where(
                Department.code == department_code)
        return sum(1 for day in demo_session.scalars(query) if (day.year, day.month) in months)

    dates = _dates(demo_session)
    whole = _months(dates.history_start, dates.today)
    spring = [(y, m) for y, m in whole if m in (2, 3)]
    autumn = [(y, m) for y, m in whole if m in (9, 10, 11, 12)]
    assert len(spring) >= 3 and len(autumn) >= 7
    assert leavers(months=spring) / len(spring) > 1.5 * leavers(months=autumn) / len(autumn)
    team, wave = company.CONTAGION_TEAM, dates.contagion_months
    history = [month for month in whole if month not in wave]
    per_month_in_wave = leavers(team, wave) / len(wave)
    per_month_otherwise = leavers(team, history) / len(history)
    assert per_month_in_wave > 3 * per_month_otherwise


def test_current_staff_have_a_year_of_wages_and_a_manager(demo_db, demo_session):
    employee = _user(demo_session, "employee").employee
    months = demo_session.scalar(select(func.count()).select_from(WageRecord).where(
        WageRecord.employee_id == employee.id))
    assert months >= 12
    without_manager = demo_session.scalars(select(Employee.name).where(
        Employee.status == "active", Employee.manager_id.is_(None))).all()
    assert without_manager == ["高振华"]  # the general manager
    headcount = demo_session.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.start_date <= _dates(demo_session).today, Assignment.end_date.is_(None)))
    current = _count_where(demo_session, Employee, Employee.status != "left")
    assert headcount == current  # the archived demo leavers' assignments ended too
    assert current < demo_db[1]["current"]


def _count_where(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _resting_states(session) -> dict[str, set[str]]:
    """Per workflow, the top-level states the demo cases rest in (陈美丽's archive included)."""
    resting = defaultdict(set)
    for case in session.scalars(select(Case)):
        resting[case.workflow_id].add(case.instance.configuration[0].split(".")[0])
    return dict(resting)


def _shipped_states() -> dict[str, set[str]]:
    """Per shipped workflow, every top-level state of its definition: none is transient,
    so a case can rest in each (the schema has no eventless transitions)."""
    definitions = [definition.load(path) for path in sorted(WORKFLOWS.glob("*.yaml"))]
    return {d.id: set(d.top) for d in definitions}


def test_demo_cases_rest_in_every_state_of_every_workflow(demo_db, demo_session):
    assert demo_db[3] == len(scripts())
    assert _resting_states(demo_session) == _shipped_states()


def test_every_workflow_driven_to_every_end_leaves_an_intact_audit_chain(app, demo_session):
    """The demo drives a case of each shipped workflow into each of its states, through the
    real operations (events, checklists, interviews, settlements), finals included."""
    finals = {d.id: {name for name in d.top if d.state(name).is_final}
              for d in (definition.load(path) for path in sorted(WORKFLOWS.glob("*.yaml")))}
    resting = _resting_states(demo_session)
    assert all(finals[workflow] <= resting[workflow] for workflow in finals), (finals, resting)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Audit chain intact" in result.output


@pytest.mark.slow
def test_flask_demo_load_on_a_fresh_database_verifies(app, db_url, tmp_path_factory, monkeypatch):
    """`flask workflows deploy`, `flask demo load` (its documents rendered too), then
    `flask audit verify`, on an empty database."""
    url, kwargs = scratch_url(db_url, tmp_path_factory)
    engine = make_engine(url, **{k: v for k, v in kwargs.items() if not k.startswith("_")})
    load_all_models().create_all(engine)
    monkeypatch.setattr(db, "engine", engine)  # the demo runs its jobs on db.engine
    runner = app.test_cli_runner()
    try:
        with bound_to(app, engine):
            for args in (["workflows", "deploy"], ["demo", "load"]):
                result = runner.invoke(args=args)
                assert result.exit_code == 0, result.output
            result = runner.invoke(args=["audit", "verify"])
    finally:
        engine.dispose()
        drop_scratch(db_url, kwargs)
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output


def _cases_in(session, state: str) -> list[Case]:
    return [c for c in session.scalars(select(Case).order_by(Case.id))
            if c.instance.configuration[0].split(".")[0] == state]


def test_handovers_are_partly_signed_in_every_workflow(demo_session):
    from app.modules.handover.operations import items_of

    partly = set()
    for case in _cases_in(demo_session, "handover"):
        items = items_of(demo_session, case.id)
        done = [i for i in items if i.status == "confirmed"]
        handed = [i for i in items if i.status == "handed_over"]
        if items and (done or handed) and len(done) < len(items):
            partly.add(case.workflow_id)
            assert all(i.active_signature("leaver").signer_name == case.employee.name
                       for i in done + handed)
    assert partly == set(_shipped_states())


def test_interviews_are_planned_held_and_confirmed(demo_session):
    from app.modules.interviews.operations import interview_of

    now = clock.now()
    waiting = _cases_in(demo_session, "exit_interview") + _cases_in(demo_session, "farewell")
    interviews = [interview_of(c) for c in waiting]
    planned = [i for i in interviews if i and i.status == "scheduled"]
    assert planned and all(i.starts_at.replace(tzinfo=i.starts_at.tzinfo or UTC) > now for i in planned)
    held = [i for i in interviews if i and i.status == "held"]
    assert held and all(a["answer"] for i in held for a in i.answers[:3])
    confirmed = [interview_of(c) for c in _cases_in(demo_session, "archived")
                 + _cases_in(demo_session, "retained")]
    assert {i.outcome for i in confirmed if i and i.status == "held"} == {"exit_confirmed", "retained"}


def test_cases_at_settlement_have_a_computed_sheet(demo_session):
    from app.modules.settlement.operations import settlement_for, settlement_preview

    settling = _cases_in(demo_session, "settlement") + [
        c for c in _cases_in(demo_session, "closing") if c.workflow_id == "mutual_agreement"]
    assert {c.workflow_id for c in settling} == {"dismissal", "contract_expiry", "mutual_agreement"}
    for case in settling:
        sheet = settlement_for(case)
        assert sheet is not None and sheet.computed_at is not None and sheet.lines
        assert settlement_preview(case)[1] > 0  # at least the wages of the last month


def test_archived_demo_leavers_have_left_on_their_last_day(demo_session):
    archived = [c for c in _cases_in(demo_session, "archived") if c.employee.name != "陈美丽"]
    assert {c.workflow_id for c in archived} == set(_shipped_states())
    for case in archived:
        assert case.employee.status == "left"
        separation = demo_session.scalars(select(Separation).where(
            Separation.employee_id == case.employee_id)).one()
        assert separation.last_day == case.last_day < china_today()
        assert separation.separation_type == case.workflow_id


def test_the_dates_follow_the_notice_rules(demo_session):
    from app.modules.cases.operations import default_last_day

    for case in demo_session.scalars(select(Case).where(Case.workflow_id.in_(
            ("voluntary_resignation", "probation_resignation")))):
        earliest, _estimated = default_last_day(case.employee, case.notice_date)
        assert case.notice_date <= china_today()
        assert case.requested_last_day >= earliest
        assert case.agreed_last_day is None or case.notice_date < case.agreed_last_day <= case.requested_last_day
        assert (case.workflow_id == "probation_resignation") == case.employee.in_probation(case.notice_date)


def test_one_notice_runs_across_the_next_public_holiday(demo_session):
    from app.modules.workflows.hooks import app_calendar

    calendar = app_calendar()
    across = [case for case in _cases_in(demo_session, "supervisor_review")
              if any(calendar.is_holiday(case.notice_date + timedelta(days=n))
                     for n in range(1, (case.requested_last_day - case.notice_date).days))]
    assert across
    assert all(calendar.is_workday(case.requested_last_day) for case in across)


def test_the_supervisor_has_team_work_waiting(demo_session):
    from app.modules.cases.queries import team_cases
    from app.modules.handover.models import HandoverItem

    supervisor = _user(demo_session, "supervisor")
    team = team_cases(supervisor.employee_id, 1, 100).items
    states = {c.instance.configuration[0].split(".")[0] for c in team}
    assert {"supervisor_review", "handover", "archived"} <= states
    waiting = demo_session.scalars(select(HandoverItem).where(
        HandoverItem.receiver_employee_id == supervisor.employee_id,
        HandoverItem.status == "handed_over")).all()
    assert waiting  # items the supervisor confirms


def test_the_employee_login_has_no_demo_case(demo_session):
    employee = _user(demo_session, "employee").employee
    assert demo_session.scalars(select(Case).where(Case.employee_id == employee.id)).all() == []


def test_a_refused_step_stops_the_demo_loudly(demo_session):
    from app.demo.casework import DemoError, Desk, Fire, Leaving

    draft = _cases_in(demo_session, "draft")[0]
    desk = Desk.open(demo_session, china_today())
    with pytest.raises(DemoError, match="refused"):
        Fire("settle", "hr").run(desk, Leaving(draft, None))
    demo_session.rollback()
    assert draft.instance.configuration == ["draft"]


def test_no_demo_cases_without_the_demo_logins(app, db_url, tmp_path_factory):
    url, kwargs = scratch_url(db_url, tmp_path_factory)
    engine = make_engine(url, **{k: v for k, v in kwargs.items() if not k.startswith("_")})
    load_all_models().create_all(engine)
    try:
        with bound_to(app, engine) as session:
            assert load_demo_cases(session, china_today()) == 0
            assert _count(session, Case) == 0
    finally:
        engine.dispose()
        drop_scratch(db_url, kwargs)
