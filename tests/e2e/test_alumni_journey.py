"""The end of the journey: HR runs the exit interview, the case is archived, the alumna
downloads her certificate, HR finds her by pinyin and sees her re-hire eligibility."""
from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from app.clock import today
from tests.e2e.conftest import E2E_PASSWORD, ROOT

pytestmark = pytest.mark.e2e

SEED = r'''
import sys
from datetime import UTC, datetime, timedelta
from sqlalchemy import select
from app import create_app
from app.db import db
from app.models import load_all_models

app = create_app()
with app.app_context():
    # Until the lead's migrations for this round exist: create the new tables and rebuild
    # (empty) tables whose models gained columns. A no-op once `alembic upgrade head` has them.
    from sqlalchemy import inspect
    metadata, found = load_all_models(), inspect(db.engine)
    for table in reversed(metadata.sorted_tables):
        if found.has_table(table.name) and {c.name for c in table.columns} - {
                c["name"] for c in found.get_columns(table.name)}:
            with db.engine.begin() as conn:
                conn.exec_driver_sql(f'DROP TABLE "{table.name}"')
    metadata.create_all(db.engine)
    from app.demo.alumni import drive_to_interview
    from sqlalchemy.orm import sessionmaker

    from app.engine.outbox import PENDING_KEY, drain
    from app.modules.auth.operations import create_user
    from app.modules.cases.operations import open_case
    from app.modules.employees.models import Department
    from app.modules.employees.operations import hire_employee
    dept = Department(code="E2E-AL", name_zh="催收三部", name_en="Collections 3", path="/")
    db.session.add(dept); db.session.flush()
    today = datetime.now(UTC).date()
    boss = hire_employee(employee_no="E2E-AL0", name="王主管", hire_date=today - timedelta(days=3000),
                         department=dept)
    leaver = hire_employee(employee_no="E2E-AL1", name="陈美丽", hire_date=today - timedelta(days=2000),
                           department=dept, manager=boss, email="meili@example.com")
    hire_employee(employee_no="E2E-AL2", name="李接手", hire_date=today - timedelta(days=900),
                  department=dept, manager=boss)
    hr = create_user("e2e-al-hr", sys.argv[1], roles=("hr_admin",))
    user = create_user("e2e-al-leaver", sys.argv[1], employee_id=leaver.id)
    case = open_case(leaver, "voluntary_resignation", hr, reason_codes=["career"],
                     primary_reason="career", notice_date=today - timedelta(days=40),
                     requested_last_day=today - timedelta(days=2))
    drive_to_interview(db.session, case, user, hr, datetime.now(UTC))
    db.session.info.pop(PENDING_KEY, None)
    db.session.commit()
    drain(sessionmaker(bind=db.engine, expire_on_commit=False))
    print(case.id)
'''


@pytest.fixture(scope="module")
def waiting_case(server_env) -> int:
    out = subprocess.run([sys.executable, "-c", SEED, E2E_PASSWORD], cwd=ROOT, env=server_env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return int(out.stdout.strip().splitlines()[-1])


def _sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", E2E_PASSWORD)
    page.click("[data-test=login]")


def test_interview_archive_certificate_and_lookup(browser, page, live_server, waiting_case):
    base = live_server
    _sign_in(page, base, "e2e-al-hr")
    page.goto(f"{base}/cases/{waiting_case}/interview")
    page.fill("input[name=s-starts_at]", f"{today() + timedelta(days=7)}T10:00")  # ahead, never past
    page.fill("input[name=s-location]", "三楼小会议室")
    page.click("[data-form=schedule] button[type=submit]")
    page.fill("#answer_main_reason", "想做风控分析")
    page.fill("textarea[name=a-notes]", "只给人事看的备注")
    page.click("[data-form=answers] button[type=submit]")
    page.select_option("select[name=c-reasons]", ["career", "pay_benefits"])
    page.select_option("select[name=c-primary]", "career")
    for name in ("c-voluntary", "c-regrettable", "c-avoidable"):
        page.check(f"input[name={name}][value=yes]")
    page.check("input[name=c-outcome][value=exit_confirmed]")
    page.click("[data-form=confirm] button[type=submit]")
    page.wait_for_url(f"{base}/cases/{waiting_case}")
    assert "只给人事看的备注" in page.locator("main").inner_text()

    alumna = browser.new_context(locale="zh-CN").new_page()
    _sign_in(alumna, base, "e2e-al-leaver")
    alumna.wait_for_url(f"{base}/me/alumni")
    # The certificate is rendered by a background job after the archive step: reload until it is listed.
    for _ in range(60):
        if alumna.locator("[data-certificates] a").count():
            break
        alumna.wait_for_timeout(500)
        alumna.reload()
    with alumna.expect_download() as download:
        alumna.click("[data-certificates] a")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert alumna.goto(f"{base}/cases/{waiting_case}").status == 403
    alumna.context.close()

    search_alumni(page, base, "chenmeili")
    row = page.locator("[data-employee-no=E2E-AL1]")
    assert "陈美丽" in row.inner_text()
    row.locator("a").click()
    page.select_option("select[name=e-eligibility]", "eligible")
    page.select_option("select[name=e-reason_code]", "good_record")
    page.fill("textarea[name=e-justification]", "表现良好")
    page.click("[data-form=eligibility] button[type=submit]")
    search_alumni(page, base, "cml")
    assert page.locator("[data-employee-no=E2E-AL1] [data-eligibility]").get_attribute(
        "data-eligibility") == "eligible"


def search_alumni(page, base: str, query: str) -> None:
    """The look-up is a POST form, so the query never lands in a URL."""
    page.goto(f"{base}/alumni")
    page.fill("[data-form=alumni-search] input[name=q]", query)
    page.click("[data-form=alumni-search] button[type=submit]")
    page.wait_for_load_state()
