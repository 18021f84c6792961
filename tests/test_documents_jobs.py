"""Rendering on the outbox: idempotent by job, retried, failures shown, kill-safe."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from app.engine import outbox
from app.engine.clock import FixedClock
from app.modules.documents import operations
from app.modules.documents.models import Document

pytest_plugins = ["tests.documents_fixtures"]


@pytest.fixture
def run(session):
    """Run outbox jobs on the test's connection with a clock the test moves."""
    factory = sessionmaker(bind=session.get_bind(), join_transaction_mode="create_savepoint",
                           expire_on_commit=False)
    clock = FixedClock(operations.utcnow() + timedelta(minutes=10))

    def _run(job_id, later=timedelta(0)):
        session.commit()
        clock.at += later
        return outbox.run_job(job_id, session_factory=factory, clock=clock)
    return _run


def count(session, case):
    return session.scalar(select(func.count()).select_from(Document)
                          .where(Document.case_id == case.id))


def test_requested_document_is_generating_then_linked(session, make_doc_case, make_user, doc_people,
                                                      docs_dir, run):
    case = make_doc_case()
    hr = make_user(roles=("hr",))
    job = operations.request_document(case, "termination_certificate")
    rows = operations.documents_for(case, hr)
    assert [(r.kind, r.status) for r in rows] == [("termination_certificate", "generating")]
    assert run(job.id) == "done"
    rows = operations.documents_for(case, hr)
    assert [(r.kind, r.status, r.document.version) for r in rows] == [
        ("termination_certificate", "ready", 1)]


def test_engine_payload_is_accepted_and_runs_once(session, make_doc_case, docs_dir, run):
    case = make_doc_case()
    job = outbox.record(session, "render_pdf", {
        "instance_id": None, "subject": f"case:{case.id}", "event": "approve", "state": "hr_review",
        "params": {"template": "approval_record"}, "actor_user_id": None, "request_id": None},
        now=operations.utcnow())
    assert run(job.id) == "done"
    # at-least-once delivery: the same job again makes no second version
    operations.render_document_job({**job.payload, "job_id": job.id})
    session.commit()
    assert count(session, case) == 1
    document = session.scalar(select(Document).where(Document.case_id == case.id))
    assert (document.kind, document.event, document.outbox_job_id) == (
        "approval_record", "approve", job.id)


def test_worker_killed_mid_render_leaves_one_version(session, make_doc_case, docs_dir, run,
                                                      monkeypatch):
    case = make_doc_case()
    job = operations.request_document(case, "handover_certificate")
    real_save = operations.save_document

    def killed(*args, **kwargs):
        real_save(*args, **kwargs)
        raise SystemExit("worker killed")  # after the insert, before the commit

    monkeypatch.setattr(operations, "save_document", killed)
    with pytest.raises(SystemExit):
        run(job.id)
    monkeypatch.setattr(operations, "save_document", real_save)
    assert run(job.id) == "skipped"  # the dead worker's lease has not expired yet
    assert run(job.id, later=outbox.DEFAULT_LEASE + timedelta(seconds=1)) == "done"
    assert count(session, case) == 1
    assert session.scalar(select(Document.version).where(Document.case_id == case.id)) == 1


def test_failures_are_retried_then_shown_to_hr(session, make_doc_case, make_user, doc_people, docs_dir,
                                               run, monkeypatch):
    case = make_doc_case()
    hr = make_user(roles=("hr",))
    employee = make_user(employee=doc_people["leaver"])
    job = operations.request_document(case, "termination_certificate")

    def broken(*args, **kwargs):
        raise RuntimeError("font cache is corrupt")

    monkeypatch.setattr(operations, "render_pdf", broken)
    assert run(job.id) == "retry"
    rows = operations.documents_for(case, hr)
    assert rows[0].status == "retrying" and "font cache is corrupt" in rows[0].error
    assert operations.documents_for(case, employee)[0].error == ""  # details are for HR
    for _ in range(job.max_attempts - 1):
        outcome = run(job.id, later=timedelta(hours=2))
    assert outcome == "failed"
    rows = operations.documents_for(case, hr)
    assert rows[0].status == "failed" and "RuntimeError: font cache is corrupt" in rows[0].error
    monkeypatch.undo()
    # HR asks again; the new version supersedes the failure in the list
    retry = operations.request_document(case, "termination_certificate")
    assert run(retry.id) == "done"
    assert [r.status for r in operations.documents_for(case, hr)] == ["ready"]


def test_regenerating_makes_a_new_version_and_rows_are_immutable(session, make_doc_case, docs_dir):
    case = make_doc_case()
    first = operations.generate_document(session, case, "settlement_statement")
    second = operations.generate_document(session, case, "settlement_statement")
    assert (first.version, second.version) == (1, 2) and first.sha256 != second.sha256
    first.size = 1
    with pytest.raises(ValueError, match="immutable"):
        session.flush()
    session.rollback()


def test_tampered_file_is_not_served(session, make_doc_case, docs_dir):
    from app.modules.documents import storage

    document = operations.generate_document(session, make_doc_case(), "approval_record")
    path = storage.path_for(document.sha256)
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(ValueError, match="does not match"):
        storage.load(document.sha256)
