"""End-to-end journeys in a real browser."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import E2E_PASSWORD

pytestmark = pytest.mark.e2e


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", E2E_PASSWORD)
    page.click("[data-test=login]")


def test_sign_in_in_chinese_switch_to_english_sign_out(page, live_server, create_login):
    create_login("e2e-hr", "hr")
    page.goto(live_server + "/login")
    assert page.locator("h1").inner_text() == "登录"
    sign_in(page, live_server, "e2e-hr")
    assert "人事待办" in page.locator("main").inner_text()
    page.click("button[data-lang=en]")
    assert "HR queue" in page.locator("main").inner_text()
    assert page.locator("html").get_attribute("lang") == "en"
    page.click("[data-test=logout]")
    assert page.url.startswith(live_server + "/login")
    assert "You have signed out on every device." in page.locator("main").inner_text()
