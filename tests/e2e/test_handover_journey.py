"""Browser journey: the leaver hands items over, the receiver confirms one and disputes one,
the leaver fixes it, IT, administration and finance confirm theirs, both sign, the case moves on."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS, E2E_PASSWORD, _flask

pytestmark = pytest.mark.e2e

STAFF_CSV = """employee_no,name,email,phone,department,position,manager_no,hire_date,contract_end,city,monthly_wage,termination_date,termination_type,reason_code
H100,周主管,zhou@example.com,17000000200,客服二部,客服主管,,2019-03-01,2027-02-28,hohhot,12000,,,
H101,吴离职,wu@example.com,17000000201,客服二部,客服专员,H100,2021-05-09,2027-05-08,hohhot,8000,,,
H102,郑接手,zheng@example.com,17000000202,客服二部,客服专员,H100,2022-05-09,2027-05-08,hohhot,8000,,,
"""


@pytest.fixture(scope="module")
def team(server_env, tmp_path_factory, create_login):
    path = tmp_path_factory.mktemp("csv") / "handover_staff.csv"
    path.write_text(STAFF_CSV, encoding="utf-8")
    _flask(server_env, "employees", "import", str(path))
    create_login("h-boss", employee_no="H100")
    create_login("h-leaver", employee_no="H101")
    create_login("h-successor", employee_no="H102")
    create_login("h-hr", "hr")
    create_login("h-clearance", "it", "admin", "finance")  # one login: the limiter allows 10 a minute


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", E2E_PASSWORD)
    page.click("[data-test=login]")


def item_links(page, case_url: str) -> dict[str, str]:
    """Item key -> item page URL, from the checklist on the case page."""
    page.goto(case_url)
    rows = page.locator("[data-test=checklist] tr[data-key]")
    return {rows.nth(i).get_attribute("data-key"):
            rows.nth(i).locator("[data-test=open-item]").get_attribute("href") for i in range(rows.count())}


def act(page, base_url: str, href: str, action: str, **fields) -> str:
    """Open the item page, fill the action's form (password too), submit; the item's status after."""
    page.goto(base_url + href)
    form = page.locator(f"form[data-action={action}]")
    for name, value in fields.items():
        form.locator(f"[name={action}-{name}]").fill(value)
    if form.locator(f"[name={action}-password]").count():
        form.locator(f"[name={action}-password]").fill(E2E_PASSWORD)
    with page.expect_navigation():
        form.locator(f"[data-test=do-{action}]").click()
    page.goto(base_url + href)
    return page.locator("[data-test^=status-]").first.get_attribute("data-status")


def as_user(browser, base_url: str, username: str, page=None):
    """A browser context signed in as the user, kept for the whole journey (one login each)."""
    if page is None:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
    sign_in(page, base_url, username)
    return page


def walk_to_handover(people, base_url: str) -> str:
    leaver, boss, hr = people["leaver"], people["boss"], people["hr"]
    leaver.goto(base_url + "/cases/new")
    leaver.check("input[name=reasons][value=development]")
    leaver.select_option("select[name=primary_reason]", "development")
    leaver.click("[data-test=save-draft]")
    leaver.click("[data-test=event-submit]")
    case_url = leaver.url
    requested = leaver.locator("[data-test=requested-last-day]").inner_text()
    boss.goto(case_url)
    boss.fill("input[name=approve-agreed_last_day]", requested)
    boss.click("[data-test=event-approve]")
    hr.goto(case_url)
    hr.click("[data-test=event-approve]")
    assert "工作交接" in hr.locator("main").inner_text()
    boss.goto(case_url)  # the supervisor names the successor
    boss.fill("input[name=successor-employee_no]", "H102")
    boss.click("[data-test=name-successor]")
    assert "郑接手" in boss.locator("[data-test=checklist]").inner_text()
    return case_url


def test_items_handed_over_disputed_fixed_confirmed_and_signed_off(page, browser, live_server, team):
    people = {"leaver": as_user(browser, live_server, "h-leaver", page)}
    for name in ("boss", "hr", "successor", "clearance"):
        people[name] = as_user(browser, live_server, f"h-{name}")
    leaver, successor, clearance = people["leaver"], people["successor"], people["clearance"]
    try:
        journey(people, leaver, successor, clearance, live_server)
    finally:
        for name, other in people.items():
            if name != "leaver":
                other.context.close()


def journey(people, leaver, successor, clearance, base):
    case_url = walk_to_handover(people, base)
    links = item_links(leaver, case_url)
    assert set(links) == {"open_work", "documents", "contacts", "accounts", "assets", "money"}
    for key, href in links.items():
        assert act(leaver, base, href, "hand_over", note=f"{key}：见共享盘交接目录") == "handed_over"
    leaver.goto(base + "/handover/inbox")
    assert leaver.locator("[data-test=entry]").count() == 6

    successor.goto(base + "/handover/inbox")
    assert successor.locator("[data-test=entry]").count() == 3  # only the successor's own items
    assert act(successor, base, links["open_work"], "confirm") == "confirmed"
    assert act(successor, base, links["documents"], "dispute", reason="缺少客户回访记录") == "disputed"
    successor.screenshot(path=str(ARTIFACTS / "handover-journey-1-disputed.png"), full_page=True)

    leaver.goto(base + links["documents"])
    assert "缺少客户回访记录" in leaver.locator("[data-test=dispute-reason]").inner_text()
    assert act(leaver, base, links["documents"], "hand_over", note="已补充客户回访记录") == "handed_over"

    for key in ("documents", "contacts"):
        assert act(successor, base, links[key], "confirm") == "confirmed"
    clearance.goto(base + "/handover/inbox")
    assert clearance.locator("[data-test=entry]").count() == 3  # IT, administration, finance items
    for key in ("accounts", "assets", "money"):
        assert act(clearance, base, links[key], "confirm") == "confirmed"

    leaver.goto(case_url)
    assert leaver.locator("[data-test=progress]").inner_text().strip() == "6 / 6"
    assert leaver.locator("[data-test=voided]").count() == 1  # the disputed signature stays visible
    leaver.click("[data-test=event-sign_leaver]")
    successor.goto(case_url)
    successor.click("[data-test=event-sign_receiver]")
    assert "离职面谈" in successor.locator("[data-test=state]").first.inner_text()
    successor.screenshot(path=str(ARTIFACTS / "handover-journey-2-signed-off.png"), full_page=True)
    leaver.goto(case_url)
