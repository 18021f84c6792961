"""The settlement sheet is written by steps, never by reading it: the page shows what is stored
(or "not computed yet"), HR computes it with a button, the workflow computes it on reaching its
settlement step, and a closed case's sheet is read-only."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from app.engine.models import AuditEvent
from app.modules.settlement.models import SettlementLine, SettlementSheet
from tests.conftest import csrf_from
from tests.test_settlement import compute, fire, leaver_with, start

pytestmark = pytest.mark.usefixtures("shipped_workflows")


@pytest.fixture
def employer_agreement(people, session):
    """A mutual agreement the employer proposed: 13 months at 10,000 (15,000 compensation)."""
    leaver_with(people, session, hired=date(2024, 1, 1), wage="10000", history_months=13)
    case = start(people, "mutual_agreement", date(2025, 1, 31), facts={"proposed_by": "employer"})
    fire(case, "propose", people.hr_user, agreed_last_day=date(2025, 1, 31))
    return case


def sheets(session) -> int:
    return session.scalar(select(func.count()).select_from(SettlementSheet))


@pytest.mark.parametrize("username, roles", [("audit", ("auditor",)), ("hr", None), ("leaver", None)])
def test_looking_at_the_sheet_writes_nothing(client, login, make_user, employer_agreement, session,
                                            username, roles):
    if roles:
        make_user(username, roles=roles)
    login(username)
    for _ in range(2):
        response = client.get(f"/cases/{employer_agreement.id}/settlement")
        assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert sheets(session) == 0
    assert 'data-test="not-computed"' in page and "15,000.00" in page  # provisional, from the facts
    assert ('data-test="compute-form"' in page) == (username == "hr")  # the button is HR's


def test_hr_computes_the_sheet_with_a_button_and_it_is_audited(client, login, employer_agreement,
                                                               session):
    login("hr")
    compute(client, employer_agreement)
    sheet = session.scalars(select(SettlementSheet)).one()
    assert sheet.total == 25000
    assert session.scalars(select(AuditEvent.event).where(
        AuditEvent.event == "settlement.computed")).all() == ["settlement.computed"]
    page = client.get(f"/cases/{employer_agreement.id}/settlement").get_data(as_text=True)
    assert 'data-test="not-computed"' not in page and 'data-test="out-of-date"' not in page


def test_changed_facts_are_said_not_silently_written(client, login, employer_agreement, session):
    login("hr")
    compute(client, employer_agreement)
    version = session.scalars(select(SettlementSheet)).one().version
    employer_agreement.agreed_last_day = date(2025, 7, 31)  # 19 months now
    session.flush()
    page = client.get(f"/cases/{employer_agreement.id}/settlement").get_data(as_text=True)
    assert 'data-test="out-of-date"' in page and "15,000.00" in page  # what was saved
    assert session.scalars(select(SettlementSheet)).one().version == version
    compute(client, employer_agreement)
    assert session.scalars(select(SettlementLine.amount).where(
        SettlementLine.code == "compensation")).one() == 20000


def test_the_workflow_computes_the_sheet_on_reaching_its_settlement_step(session, people):
    from app.modules.cases.operations import attach_file, fire_case_event
    from tests.samples import PDF

    case = start(people, "dismissal", date(2026, 6, 30))
    attach_file(case, people.hr_user, PDF, "证据.pdf", kind="evidence")
    case.instance.configuration = ["exit_interview"]
    session.flush()
    assert sheets(session) == 0
    result = fire_case_event(case, "interview_not_held", people.hr_user, None, {"comment": "拒绝面谈"})
    assert result.ok, result.refusal
    assert case.instance.configuration == ["settlement"]
    assert sheets(session) == 1 and len(session.scalars(select(SettlementSheet)).one().lines) == 5


def test_a_closed_case_s_sheet_cannot_be_changed(client, login, employer_agreement, session):
    login("hr")
    compute(client, employer_agreement)
    page = client.get(f"/cases/{employer_agreement.id}/settlement").get_data(as_text=True)
    token = csrf_from(page)
    sheet = session.scalars(select(SettlementSheet)).one()
    employer_agreement.instance.status = "finished"
    employer_agreement.instance.configuration = ["archived"]
    session.commit()
    version = sheet.version
    for url, data in (("/settlement/lines/compensation", {"compensation-csrf_token": token,
                                                            "compensation-version": str(version),
                                                            "compensation-amount": "1",
                                                            "compensation-reason": "事后修改"}),
                      ("/settlement/facts", {"csrf_token": token, "version": str(version),
                                             "leave_days_taken": "1", "cumulative_work_years": "3"}),
                      ("/settlement/compute", {"csrf_token": token})):
        response = client.post(f"/cases/{employer_agreement.id}{url}", data=data)
        assert response.status_code == 409, url
        assert "案件已结案，结算单不能再修改" in response.get_data(as_text=True)
    session.refresh(sheet)
    assert sheet.version == version and sheet.leave_days_taken is None
    assert all(line.override_amount is None for line in sheet.lines)
    assert 'data-test="compute-form"' not in client.get(
        f"/cases/{employer_agreement.id}/settlement").get_data(as_text=True)


def test_two_at_once_creating_the_sheet_both_succeed(app, fresh_db):
    """The old page inserted on first view, and two first views collided on the unique case;
    creating the sheet now tolerates a concurrent creation (SQLite and PostgreSQL)."""
    from app.db import db
    from app.modules.cases.models import Case
    from app.modules.settlement.operations import compute_settlement
    from tests.test_handover_concurrency import prepare

    ids = prepare(fresh_db)
    barrier, outcomes = threading.Barrier(2), []

    def create():
        with app.app_context():
            session = fresh_db()
            db.session.registry.set(session)
            try:
                barrier.wait(timeout=30)  # before any query: SQLite's first one takes the write lock
                compute_settlement(session.get(Case, ids["case"]))
                session.commit()
                outcomes.append("ok")
            except Exception as exc:  # reported to the test
                session.rollback()
                outcomes.append(exc)
            finally:
                session.close()
                db.session.registry.clear()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes == ["ok", "ok"]
    with fresh_db() as session:
        assert session.scalar(select(func.count()).select_from(SettlementSheet)) == 1
        assert session.scalar(select(func.count()).select_from(SettlementLine)) == 5
