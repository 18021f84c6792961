"""The audit chain: appends in one transaction chain in order, and `verify` names every
break (edited, deleted, inserted, reordered rows, a head pointing elsewhere)."""
from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import func, insert, select, text, update

from app.engine import runtime as rt
from app.engine.audit import (
    HELD_HEAD,
    ChainHeadMoved,
    append_audit,
    audit_values,
    verify_chain,
)
from app.engine.clock import FixedClock, WeekdayCalendar
from app.engine.models import AuditEvent, AuditHead, WorkflowInstance
from app.engine.registry import new_registry
from tests import audit_fixtures
from tests.audit_fixtures import WORKER, append, chain, problems, rewrite, sql, stored
from tests.engine_fixtures import utc

chain_db = audit_fixtures.chain_db  # a fixture

# A state whose entry action audits, as `create_checklist` does when a handover starts.
AUDITING = {
    "schema": "sendoff-workflow/1", "id": "auditing", "version": 1, "initial": "a",
    "roles": {"worker": {"group": "worker"}},
    "states": {
        "a": {"transitions": [{"event": "go", "to": "b", "allowed": ["worker"]}]},
        "b": {"on_enter": [{"note": {}}, {"note": {}}],
              "transitions": [{"event": "go", "to": "a", "allowed": ["worker"]},
                              {"event": "stop", "to": "done", "allowed": ["worker"]}]},
        "done": {"type": "final"},
    },
}


@pytest.fixture
def kit():
    registry = new_registry()

    def note(ctx, **_params):
        append_audit(ctx.session, event="note.written", at=ctx.clock.now(), actor=ctx.actor,
                     subject=ctx.subject, payload={"by": "action"}, flush=False)

    registry.register("action", "note", note, {})
    return {"clock": FixedClock(utc(2026, 3, 2, 2, 0)), "calendar": WeekdayCalendar(),
            "registry": registry}


# ---------------------------------------------------------------- appending in order


def test_an_event_whose_actions_audit_continues_the_chain_after_them(chain_db, kit):
    session = chain_db
    rt.deploy(session, AUDITING, registry=kit["registry"], lint=False)
    instance = rt.start_instance(session, "auditing", WORKER, subject="case:1", **kit)
    session.commit()
    result = rt.fire(session, instance.id, "go", WORKER, instance.version, **kit)
    assert result.ok
    session.commit()
    rows = session.execute(select(AuditEvent.id, AuditEvent.event, AuditEvent.prev_hash,
                                  AuditEvent.hash).order_by(AuditEvent.id)).all()
    assert [r.event for r in rows] == ["start", "note.written", "note.written", "go"]
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(rows, rows[1:], strict=False))
    assert result.audit_id == rows[-1].id
    assert session.get(AuditHead, 1).last_hash == rows[-1].hash
    assert verify_chain(session).ok


def test_events_actions_and_operations_in_one_transaction_chain_in_order(chain_db, kit):
    session = chain_db
    rt.deploy(session, AUDITING, registry=kit["registry"], lint=False)
    instance = rt.start_instance(session, "auditing", WORKER, subject="case:1", **kit)
    append_audit(session, event="case.opened", at=utc(2026, 3, 2), subject="case:1")
    for event in ("go", "go", "go"):
        version = session.get(WorkflowInstance, instance.id).version
        assert rt.fire(session, instance.id, event, WORKER, version, **kit).ok
        append_audit(session, event="case.noted", at=utc(2026, 3, 2), subject="case:1")
    session.commit()
    report = verify_chain(session)
    assert report.ok, report.problems
    assert report.checked == 2 + 3 + 2 * 2 + 3  # start, opened; 3 events; 2 entries x 2 notes; notes


def test_an_append_after_a_rolled_back_savepoint_follows_what_is_left(chain_db):
    session = chain_db
    append(session)
    kept = append_audit(session, event="kept", at=utc(2026, 3, 2), subject="x:1")
    with contextlib.suppress(RuntimeError), session.begin_nested():
        append_audit(session, event="undone", at=utc(2026, 3, 2), subject="x:1")
        raise RuntimeError("the savepoint rolls back")
    after = append_audit(session, event="after", at=utc(2026, 3, 2), subject="x:1")
    session.commit()
    assert after.prev_hash == kept.hash
    assert verify_chain(session).ok


def test_an_append_that_would_fork_the_chain_is_refused_and_writes_nothing(chain_db):
    session = chain_db
    first = append(session)
    append_audit(session, event="second", at=utc(2026, 3, 2), subject="x:1")
    session.info[HELD_HEAD] = first.hash  # a stale head, as the engine once kept
    with pytest.raises(ChainHeadMoved):
        append_audit(session, event="fork", at=utc(2026, 3, 2), subject="x:1")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1
    assert verify_chain(session).ok


def test_the_one_statement_write_refuses_a_fork_too(chain_db, kit):
    """PostgreSQL writes the instance, the head and the row in one statement; SQLite in three."""
    session = chain_db
    rt.deploy(session, AUDITING, registry=kit["registry"], lint=False)
    instance = rt.start_instance(session, "auditing", WORKER, subject="case:1", **kit)
    session.commit()
    stale = audit_values(prev_hash="f" * 64, event="go", at=utc(2026, 3, 2))
    with pytest.raises(ChainHeadMoved):
        rt._write_instance(session, None, instance.id, instance.version, None, stale,
                           configuration=["b"], status="active", updated_at=utc(2026, 3, 2),
                           data={}, delegations={})
    session.rollback()
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1
    assert session.get(WorkflowInstance, instance.id, populate_existing=True).configuration == ["a"]


# ---------------------------------------------------------------- every break is named


def test_an_intact_chain_verifies(chain_db):
    chain(chain_db, 5)
    report = verify_chain(chain_db, batch=2)
    assert report.ok and report.checked == 5 and report.problems == ()


def test_an_edited_row_is_named(chain_db):
    ids = chain(chain_db, 5)
    sql(chain_db, "UPDATE audit_events SET actor_name = 'Mallory' WHERE id = :id", id=ids[2])
    report = verify_chain(chain_db)
    assert [(p.kind, p.row_id) for p in report.problems] == [("edited", ids[2])]
    assert report.reason == f"Row {ids[2]}: its content was changed after it was written."


def test_an_edited_payload_is_named(chain_db):
    ids = chain(chain_db, 5)
    sql(chain_db, "UPDATE audit_events SET payload = '{\"n\": 9}' WHERE id = :id", id=ids[1])
    report = verify_chain(chain_db)
    assert [(p.kind, p.row_id) for p in report.problems] == [("edited", ids[1])]
    assert "payload was changed" in report.reason


def test_a_deleted_row_is_named_by_the_row_after_it(chain_db):
    ids = chain(chain_db, 5)
    sql(chain_db, "DELETE FROM audit_events WHERE id = :id", id=ids[2])
    report = verify_chain(chain_db)
    assert [(p.kind, p.row_id) for p in report.problems] == [("deleted", ids[3])]
    assert f"Row {ids[3]} does not continue from row {ids[1]} before it" in report.reason


def test_deleting_the_first_rows_is_named(chain_db):
    ids = chain(chain_db, 4)
    sql(chain_db, "DELETE FROM audit_events WHERE id <= :id", id=ids[1])
    report = verify_chain(chain_db)
    assert [(p.kind, p.row_id) for p in report.problems] == [("deleted", ids[2])]
    assert "the rows before it were deleted" in report.reason


def test_deleting_the_last_row_is_named_by_the_head(chain_db):
    ids = chain(chain_db, 4)
    sql(chain_db, "DELETE FROM audit_events WHERE id = :id", id=ids[-1])
    report = verify_chain(chain_db)
    assert [(p.kind, p.row_id) for p in report.problems] == [("head", ids[-2])]
    assert f"rows after row {ids[-2]} were deleted" in report.reason


def test_a_row_inserted_in_the_middle_is_named(chain_db):
    session = chain_db
    ids = chain(session, 4)
    sql(session, "UPDATE audit_events SET id = id + 1000 WHERE id > :id", id=ids[1])
    forged = audit_values(prev_hash=stored(session, ids[1]).hash, event="account.created",
                          at=utc(2026, 3, 2), subject="user:99", payload={"n": 99})
    session.execute(insert(AuditEvent).values(id=ids[1] + 1, **forged))
    session.commit()
    report = verify_chain(session)
    assert [(p.kind, p.row_id) for p in report.problems] == [("forked", ids[2] + 1000)]
    assert f"row {ids[1] + 1} was inserted there" in report.reason


def test_a_row_added_at_the_end_without_moving_the_head_is_named(chain_db):
    session = chain_db
    ids = chain(session, 3)
    forged = audit_values(prev_hash=stored(session, ids[-1]).hash, event="account.created",
                          at=utc(2026, 3, 2), subject="user:99")
    session.execute(insert(AuditEvent).values(**forged))
    session.commit()
    report = verify_chain(session)
    assert [(p.kind, p.row_id) for p in report.problems] == [("head", ids[-1])]
    assert f"The chain head points to row {ids[-1]}, not to the last row" in report.reason


def test_reordered_rows_are_named(chain_db):
    session = chain_db
    ids = chain(session, 6)
    a, b = ids[2], ids[3]
    for statement in ("UPDATE audit_events SET id = -1 WHERE id = :a",
                      "UPDATE audit_events SET id = :a WHERE id = :b",
                      "UPDATE audit_events SET id = :b WHERE id = -1"):
        session.execute(text(statement), {"a": a, "b": b})
    session.commit()
    report = verify_chain(session)
    assert {p.kind for p in report.problems} == {"reordered"}
    assert report.problems[0].row_id == a
    assert report.reason == f"Row {a} is out of order: it continues from row {b}, which comes after it."
    assert {p.row_id for p in report.problems} == {a, b, ids[4]}


def test_a_head_pointing_elsewhere_is_named(chain_db):
    session = chain_db
    ids = chain(session, 4)
    session.execute(update(AuditHead).values(last_hash=stored(session, ids[1]).hash))
    session.commit()
    assert problems(session) == [("head", ids[1])]


def test_a_rewritten_row_in_the_middle_is_named_by_the_row_after_it(chain_db):
    session = chain_db
    ids = chain(session, 5)
    rewrite(session, ids[2], actor_name="Mallory")
    report = verify_chain(session)
    assert [(p.kind, p.row_id) for p in report.problems] == [("deleted", ids[3])]
    assert f"row {ids[2]} was rewritten" in report.reason


def test_every_break_is_reported_across_batches_not_only_the_first(chain_db):
    session = chain_db
    ids = chain(session, 9)
    sql(session, "UPDATE audit_events SET actor_name = 'Mallory' WHERE id = :id", id=ids[1])
    sql(session, "DELETE FROM audit_events WHERE id = :id", id=ids[4])
    sql(session, "UPDATE audit_events SET payload = '{\"n\": 0}' WHERE id = :id", id=ids[7])
    seen = []
    report = verify_chain(session, batch=2, on_problem=seen.append)
    expected = [("edited", ids[1]), ("deleted", ids[5]), ("edited", ids[7])]
    assert [(p.kind, p.row_id) for p in report.problems] == expected
    assert list(report.problems) == seen
    assert report.problem_count == 3 and report.checked == 8 and not report.ok


def test_a_report_keeps_the_first_problems_and_counts_them_all(chain_db):
    ids = chain(chain_db, 6)
    sql(chain_db, "UPDATE audit_events SET actor_name = 'Mallory' WHERE id >= :id", id=ids[0])
    report = verify_chain(chain_db, keep=2)
    assert [p.row_id for p in report.problems] == ids[:2] and report.problem_count == 6


# ---------------------------------------------------------------- the command


def test_the_command_names_every_problem_and_fails(app, chain_db):
    ids = chain(chain_db, 5)
    sql(chain_db, "UPDATE audit_events SET actor_name = 'Mallory' WHERE id = :id", id=ids[1])
    sql(chain_db, "DELETE FROM audit_events WHERE id = :id", id=ids[3])
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"Row {ids[1]}: its content was changed after it was written." in lines
    assert any(line.startswith(f"Row {ids[4]} does not continue from row {ids[2]}") for line in lines)
    assert "Audit chain broken: 4 rows checked, 2 problems." in lines


def test_the_command_passes_an_intact_chain(app, chain_db):
    chain(chain_db, 3)
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "Audit chain intact: 3 rows checked, no problems." in result.output
    assert "No checkpoint: none of the 3 rows is anchored outside the database" in result.output
