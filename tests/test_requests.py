"""Request handling: control characters refused in one place, bounded ids, numbers and dates,
safe redirects, and the app's own error pages (problem+json under /api/) for every HTTP error.

Each test here is a finding of the fuzz probe (issues 13 and 14); tests/test_fuzz.py sweeps
every route with the same kinds of values.
"""
from __future__ import annotations

import re
from datetime import date
from io import BytesIO
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from flask import abort
from hypothesis import given, settings
from hypothesis import strategies as st

from app.requests import safe_next
from tests.conftest import PASSWORD, csrf_from

pytest_plugins = ["tests.handover_fixtures"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EVIL = "evil.example"


def text(response) -> str:
    return response.get_data(as_text=True)


def english(client):
    """The next requests ask for English (the default language is Chinese)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def sign_in(client, username: str) -> None:
    token = csrf_from(text(client.get("/login")))
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


@pytest.fixture
def hr_client(client, people):
    sign_in(client, "hr")
    return client


# ---------------------------------------------------------------- control characters


def test_a_nul_byte_at_sign_in_is_a_400_in_the_users_language(client, people):
    token = csrf_from(text(client.get("/login")))
    response = client.post("/login", data={"username": "a\x00b", "password": "x", "csrf_token": token})
    assert response.status_code == 400
    assert "控制字符" in text(response)  # the default language is Chinese
    english(client)
    response = client.post("/login", data={"username": "a\x00b", "password": "x", "csrf_token": token})
    assert response.status_code == 400 and "control characters" in text(response)


@pytest.mark.parametrize("url", ["/cases/queue?state=%00", "/cases/queue?%00=1", "/cases/queue?type=a%1Bb",
                                 "/cases/queue?sort=%7F", "/cases/queue?state=%C2%85", "/cases/queue?state=a%09b",
                                 "/verify/a%00b", "/survey/%0A"])
def test_control_characters_in_a_query_or_path_are_a_400(hr_client, url):
    response = hr_client.get(url)
    assert response.status_code == 400 and "控制字符" in text(response)


def test_tab_and_line_breaks_are_text_in_a_form_field(client, people):
    """A textarea sends CR LF; only a query string, a path or a name refuses them."""
    english(client)
    token = csrf_from(text(client.get("/login")))
    response = client.post("/login", data={"username": "hr", "password": "a\tb\r\nc", "csrf_token": token})
    assert response.status_code == 200 and "not correct" in text(response)


def test_a_file_name_with_a_nul_byte_is_a_400_not_a_database_error(hr_client, handover_case, session):
    """PostgreSQL refuses NUL in text: before, the attachment's name gave a 500 there."""
    from app.modules.cases.models import CaseAttachment

    token = csrf_from(text(hr_client.get(f"/cases/{handover_case.id}")))
    response = hr_client.post(f"/cases/{handover_case.id}/attachments", content_type="multipart/form-data",
                              data={"csrf_token": token, "file": (BytesIO(PNG), "scan\x00.png")})
    assert response.status_code == 400 and "控制字符" in text(response)
    assert session.query(CaseAttachment).count() == 0


def test_the_api_refuses_control_characters_and_bad_json_as_problem_json(client, people, make_user):
    from app.modules.auth.operations import create_api_token

    _token, secret = create_api_token(people.hr_user, "test")
    headers = {"Authorization": f"Bearer {secret}", "Accept-Language": "en"}
    response = client.get("/api/v1/analytics/turnover?from=%00", headers=headers)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 400 and problem["title"] == "Bad request" and "control" in problem["detail"]
    for body in ('{"from": ', '{"from": "\\u0000"}', "[" * 100000):
        response = client.get("/api/v1/analytics/turnover", data=body, content_type="application/json",
                              headers=headers)
        assert response.status_code == 400 and response.mimetype == "application/problem+json", body[:10]


# ---------------------------------------------------------------- bounded numbers, ids and dates


@pytest.mark.parametrize("value", ["99999999999999999999999", "0", "-1", "1_0", "x"])
def test_a_bad_department_on_the_queue_is_a_400_that_names_it(hr_client, value):
    english(hr_client)
    response = hr_client.get(f"/cases/queue?department={value}")
    assert response.status_code == 400
    assert "department" in text(response) and "whole number from 1 to 2147483647" in text(response)


def test_full_width_digits_are_digits(hr_client, people):
    """A Chinese input method types １２: the queue reads it as 12."""
    wide = "".join(chr(0xFF10 + int(d)) for d in str(people.dept.id))
    response = hr_client.get(f"/cases/queue?department={wide}")
    assert response.status_code == 200
    assert re.search(rf'<option value="{people.dept.id}" selected>', text(response))


@pytest.mark.parametrize("value", ["99999999999999999999999", "0", "-1", "１２３４５"])
def test_an_unknown_department_on_the_analytics_pages_is_a_form_error(hr_client, value):
    for url in ("/analytics/", "/analytics/forecast", "/analytics/export.csv", "/analytics/report.pdf"):
        response = hr_client.get(f"{url}?department={value}")
        assert response.status_code == 400, url


def test_the_api_refuses_an_out_of_range_department_as_problem_json(client, people):
    from app.modules.auth.operations import create_api_token

    _token, secret = create_api_token(people.hr_user, "test")
    for value in ("99999999999999999999999", "0", "-1", "１２３４５"):
        response = client.get(f"/api/v1/analytics/turnover?from=2024-01&to=2024-02&department={value}",
                              headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 400 and response.mimetype == "application/problem+json", value
        assert response.get_json()["detail"]


def test_a_blank_month_is_no_month(hr_client):
    """`?start=%20` was read as a month and gave a 500; blank is the default range now."""
    for url in ("/analytics/", "/analytics/reasons", "/analytics/export.csv"):
        assert hr_client.get(f"{url}?start=%20&end=%20").status_code == 200, url


@pytest.mark.parametrize("month", ["0000-01", "1899-12", "2201-01", "９９９９-01"])
def test_a_month_outside_1900_to_2200_is_a_form_error(hr_client, month):
    english(hr_client)
    response = hr_client.get(f"/analytics/?start={month}")
    assert response.status_code == 400


@pytest.mark.parametrize("fields", [{"notice_date": "9999-12-31"}, {"notice_date": "9999-12-31", "recalculate": "1"},
                                    {"requested_last_day": "0001-01-01"}])
def test_a_far_date_on_the_filing_form_is_a_form_error(client, people, shipped_workflows, fields):
    english(client)
    sign_in(client, "leaver")
    token = csrf_from(text(client.get("/cases/new")))
    data = {"reasons": ["workload"], "primary_reason": "workload", "statement": "",
            "notice_date": date.today().isoformat(), "requested_last_day": date.today().isoformat(),
            "csrf_token": token, **fields}
    response = client.post("/cases/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 200  # the form again, with the error next to the field
    assert "Enter a date between 1900-01-01 and 2200-12-31." in text(response)


@pytest.mark.parametrize("url", ["/cases/99999999999999999999", "/cases/１２", "/alumni/2147483648",
                                 "/admin/workflows/voluntary_resignation/99999999999999999999"])
def test_an_id_out_of_range_in_the_path_is_a_404(client, people, url):
    sign_in(client, "hradmin")
    assert client.get(url).status_code == 404


def test_the_number_parsers_bound_what_they_read():
    from app.params import ParameterError, parse_date, parse_decimal, parse_int

    assert parse_int(" １２ ") == 12 and parse_int("-3", minimum=-5) == -3
    for bad in ("", "1_000", "٣", "+5", "1e3", "2147483648", "0"):
        with pytest.raises(ParameterError):
            parse_int(bad)
    assert str(parse_decimal("１２．５")) == "12.5"
    for bad in ("NaN", "Infinity", "1e999", "10000000000", "1,5"):
        with pytest.raises(ParameterError):
            parse_decimal(bad)
    assert parse_date("2200-12-31") == date(2200, 12, 31)
    for bad in ("9999-12-31", "1899-12-31", "2025-02-30", "2025-1-1"):
        with pytest.raises(ParameterError):
            parse_date(bad)


# ---------------------------------------------------------------- redirects


UNSAFE = ["//evil.example/x", "/\t/evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example/",
          "javascript:alert(1)", " /cases", "/cases\n", "/\u202e/x", "/ /evil.example", "http:/evil.example",
          "", None, "cases/1", "/\x00", "/" + "x" * 3000]


@pytest.mark.parametrize("target", UNSAFE)
def test_safe_next_refuses_other_hosts_and_tricks(target):
    assert safe_next(target, "/fallback") == "/fallback"


@pytest.mark.parametrize("target", ["/", "/cases/12", "/cases/queue?state=a,b&page=2", "/alumni#x", "/%2F%2Fx"])
def test_safe_next_keeps_paths_on_this_site(target):
    assert safe_next(target, "/fallback") == target


@settings(max_examples=300, derandomize=True, database=None)
@given(st.text(max_size=40).map(lambda t: "/" + t) | st.text(max_size=40))
def test_whatever_safe_next_accepts_stays_on_this_host(target):
    kept = safe_next(target, "/fallback")
    resolved = urlsplit(urljoin("https://sendoff.example/here/", kept.replace("\\", "/")))
    assert resolved.netloc == "sendoff.example" and kept.startswith("/")
    assert not any(c.isspace() or ord(c) < 32 for c in kept)


def test_the_handover_forms_next_never_leaves_the_site(client, session, handover_case, people, item_post):
    """`next=/\\t/evil.example` redirected to //evil.example (browsers drop the tab)."""
    from tests.handover_fixtures import items_by_key

    item = items_by_key(session, handover_case)["open_work"]
    sign_in(client, "leaver")
    page = text(client.get(f"/cases/{handover_case.id}/handover/items/{item.id}"))
    form = re.search(r'<form[^>]*data-action="hand_over".*?</form>', page, re.S).group(0)
    version = re.search(r'name="[\w-]*version"[^>]*value="(\d+)"', form).group(1)
    response = client.post(f"/cases/{handover_case.id}/handover/items/{item.id}/hand-over", data={
        "hand_over-csrf_token": csrf_from(form), "hand_over-version": version,
        "hand_over-password": PASSWORD, "hand_over-note": "清单", "next": "/\t/evil.example"},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert EVIL not in response.headers["Location"]
    assert response.headers["Location"].endswith(f"/cases/{handover_case.id}#handover")


@pytest.mark.parametrize("target", ["//evil.example/x", "/\t/evil.example", "/\\evil.example", "/%09/x"])
def test_the_language_switch_and_sign_in_never_leave_the_site(client, people, target):
    token = csrf_from(text(client.get("/login")))
    response = client.post("/language/en", data={"csrf_token": token, "next": target})
    assert response.status_code == 302 and EVIL not in response.headers["Location"]
    query = urlencode({"next": target})
    response = client.post(f"/login?{query}", data={"username": "hr", "password": PASSWORD, "csrf_token": token})
    if "\t" in target:  # a TAB in a query string is refused at the door
        assert response.status_code == 400
    else:
        assert response.status_code == 302 and EVIL not in response.headers["Location"]


# ---------------------------------------------------------------- error pages


@pytest.mark.parametrize("method,url", [("GET", "/no-such-page"), ("PUT", "/cases/queue"),
                                        ("GET", "/cases/queue?department=-1")])
def test_every_error_page_of_a_signed_in_user_is_not_stored(hr_client, method, url):
    response = hr_client.open(url, method=method)
    assert response.status_code >= 400
    assert response.headers["Cache-Control"] == "no-store"


def test_405_is_the_apps_own_page_in_both_languages(client, people):
    response = client.put("/login")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert "navbar" in text(response) and "不允许" in text(response)
    english(client)
    assert "This page cannot be used that way" in text(client.put("/login"))


CODES = [400, 401, 403, 404, 405, 409, 413, 429, 500, 503]


@pytest.mark.parametrize("code", CODES)
def test_every_http_error_is_the_apps_page_or_problem_json(app, client, people, monkeypatch, code):
    """Each code, raised by a view, gives the app's page (in both languages) and, under /api/,
    an RFC 9457 problem."""
    monkeypatch.setitem(app.view_functions, "auth.login", lambda: abort(code))
    monkeypatch.setitem(app.view_functions, "api_records.turnover", lambda: abort(code))
    response = client.get("/login")
    assert response.status_code == code and "navbar" in text(response)
    zh = text(response)
    english(client)
    en = text(client.get("/login"))
    assert zh != en and re.search(r"<h1[^>]*>([^<]+)</h1>", en).group(1).isascii()
    problem = client.get("/api/v1/analytics/turnover")
    assert problem.status_code == code and problem.mimetype == "application/problem+json"
    assert set(problem.get_json()) >= {"type", "title", "status", "detail"} and problem.get_json()["status"] == code


def test_a_12_mb_upload_gets_a_clear_413_in_the_users_language(hr_client, handover_case):
    token = csrf_from(text(hr_client.get(f"/cases/{handover_case.id}")))
    big = BytesIO(PNG + b"\x00" * (12 * 1024 * 1024))
    response = hr_client.post(f"/cases/{handover_case.id}/attachments", content_type="multipart/form-data",
                              data={"csrf_token": token, "file": (big, "scan.png")})
    assert response.status_code == 413
    assert "10 MB" in text(response) and "navbar" in text(response) and "大于" in text(response)


def test_a_10_mb_file_still_fits_in_a_form(app):
    """The largest file a form takes (the verification page's 10 MB PDF) and the rest of the form."""
    assert app.config["MAX_CONTENT_LENGTH"] > 10 * 1024 * 1024


def _failed_flush():
    """A view whose flush fails (a duplicate user name), leaving the session unusable."""
    from app.db import db
    from app.modules.auth.models import User

    db.session.add(User(username="hr", password_hash="x", session_token="dup"))
    db.session.flush()


def test_the_500_page_renders_after_a_failed_flush(app, client, session, people, monkeypatch):
    """Before, the error page itself needed the broken session and crashed too."""
    session.commit()  # the people survive the error page's rollback
    sign_in(client, "hr")
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setitem(app.view_functions, "home.index", _failed_flush)
    response = client.get("/")
    assert response.status_code == 500
    assert "出错" in text(response) and people.hr_user.display_name in text(response)


def test_a_4xx_after_a_swallowed_flush_failure_renders_too(app, client, session, people, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    def swallowing_view():
        try:
            _failed_flush()
        except IntegrityError:
            abort(409)

    session.commit()
    sign_in(client, "hr")
    monkeypatch.setitem(app.view_functions, "home.index", swallowing_view)
    response = client.get("/")
    assert response.status_code == 409 and people.hr_user.display_name in text(response)
