"""Browser journey: an employee files a resignation in Chinese, the supervisor and HR approve."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS, E2E_PASSWORD, _flask

pytestmark = pytest.mark.e2e

STAFF_CSV = """employee_no,name,email,phone,department,position,manager_no,hire_date,contract_end,city,monthly_wage,termination_date,termination_type,reason_code
J100,刘组长,lead@example.com,17000000100,催收一部,催收组长,,2019-03-01,2027-02-28,hohhot,12000,,,
J101,张晓燕,zhang@example.com,17000000101,催收一部,催收员,J100,2022-05-09,2026-05-08,hohhot,8000,,,
"""


@pytest.fixture(scope="module")
def staff(server_env, tmp_path_factory, create_login):
    path = tmp_path_factory.mktemp("csv") / "staff.csv"
    path.write_text(STAFF_CSV, encoding="utf-8")
    _flask(server_env, "employees", "import", str(path))
    create_login("j-lead", employee_no="J100")
    create_login("j-leaver", employee_no="J101")
    create_login("j-hr", "hr")


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", E2E_PASSWORD)
    page.click("[data-test=login]")


def sign_out(page) -> None:
    page.click("[data-test=logout]")


def test_employee_files_supervisor_and_hr_approve(page, live_server, staff):
    sign_in(page, live_server, "j-leaver")
    page.goto(live_server + "/cases/new")
    assert page.locator("h1").inner_text() == "提交辞职申请"
    page.check("input[name=reasons][value=pay_benefits]")
    page.check("input[name=reasons][value=development]")
    page.select_option("select[name=primary_reason]", "pay_benefits")
    page.fill("textarea[name=statement]", "感谢公司多年的培养。")
    page.click("[data-test=save-draft]")
    assert "感谢公司多年的培养。" in page.locator("main").inner_text()  # the preview
    page.click("[data-test=event-submit]")
    assert "上级审批" in page.locator("[data-test=state]").first.inner_text()
    case_url = page.url
    requested = page.locator("[data-test=requested-last-day]").inner_text()
    page.screenshot(path=str(ARTIFACTS / "case-journey-1-submitted.png"), full_page=True)
    sign_out(page)

    sign_in(page, live_server, "j-lead")
    page.goto(case_url)
    page.fill("input[name=approve-agreed_last_day]", requested)
    page.click("[data-test=event-approve]")
    assert "人力资源审核" in page.locator("[data-test=state]").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "case-journey-2-supervisor.png"), full_page=True)
    sign_out(page)

    sign_in(page, live_server, "j-hr")
    page.goto(live_server + "/cases/queue")
    assert "张晓燕" in page.locator("main").inner_text()
    page.goto(case_url)
    page.click("[data-test=event-approve]")
    assert "工作交接" in page.locator("main").inner_text()
    assert "批准" in page.locator("[data-test=timeline]").inner_text()
