"""Analytics pages, exports, the PDF report, the CLI and the API, as HR, auditors and others see them."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook

from app.modules.analytics.synthetic import generate_company
from app.modules.auth.operations import create_api_token

Q = "start=2023-01&end=2023-12"


@pytest.fixture
def company(session):
    return generate_company(session, employees=250, start=date(2021, 1, 1), end=date(2023, 12, 31), seed=3)


@pytest.fixture
def hr(make_user, login):
    user = make_user(roles=("hr",))
    login(user.username)
    return user


@pytest.mark.parametrize("page", ["", "reasons", "contagion", "cost", "forecast", "compare"])
def test_hr_sees_every_analytics_page(client, company, hr, page):
    response = client.get(f"/analytics/{page}?{Q}")
    assert response.status_code == 200
    assert "<svg" in response.get_data(as_text=True) or page in ("contagion", "forecast", "compare")


def test_rates_page_names_the_formula_and_has_a_table_under_the_chart(client, company, hr):
    html = client.get(f"/analytics/?{Q}&formula=average_headcount").get_data(as_text=True)
    assert "leavers / ((headcount_start + headcount_end) / 2)" in html
    assert html.index("<svg") < html.index("<table")
    html = client.get(f"/analytics/?{Q}&formula=leavers_plus_end").get_data(as_text=True)
    assert "leavers / (leavers + headcount_end)" in html


def test_auditor_may_look(client, company, make_user, login):
    auditor = make_user(roles=("auditor",))
    login(auditor.username)
    assert client.get(f"/analytics/?{Q}").status_code == 200


def test_other_roles_may_not(client, company, make_user, login):
    nobody = make_user(roles=("it",))
    login(nobody.username)
    assert client.get(f"/analytics/?{Q}").status_code == 403
    assert client.get(f"/analytics/export.csv?{Q}").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/analytics/")
    assert response.status_code in (302, 401)


def test_a_bad_month_gets_a_clear_message(client, hr):
    response = client.get("/analytics/?start=2023-13&end=2023-12")
    assert response.status_code == 400
    assert "YYYY-MM" in response.get_data(as_text=True)
    response = client.get("/analytics/?start=2024-05&end=2024-01")
    assert response.status_code == 400


def test_no_data_is_said_honestly_on_the_comparison(client, company, hr):
    html = client.get(f"/analytics/compare?{Q}").get_data(as_text=True)
    assert 'data-test="no-data"' in html


def test_csv_and_xlsx_exports_carry_the_formula(client, company, hr):
    text = client.get(f"/analytics/export.csv?{Q}&group_by=position").get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(text)))
    assert "leavers / (leavers + headcount_end)" in lines[0][0]
    assert lines[1][:5] == ["period", "group", "headcount_start", "headcount_end", "leavers"]
    assert len(lines) > 3
    body = client.get(f"/analytics/export.xlsx?{Q}").data
    sheet = load_workbook(io.BytesIO(body)).active
    assert "headcount_end" in sheet["A1"].value and sheet["A2"].value == "period"


def test_monthly_report_is_a_pdf(client, company, hr):
    response = client.get("/analytics/report.pdf?start=2023-10&end=2023-12")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")


# ------------------------------------------------------------------------------ CLI and API

def _cli(app, *args):
    result = app.test_cli_runner().invoke(args=["analytics", "turnover", *args])
    return result


def test_cli_prints_rows_as_json_and_csv(app, company):
    result = _cli(app, "--from", "2023-01", "--to", "2023-03", "--group-by", "department",
                  "--formula", "average_headcount", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert set(rows[0]) == {"period", "group", "headcount_start", "headcount_end", "leavers", "rate"}
    assert all(0 <= r["rate"] <= 2 for r in rows if r["rate"] is not None)
    result = _cli(app, "--from", "2023-01", "--to", "2023-03", "--group-by", "position",
                  "--formula", "leavers_plus_end", "--format", "csv")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "period,group,headcount_start,headcount_end,leavers,rate"


def test_cli_refuses_a_bad_month(app):
    result = _cli(app, "--from", "2023-1", "--to", "2023-03")
    assert result.exit_code != 0 and "YYYY-MM" in result.output


def test_api_returns_the_same_rows_as_the_cli(app, client, company, make_user):
    user = make_user(roles=("hr",))
    _token, secret = create_api_token(user, "analytics")
    args = ["--from", "2023-01", "--to", "2023-06", "--group-by", "position", "--formula", "leavers_plus_end"]
    cli_rows = json.loads(_cli(app, *args, "--format", "json").output)
    response = client.get("/api/v1/analytics/turnover?from=2023-01&to=2023-06&group-by=position"
                          "&formula=leavers_plus_end", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.get_json()["rows"] == cli_rows


def test_api_needs_a_token_of_hr_or_an_auditor(client, company, make_user):
    assert client.get("/api/v1/analytics/turnover?from=2023-01&to=2023-02").status_code == 401
    assert client.get("/api/v1/analytics/turnover?from=2023-01&to=2023-02",
                      headers={"Authorization": "Bearer sdo_wrong"}).status_code == 401
    other = make_user(roles=("finance",))
    _t, secret = create_api_token(other, "x")
    response = client.get("/api/v1/analytics/turnover?from=2023-01&to=2023-02",
                          headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403 and response.is_json


def test_api_bad_parameters_are_a_json_400(client, make_user):
    user = make_user(roles=("auditor",))
    _t, secret = create_api_token(user, "x")
    response = client.get("/api/v1/analytics/turnover?from=2023-01&to=2023-02&formula=magic",
                          headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert "formula" in response.get_json()["detail"]
