"""Looking changes nothing: every GET page of the app, walked from the URL map as HR (and as an
auditor) over a case in each state of each shipped workflow, runs no INSERT, UPDATE or DELETE.

A page that wrote on GET (the settlement sheet did) makes a reader a writer: an auditor's view
changed records, and two first views at once collided on a unique key.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import event, select

from app.db import db
from tests.samples import PDF, PNG

pytest_plugins = ["tests.handover_fixtures"]
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE)\b", re.IGNORECASE)
SKIPPED = {"static", "bootstrap.static"}
_numbers = count(1)


def configurations(definition) -> list[tuple[str, list[str], bool]]:
    """(label, configuration, finished) for every state: parallel states with each region in
    each of its states (the others at their start)."""
    found = []
    for name in definition.top:
        state = definition.state(name)
        if state.is_parallel:
            start = {r.path: f"{r.path}.{r.initial}" for r in state.regions}
            for region in state.regions:
                for inner in region.states:
                    config = {**start, region.path: f"{region.path}.{inner}"}
                    found.append((f"{name}.{region.name}.{inner}", list(config.values()), False))
        else:
            found.append((name, [name], state.is_final))
    return found


@pytest.fixture
def cases_in_every_state(session, shipped_workflows, people, clearance, make_employee):
    """One case per state of every shipped workflow, each with a letter, HR's evidence, a
    handover checklist (one item with evidence) and a scheduled interview."""
    from app.engine import runtime
    from app.modules.cases.operations import attach_file, open_case
    from app.modules.handover.operations import create_checklist, items_of
    from app.modules.interviews.models import ExitInterview

    cases = []
    for row in shipped_workflows:
        definition = runtime.get_definition(session, row.workflow_id, row.version)
        parsed = runtime._parsed_by_id(session, definition.id)
        for label, configuration, finished in configurations(parsed):
            employee = make_employee(manager_id=people.boss.id, department=people.dept,
                                     hire_date=date(2021, 3, 1))
            case = open_case(employee, row.workflow_id, people.hr_user, notice_date=date(2026, 3, 2),
                             requested_last_day=date(2026, 4, 1), agreed_last_day=date(2026, 4, 1),
                             handover_receiver_id=people.successor.id, reason_codes=["career"],
                             primary_reason="career")
            attach_file(case, people.hr_user, PNG, "letter.png", kind="letter")
            attach_file(case, people.hr_user, PDF, "evidence.pdf", kind="evidence")
            create_checklist(session, case)
            item = items_of(session, case.id)[0]
            proof = attach_file(case, people.hr_user, PDF, "proof.pdf", kind="handover_evidence")
            session.flush()
            item.evidence_id, item.status, item.note = proof.id, "handed_over", "ok"
            session.add(ExitInterview(case_id=case.id, status="scheduled", answers=[],
                                      starts_at=datetime.now(UTC) + timedelta(days=3),
                                      location="会议室", interviewer_id=people.hr_user.id))
            case.instance.configuration = configuration
            case.instance.status = "finished" if finished else "active"
            session.flush()
            cases.append((f"{row.workflow_id}:{label}", case))
    session.commit()
    return cases


def _values(case, session) -> dict[str, list]:
    """Values for each URL argument a case-scoped rule takes."""
    from app.modules.cases.models import CaseAttachment
    from app.modules.documents.models import Document
    from app.modules.handover.models import HandoverItem

    items = session.scalars(select(HandoverItem.id).where(HandoverItem.case_id == case.id)).all()
    files = session.scalars(select(CaseAttachment.id).where(CaseAttachment.case_id == case.id)).all()
    documents = session.scalars(select(Document.id).where(Document.case_id == case.id)).all()
    return {"case_id": [case.id], "item_id": items[:1] or [0], "attachment_id": files or [0],
            "doc_id": documents[:1] or [0], "document_id": documents[:1] or [0]}


def _global_values(session, shipped_workflows) -> dict[str, list]:
    from app.modules.alumni.models import AlumniRecord
    from app.modules.documents.models import Document

    records = session.scalars(select(AlumniRecord.id)).all()
    documents = session.scalars(select(Document.id)).all()
    row = shipped_workflows[0]
    return {"record_id": records[:1] or [0], "doc_id": documents[:1] or [0], "workflow_id": [row.workflow_id], "version": [row.version],
            "fmt": ["csv", "xlsx"], "token": ["not-a-token"], "key": ["not-a-key"],
            "document_id": documents[:1] or [0], "employee_no": ["L001"], "endpoint_id": [1],
            "item_id": [0]}


def _urls(app, rule, values: dict[str, list]) -> list[str]:
    combos = [{}]
    for argument in sorted(rule.arguments):
        combos = [{**c, argument: v} for c in combos for v in values[argument]]
    with app.test_request_context():
        from flask import url_for

        return [url_for(rule.endpoint, **c) for c in combos]


@pytest.fixture
def writes(app):
    """The INSERT/UPDATE/DELETE statements run while the test looks (cleared per request)."""
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if WRITE.match(statement):
            seen.append(statement.split("\n")[0][:120])

    event.listen(db.engine, "before_cursor_execute", listen)
    yield seen
    event.remove(db.engine, "before_cursor_execute", listen)


@pytest.mark.parametrize("username", ["hr", "auditor1"])
def test_no_get_request_changes_the_database(app, client, login, session, make_user, writes,
                                             cases_in_every_state, shipped_workflows, username):
    if username == "auditor1":
        make_user("auditor1", roles=("auditor",))
        session.commit()
    login(username)
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint not in SKIPPED]
    case_rules = [r for r in rules if "case_id" in r.arguments]
    assert case_rules, "the walk found no case pages"
    global_values = _global_values(session, shipped_workflows)
    visits, offenders = 0, []

    def visit(url: str, where: str) -> None:
        nonlocal visits
        writes.clear()
        response = client.get(url)
        visits += 1
        assert response.status_code < 500, (url, where, response.status_code)
        if writes:
            offenders.append((url, where, sorted(set(writes))))

    for rule in rules:
        if "case_id" not in rule.arguments:
            for url in _urls(app, rule, global_values):
                visit(url, "-")
    for label, case in cases_in_every_state:
        values = {**global_values, **_values(case, session)}
        for rule in case_rules:
            for url in _urls(app, rule, values):
                visit(url, label)
    assert visits > 10 * len(cases_in_every_state)
    assert offenders == []
