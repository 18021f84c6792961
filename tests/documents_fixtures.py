"""Shared helpers for the documents tests: a case with doc_people around it, PDF text."""
from __future__ import annotations

import itertools
import re
import subprocess
from datetime import date
from decimal import Decimal

import pytest

from app.modules.cases.models import Case

_numbers = itertools.count(1)


@pytest.fixture
def docs_dir(app, tmp_path):
    """Store PDFs in a temporary folder for the test."""
    old = app.config.get("DOCUMENTS_DIR")
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    yield tmp_path / "documents"
    app.config["DOCUMENTS_DIR"] = old


@pytest.fixture
def doc_people(session, make_employee):
    """A leaver with a supervisor and a receiver, and a stranger."""
    from app.modules.employees.models import Position

    position = Position(code=f"P{next(_numbers)}", name_zh="催收专员", name_en="Collector")
    session.add(position)
    session.flush()
    supervisor = make_employee(name="王经理")
    receiver = make_employee(name="李接收")
    stranger = make_employee(name="赵路人")
    leaver = make_employee(name="张三", manager_id=supervisor.id, position_id=position.id,
                           hire_date=date(2021, 3, 1), contract_start=date(2024, 3, 1),
                           contract_end=date(2027, 2, 28), national_id_last4="123X")
    return {"leaver": leaver, "supervisor": supervisor, "receiver": receiver,
            "stranger": stranger}


@pytest.fixture
def make_doc_case(session, doc_people):
    """A case for the leaver; keyword arguments override the defaults."""
    def _make(**kw):
        n = next(_numbers)
        leaver = doc_people["leaver"]
        values = dict(reference=f"SO-2026-{n:04d}", employee_id=leaver.id,
                      workflow_id="voluntary_resignation", locale="zh_CN",
                      department_name="催收一部", position_name="催收专员",
                      manager_id=doc_people["supervisor"].id, monthly_wage=Decimal("9000"),
                      hire_date=date(2021, 3, 1), notice_date=date(2026, 3, 2),
                      requested_last_day=date(2026, 4, 1), agreed_last_day=date(2026, 3, 31),
                      statement="家庭原因，需回老家。", reason_codes=["family"],
                      handover_receiver_id=doc_people["receiver"].id, facts={})
        values.update(kw)
        case = Case(**values)
        session.add(case)
        session.flush()
        return case
    return _make


def pdf_text(data: bytes) -> str:
    """Text of a PDF by pdftotext, without whitespace (line breaks fall anywhere in CJK)."""
    return flat(_pdftotext(data))


def flat(text: str) -> str:
    """Text with all whitespace removed, to compare with what a PDF shows."""
    return re.sub(r"\s+", "", text)


def _pdftotext(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data,
                         capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def pdf_pages(data: bytes) -> list[str]:
    """Text of each page, without whitespace."""
    return [flat(p) for p in _pdftotext(data).split("\f") if p.strip()]


def pdffonts(data: bytes, tmp_path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def walk(session, shipped_workflows, people):
    """Open a case for the team's leaver through its workflow and fire events on it as real
    users; returns the case and the render_pdf jobs the events recorded."""
    from app.engine.models import OutboxJob
    from app.modules.cases.operations import fire_case_event, open_case

    def _walk(workflow_id: str, steps, **fields):
        case = open_case(people.leaver, workflow_id, people.hr_user, **fields)
        jobs = []
        for event, user, payload in steps:
            result = fire_case_event(case, event, user, case.version, payload)
            assert result, (event, result.refusal)
            jobs += [session.get(OutboxJob, i) for i in result.outbox_ids]
        return case, [job for job in jobs if job.kind == "render_pdf"]
    return _walk


@pytest.fixture
def run_render(session, docs_dir):
    """Run a render_pdf outbox job as the worker would; returns its document."""
    from app.modules.documents.models import Document
    from app.modules.documents.operations import render_document_job

    def _run(job):
        session.commit()
        return session.get(Document, render_document_job({**job.payload, "job_id": job.id}))
    return _run
