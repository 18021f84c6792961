"""Shared fixtures: one app per run, a per-test rollback session, factories.

The suite runs on SQLite by default and on PostgreSQL when SENDOFF_TEST_DATABASE_URL
is set. Tests that need real commits from several threads or processes use `fresh_db`,
a separate schema (PostgreSQL) or file (SQLite) created for the test and dropped after.
"""
from __future__ import annotations

import contextvars
import itertools
import os
import re
import shutil
import tempfile
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from app import create_app
from app.db import Base, db, make_engine, normalize_url
from app.models import load_all_models

pytest.register_assert_rewrite("tests.case_types_fixtures", "tests.api_fixtures")
PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def pytest_configure(config):
    """A temporary folder of this run's own: pytest prunes all but the newest three runs' folders
    under one shared root, so runs at the same time would delete each other's files."""
    if config.option.basetemp is None and not hasattr(config, "workerinput"):
        config.option.basetemp = config._sendoff_basetemp = tempfile.mkdtemp(prefix="sendoff-pytest-")


def compile_catalogs(folder: Path) -> list[Path]:
    """Compile every .po whose .mo is missing or older, so a plain `pytest` reads the same
    messages as `make test`; returns the catalogs compiled."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for po in sorted(folder.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parts[-3])
        with mo.open("wb") as target:
            write_mo(target, catalog)
        compiled.append(mo)
    return compiled


def pytest_sessionstart(session):
    compile_catalogs(ROOT_TRANSLATIONS)


def pytest_unconfigure(config):
    folder = getattr(config, "_sendoff_basetemp", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def pytest_collection_modifyitems(items):
    """Browser journeys run last: they are the slowest and the least specific when they fail."""
    items.sort(key=lambda item: "/e2e/" in str(item.fspath))


def pytest_report_header(config):
    return f"database: {_describe(os.environ.get('SENDOFF_TEST_DATABASE_URL') or 'sqlite')}"


def _describe(url: str) -> str:
    return re.sub(r"//[^@/]*@", "//", url)


@pytest.fixture(scope="session")
def db_url(tmp_path_factory) -> str:
    """The database under test: PostgreSQL when configured, else a temporary SQLite file."""
    url = os.environ.get("SENDOFF_TEST_DATABASE_URL")
    if url:
        return normalize_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def scratch_url(db_url: str, tmp_path_factory=None, name: str | None = None) -> tuple[str, dict]:
    """A URL (and engine kwargs) for an isolated, empty database beside the one under test."""
    name = name or f"t_{uuid.uuid4().hex[:10]}"
    if db_url.startswith("sqlite"):
        folder = tmp_path_factory.mktemp(name) if tmp_path_factory else None
        return f"sqlite:///{folder / 'scratch.db'}", {}
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{name}"'))
    engine.dispose()
    return db_url, {"connect_args": {"options": f"-csearch_path={name}"}, "_schema": name}


def drop_scratch(db_url: str, kwargs: dict) -> None:
    schema = kwargs.get("_schema")
    if schema:
        engine = make_engine(db_url)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def drop_every_table(engine) -> None:
    """Drop what is there, including tables an older checkout created and this one does not know."""
    from sqlalchemy import MetaData

    existing = MetaData()
    existing.reflect(engine)
    existing.drop_all(engine)


@pytest.fixture(scope="session")
def app(db_url, tmp_path_factory):
    """One application for the run, with a freshly created schema."""
    from app.modules.auth.passwords import use_fast_hashing_for_tests

    use_fast_hashing_for_tests()
    application = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": db_url,
        "SERVER_NAME": "localhost",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "MAIL_ENABLED": False,
        "REDIS_URL": None,
        # Jobs run on their own connection; under the per-test transaction they would wait
        # for its lock, so tests run them explicitly (outbox.run_job / drain).
        "OUTBOX_DISPATCH_AFTER_COMMIT": False,
        "DOCUMENTS_DIR": str(tmp_path_factory.mktemp("documents")),
        "UPLOADS_DIR": str(tmp_path_factory.mktemp("uploads")),
        "AUDIT_CHECKPOINT_DIR": str(tmp_path_factory.mktemp("audit-checkpoints")),
    })
    metadata = load_all_models()
    with application.app_context():
        drop_every_table(db.engine)
        metadata.create_all(db.engine)
        _deploy_shipped_workflows()
    yield application
    db.engine.dispose()


ROOT_TRANSLATIONS = Path(__file__).resolve().parent.parent / "app" / "translations"
SHIPPED: list[tuple[str, int]] = []  # (workflow id, version) deployed once for the run


def _deploy_shipped_workflows() -> None:
    """Deploy every definition in workflows/ once, committed: every test sees them."""
    from app.engine import runtime

    with sessionmaker(bind=db.engine)() as session:
        for path in sorted((Path(__file__).resolve().parent.parent / "workflows").glob("*.yaml")):
            row, _created = runtime.deploy(session, path)
            SHIPPED.append((row.workflow_id, row.version))
        session.commit()


@pytest.fixture
def session(app):
    """A session whose work is rolled back after the test; commits become savepoints."""
    connection = db.engine.connect()
    outer = connection.begin()
    db.session.remove()
    original = dict(db.session.session_factory.kw)
    db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    db.keep_session = True
    ctx = app.app_context()
    ctx.push()
    try:
        yield db.session()
    finally:
        ctx.pop()
        db.keep_session = False
        db.session.remove()
        db.session.session_factory.kw.clear()
        db.session.session_factory.kw.update(original)
        outer.rollback()
        connection.close()


class IsolatedClient(FlaskClient):
    """Runs each request in an empty context, so the test's own app context (and its `g`,
    where Flask-Login and Flask-Babel cache per request) is not shared with the request."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app, session):
    """A test client sharing the test's session; the rate limiter starts empty."""
    from app.extensions import limiter

    limiter.reset()
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def fresh_db(db_url, tmp_path_factory):
    """A sessionmaker on a separate, empty, committed schema (for concurrency tests)."""
    url, kwargs = scratch_url(db_url, tmp_path_factory)
    engine_kwargs = {k: v for k, v in kwargs.items() if not k.startswith("_")}
    engine = make_engine(url, **engine_kwargs)
    metadata = load_all_models()
    metadata.create_all(engine)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    factory.url = url
    factory.engine_kwargs = engine_kwargs
    yield factory
    engine.dispose()
    drop_scratch(db_url, kwargs)


def csrf_from(html: str) -> str:
    match = re.search(r'name="[\w-]*csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def login(client):
    """Sign a user in through the real form; returns the response."""
    def _login(username: str, password: str = PASSWORD, follow_redirects=True):
        token = csrf_from(client.get("/login").get_data(as_text=True))
        return client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token}, follow_redirects=follow_redirects)
    return _login


@pytest.fixture
def post_form(client):
    """POST a form with a CSRF token taken from the page that shows it."""
    def _post(url: str, data: dict, page: str | None = None, **kwargs):
        token = csrf_from(client.get(page or url).get_data(as_text=True))
        return client.post(url, data={**data, "csrf_token": token}, **kwargs)
    return _post


@pytest.fixture
def make_department(session):
    from app.modules.employees.models import Department

    def _make(code=None, name_zh="测试部", name_en="Test department", parent=None):
        n = next(_counter)
        dept = Department(code=code or f"D{n}", name_zh=name_zh, name_en=name_en,
                          parent_id=parent.id if parent else None)
        session.add(dept)
        session.flush()
        dept.path = (parent.path if parent else "/") + f"{dept.id}/"
        return dept
    return _make


@pytest.fixture
def make_employee(session, make_department):
    from app.modules.employees.models import Employee

    def _make(**kw):
        n = next(_counter)
        if "department" not in kw and "department_id" not in kw:
            kw["department"] = make_department()
        kw.setdefault("employee_no", f"E{n:05d}")
        kw.setdefault("name", f"员工{n}")
        kw.setdefault("email", f"e{n}@example.com")
        kw.setdefault("hire_date", date(2020, 1, 1))
        kw.setdefault("monthly_wage", Decimal("8000"))
        employee = Employee(**kw)
        session.add(employee)
        session.flush()
        return employee
    return _make


@pytest.fixture
def make_user(session):
    from app.modules.auth.operations import create_user

    def _make(username=None, roles=(), employee=None, password=PASSWORD, **kw):
        username = username or f"user{next(_counter)}"
        user = create_user(username, password, roles=roles,
                           employee_id=employee.id if employee else None, **kw)
        session.flush()
        return user
    return _make


__all__ = ["Base", "PASSWORD", "csrf_from", "drop_scratch", "scratch_url"]


@pytest.fixture
def shipped_workflows(session):
    """The definitions in workflows/, deployed once for the run (see `app`)."""
    from app.engine import runtime

    return [runtime.get_definition(session, workflow_id, version) for workflow_id, version in SHIPPED]


@pytest.fixture
def people(session, make_employee, make_user, make_department):
    """A small team: a leaver, their supervisor, another supervisor, a successor, HR people."""
    from types import SimpleNamespace

    dept = make_department(name_zh="催收一部", name_en="Collections 1")
    boss = make_employee(name="王主管", department=dept, employee_no="B001")
    other_boss = make_employee(name="赵主管", department=dept, employee_no="B002")
    leaver = make_employee(name="陈美丽", department=dept, manager_id=boss.id, employee_no="L001",
                           hire_date=date(2021, 3, 1))
    successor = make_employee(name="李接手", department=dept, manager_id=boss.id, employee_no="S001")
    other = make_employee(name="孙其他", department=dept, manager_id=other_boss.id, employee_no="O001")
    return SimpleNamespace(
        dept=dept, boss=boss, other_boss=other_boss, leaver=leaver, successor=successor, other=other,
        leaver_user=make_user("leaver", employee=leaver), boss_user=make_user("boss", employee=boss),
        other_boss_user=make_user("otherboss", employee=other_boss),
        successor_user=make_user("successor", employee=successor),
        hr_user=make_user("hr", roles=("hr",)), hr_admin_user=make_user("hradmin", roles=("hr_admin",)),
    )
