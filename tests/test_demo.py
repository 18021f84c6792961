"""The demo company: idempotent, deterministic, with the named people and working logins.

The demo is loaded once for the module into a scratch database (a few seconds), and
each test reads it through `db.session` bound to that database.
"""
from __future__ import annotations

import contextlib
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from app.db import db, make_engine
from app.demo import company, load_demo
from app.engine import runtime
from app.models import load_all_models
from app.modules.auth.models import User
from app.modules.auth.passwords import verify_password
from app.modules.auth.permissions import roles_of
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
    """A scratch database holding the demo; yields (engine, first result, seconds taken)."""
    url, kwargs = scratch_url(db_url, tmp_path_factory)
    engine = make_engine(url, **{k: v for k, v in kwargs.items() if not k.startswith("_")})
    load_all_models().create_all(engine)
    with bound_to(app, engine) as session:
        started = time.monotonic()
        first = load_demo(session)
        session.commit()
        elapsed = time.monotonic() - started
        for path in sorted(WORKFLOWS.glob("*.yaml")):  # as `make run` does before the demo
            runtime.deploy(session, path)
        session.commit()
    yield engine, first, elapsed
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


def test_loading_twice_changes_nothing(demo, demo_session):
    first, totals, second_run = demo
    assert second_run.exit_code == 0, second_run.output
    assert "0 people added" in second_run.output
    assert _totals(demo_session) == totals
    assert first["added_people"] == totals["Employee"]
    assert 280 <= first["current"] <= 320


def test_the_cli_prints_the_logins(demo):
    output = demo[2].output
    for login in company.LOGINS:
        assert login.username in output
    assert company.DEMO_PASSWORD in output


def test_the_journal_authors_are_there(demo_session):
    lei = _employee(demo_session, "雷亚辉")
    assert lei.status == "active" and lei.department.code == "HR" and lei.city == "guangzhou"
    chen = _employee(demo_session, "陈美丽")
    assert chen.status == "left" and chen.name_pinyin == "chenmeili"
    separation = demo_session.scalars(
        select(Separation).where(Separation.employee_id == chen.id)).one()
    assert separation.separation_type == "voluntary_resignation"
    assert separation.last_day.year == 2025 and separation.source == "demo"
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
    last_days = list(demo_session.scalars(select(Separation.last_day)))
    assert min(last_days) >= company.HISTORY_START and max(last_days) < company.TODAY


def test_the_history_has_seasons_and_a_contagion_wave(demo_session):
    def leavers(department_code=None, months=()) -> int:
        query = select(Separation.last_day).join(Employee, Employee.id == Separation.employee_id)
        if department_code:
            query = query.join(Department, Department.id == Employee.department_id).where(
                Department.code == department_code)
        return sum(1 for day in demo_session.scalars(query) if (day.year, day.month) in months)

    spring = ((2025, 2), (2025, 3), (2026, 2), (2026, 3))
    autumn = ((2025, 9), (2025, 10), (2025, 11), (2025, 12))
    assert leavers(months=spring) > 1.5 * leavers(months=autumn)
    team, wave = company.CONTAGION_TEAM, company.CONTAGION_MONTHS
    history = [(year, month) for year in (2025, 2026) for month in range(1, 13)
               if (year, month) not in wave and date(year, month, 1) < company.TODAY]
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
        Assignment.start_date <= date(2026, 11, 28), Assignment.end_date.is_(None)))
    assert headcount == demo_db[1]["current"]


def test_demo_cases_cover_every_type_and_fill_the_queues(demo, demo_session):
    from sqlalchemy import select

    from app.modules.auth.models import User
    from app.modules.cases.models import Case

    assert demo[2].exit_code == 0, demo[2].output
    cases = [c for c in demo_session.scalars(select(Case)) if c.employee.status != "left"]
    assert len(cases) == 20  # however often `flask demo load` ran: the cases are added once
    tops = {(c.workflow_id, c.instance.configuration[0].split(".")[0]) for c in cases}
    assert {w for w, _ in tops} == {"voluntary_resignation", "probation_resignation", "mutual_agreement",
                                    "dismissal", "contract_expiry", "retirement"}
    assert ("voluntary_resignation", "supervisor_review") in tops and ("dismissal", "notice_period") in tops
    supervisor = demo_session.scalar(select(User).where(User.username == "supervisor"))
    assert any(c.manager_id == supervisor.employee_id for c in cases)  # the supervisor has work waiting
