"""Runtime on a real database: deploy, start, fire, refusals, audit, timers, migration."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.engine import SYSTEM
from app.engine import runtime as rt
from app.engine.audit import verify_chain
from app.engine.definition import load_yaml
from app.engine.errors import DeployConflict, MigrationError
from app.engine.models import OutboxJob, WorkflowInstance, WorkflowSignature, WorkflowTimer
from tests import engine_fixtures
from tests.engine_fixtures import (
    EMPLOYEE,
    HR,
    HR_ADMIN,
    PEOPLE,
    RECEIVER,
    STRANGER,
    SUPERVISOR,
    WORKFLOWS,
)

# fixtures shared with the other engine tests
calendar = engine_fixtures.calendar
clock = engine_fixtures.clock
registry = engine_fixtures.registry
world = engine_fixtures.world


@pytest.fixture
def env(fresh_db, registry, clock, calendar):
    """One committed session and helpers bound to the fake world."""
    session = fresh_db()
    for path in sorted(WORKFLOWS.glob("*.yaml")):
        if "schema" in load_yaml(path):
            rt.deploy(session, path, registry=registry)
    session.commit()

    class Env:
        pass

    env = Env()
    env.session, env.factory, env.registry = session, fresh_db, registry
    env.clock, env.calendar = clock, calendar

    def start(workflow="voluntary_resignation", **data):
        instance = rt.start_instance(session, workflow, HR, clock=clock, calendar=calendar,
                                     subject="case:1", payload={**PEOPLE, **data},
                                     registry=registry)
        session.commit()
        return instance

    def fire(instance, event, actor, payload=None, version="current"):
        expected = instance.version if version == "current" else version
        result = rt.fire(session, instance.id, event, actor, expected, payload, clock=clock,
                         calendar=calendar, registry=registry, request_id="req-1")
        session.commit()
        return result

    def tick():
        session.commit()  # release SQLite's write lock before the tick's own transactions
        return rt.tick(fresh_db, clock=clock, calendar=calendar, registry=registry)

    env.start, env.fire, env.tick = start, fire, tick
    yield env
    session.close()


def walk_to_handover(env):
    instance = env.start()
    assert env.fire(instance, "submit", EMPLOYEE)
    assert env.fire(instance, "approve", SUPERVISOR, {"agreed_last_day": "2026-03-31"})
    assert env.fire(instance, "approve", HR)
    return instance


def test_deploy_is_idempotent_and_refuses_changed_content(env):
    row, created = rt.deploy(env.session, WORKFLOWS / "voluntary_resignation.yaml",
                             registry=env.registry)
    assert not created and len(row.sha256) == 64
    data = load_yaml(WORKFLOWS / "voluntary_resignation.yaml")
    data["title"]["en"] = "Changed"
    with pytest.raises(DeployConflict, match="already deployed with other content"):
        rt.deploy(env.session, data, registry=env.registry)


def test_full_voluntary_resignation(env, world):
    instance = walk_to_handover(env)
    assert instance.configuration == ["handover.leaver.pending", "handover.receiver.pending"]
    assert ("create_checklist", {}) in world.calls
    first = env.fire(instance, "sign_leaver", EMPLOYEE)
    assert first.ok and first.joined is None
    second = env.fire(instance, "sign_receiver", RECEIVER)
    assert second.joined == "handover" and second.configuration == ("exit_interview",)
    slots = env.session.scalars(select(WorkflowSignature.slot)).all()
    assert sorted(slots) == ["handover.leaver", "handover.receiver"]
    assert env.fire(instance, "complete_interview", HR)
    assert instance.configuration == ["archived"] and instance.status == "finished"
    assert ("archive_alumni", {}) in world.calls
    assert instance.data["agreed_last_day"] == "2026-03-31"
    events = [e.event for e in rt.timeline(env.session, subject="case:1")]
    assert events == ["start", "submit", "approve", "approve", "sign_leaver", "sign_receiver",
                      "complete_interview"]
    assert verify_chain(env.session).ok


def test_every_refusal_is_explained(env, world):
    instance = env.start()
    assert env.fire(instance, "submit", SUPERVISOR).refusal.code == "not_allowed"
    assert env.fire(instance, "submit", STRANGER).refusal.code == "not_allowed"
    assert env.fire(instance, "fly", EMPLOYEE).refusal.code == "unknown_event"
    world.notice_ok = False
    refused = env.fire(instance, "submit", EMPLOYEE)
    assert refused.refusal.code == "guard_failed" and refused.refusal.message == "notice too short"
    world.notice_ok = True
    stale = env.fire(instance, "submit", EMPLOYEE, version=instance.version - 1)
    assert stale.refusal.code == "stale_version" and stale.refusal.params["current"] == 1
    assert env.fire(instance, "submit", EMPLOYEE)
    refused = env.fire(instance, "approve", SUPERVISOR, {"agreed_last_day": ""})
    assert refused.refusal.code == "missing_field"
    assert env.fire(instance, "cancel", HR_ADMIN, {"comment": "filed twice"})
    assert env.fire(instance, "approve", SUPERVISOR).refusal.code == "final_state"


def test_version_grows_by_one_per_accepted_event(env):
    instance = env.start()
    assert instance.version == 1
    env.fire(instance, "approve", EMPLOYEE)  # refused: no change
    assert instance.version == 1
    result = env.fire(instance, "submit", EMPLOYEE)
    assert result.version == instance.version == 2


def test_available_events_follow_roles_and_guards(env, world):
    instance = env.start()

    def events(actor):
        return {o.event: o.enabled for o in rt.available_events(
            env.session, instance.id, actor, clock=env.clock, calendar=env.calendar,
            registry=env.registry)}

    assert events(EMPLOYEE) == {"submit": True, "withdraw": True}
    assert events(SUPERVISOR) == {}
    assert events(HR_ADMIN) == {"cancel": True}
    world.notice_ok = False
    options = rt.available_events(env.session, instance.id, EMPLOYEE, clock=env.clock,
                                  calendar=env.calendar, registry=env.registry, locale="zh_CN")
    submit = next(o for o in options if o.event == "submit")
    assert not submit.enabled and submit.reason == "notice too short"
    assert submit.title == "提交辞职申请"


def test_slow_actions_go_to_the_outbox(env):
    instance = env.start()
    result = env.fire(instance, "submit", EMPLOYEE)
    jobs = env.session.scalars(select(OutboxJob).where(OutboxJob.id.in_(result.outbox_ids)))
    kinds = [(j.kind, j.payload["params"]) for j in jobs]
    assert kinds == [("render_pdf", {"template": "resignation_application"}),
                     ("notify", {"to": ["supervisor"]})]


def test_timers_remind_then_escalate_to_hr(env):
    instance = env.start()
    env.fire(instance, "submit", EMPLOYEE)  # Monday 2 March, 10:00 China time
    timers = env.session.scalars(select(WorkflowTimer).order_by(WorkflowTimer.id)).all()
    assert [(t.timer_id, t.status) for t in timers] == [("remind", "armed"), ("escalate", "armed")]
    report = env.tick()
    assert report.fired == 0
    env.clock.advance(days=2)  # Wednesday: remind is due (two workdays)
    assert env.tick().fired == 1
    assert env.tick().fired == 0  # idempotent
    env.clock.advance(days=5)  # next Monday: remind twice more (max 3), escalate once
    report = env.tick()
    assert report.fired == 2 and not report.errors
    env.session.expire_all()
    assert HR.employee_id not in PEOPLE.values()
    result = env.fire(instance, "approve", HR, {"agreed_last_day": "2026-03-31"})
    assert result.ok, result.refusal
    audit = rt.timeline(env.session, instance_id=instance.id)
    assert audit[-1].role == "supervisor via hr"
    assert {e.event for e in audit} >= {"timer:remind", "timer:escalate"}
    remaining = env.session.scalars(select(WorkflowTimer.status).where(
        WorkflowTimer.state_path == "supervisor_review")).all()
    assert remaining and "armed" not in remaining  # leaving the state cancelled the rest


def test_interrupting_timer_at_a_case_date(env, world):
    instance = env.start("dismissal")
    assert env.fire(instance, "file_without_fault", HR,
                    {"ground": "40(3)", "notice_mode": "notice"})
    assert env.fire(instance, "record_union_reply", HR,
                    {"union_notified_on": "2026-03-02", "comment": "no objection"})
    assert env.fire(instance, "issue_notice", HR_ADMIN, {"agreed_last_day": "2026-03-31"})
    assert instance.configuration == ["notice_period"]
    env.clock.advance(days=30)
    assert env.tick().fired == 1
    env.session.expire_all()
    assert instance.configuration[0] == "handover.leaver.pending"


def shipped_version() -> int:
    return load_yaml(WORKFLOWS / "voluntary_resignation.yaml")["version"]


def test_migration_is_explicit_audited_and_refuses_parallel(env):
    waiting = env.start()
    env.fire(waiting, "submit", EMPLOYEE)
    in_handover = walk_to_handover(env)
    data = load_yaml(WORKFLOWS / "voluntary_resignation.yaml")
    old = data["version"]
    data["version"] = new = old + 1
    data["states"]["manager_review"] = data["states"].pop("supervisor_review")
    data["states"]["draft"]["transitions"][0]["to"] = "manager_review"
    rt.deploy(env.session, data, registry=env.registry)
    env.session.commit()
    with pytest.raises(MigrationError):
        rt.migrate(env.session, "voluntary_resignation", old, new, {"x": "nowhere"},
                   clock=env.clock, calendar=env.calendar, registry=env.registry)
    plan = rt.migrate(env.session, "voluntary_resignation", old, new, {}, dry_run=True,
                      clock=env.clock, calendar=env.calendar, registry=env.registry)
    by_id = {item.instance_id: item for item in plan}
    assert "no counterpart" in by_id[waiting.id].refused
    assert "parallel" in by_id[in_handover.id].refused
    done = rt.migrate(env.session, "voluntary_resignation", old, new,
                      {"supervisor_review": "manager_review"}, dry_run=False,
                      clock=env.clock, calendar=env.calendar, registry=env.registry)
    env.session.commit()
    moved = [item for item in done if item.refused is None]
    assert [item.instance_id for item in moved] == [waiting.id]
    assert waiting.configuration == ["manager_review"]
    assert rt.timeline(env.session, instance_id=waiting.id)[-1].event == "migrate"
    assert env.fire(waiting, "approve", SUPERVISOR, {"agreed_last_day": "2026-04-01"})


def test_pinned_version_survives_a_new_deploy(env):
    instance = env.start()
    data = load_yaml(WORKFLOWS / "voluntary_resignation.yaml")
    data["version"] += 1
    data["states"]["draft"]["transitions"][1]["allowed"] = ["hr"]
    rt.deploy(env.session, data, registry=env.registry)
    env.session.commit()
    assert env.fire(instance, "withdraw", EMPLOYEE)  # still on the version it started on
    newer = env.start()
    assert env.fire(newer, "withdraw", EMPLOYEE).refusal.code == "not_allowed"


def test_system_actor_holds_no_human_role(env):
    instance = env.start()
    assert env.fire(instance, "submit", SYSTEM).refusal.code == "not_allowed"


def test_timeline_entries_carry_definition_hash(env):
    instance = env.start()
    env.fire(instance, "submit", EMPLOYEE)
    last = rt.timeline(env.session, instance_id=instance.id)[-1]
    assert last.definition_version == shipped_version() and len(last.definition_sha256) == 64
    assert last.actor_user_id == EMPLOYEE.user_id and last.role == "employee"
    assert last.request_id == "req-1" and last.from_states == ["draft"]
    assert last.created_at is not None


def test_actions_that_flush_still_step_the_version_once(env):
    instance = env.start("mutual_agreement")
    result = env.fire(instance, "propose", EMPLOYEE, {"agreed_last_day": "2026-04-30"})
    assert result.ok and result.outbox_ids and instance.version == 2


def test_changes_outside_the_engine_step_the_version_once_per_transaction(env):
    instance = env.start()
    instance.data = {**instance.data, "note": "edited by HR"}
    env.session.flush()
    instance.updated_at = env.clock.now()
    env.session.commit()
    assert instance.version == 2
    assert env.fire(instance, "submit", EMPLOYEE, version=1).refusal.code == "stale_version"


def test_pending_changes_before_fire_count_as_a_new_version(env):
    instance = env.start()
    instance.updated_at = env.clock.now() + timedelta(days=1)  # not flushed: fire flushes it first
    refused = env.fire(instance, "submit", EMPLOYEE, version=1)
    assert refused.refusal.code == "stale_version" and instance.version == 2


def test_fire_without_a_loaded_instance_leaves_the_session_consistent(env):
    instance = env.start()
    instance_id = instance.id
    env.session.expunge_all()  # the case page did not load the instance this time
    result = rt.fire(env.session, instance_id, "submit", EMPLOYEE, 1, clock=env.clock,
                     calendar=env.calendar, registry=env.registry)
    assert result.ok and result.version == 2
    loaded = env.session.get(WorkflowInstance, instance_id)
    assert loaded.version == 2 and loaded.configuration == list(result.configuration)
    env.session.commit()
    fresh = env.factory()
    assert fresh.get(WorkflowInstance, instance_id).version == 2
    assert verify_chain(fresh).ok
    fresh.close()


def test_a_moved_version_writes_neither_instance_nor_audit(env):
    from sqlalchemy import func
    from sqlalchemy.orm.exc import StaleDataError

    from app.engine.audit import audit_values
    from app.engine.models import AuditEvent, AuditHead

    instance = env.start()
    session = env.session
    head = session.get(AuditHead, 1).last_hash
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    values = audit_values(prev_hash=head, event="x", at=env.clock.now())
    with pytest.raises(StaleDataError):
        rt._write_instance(session, None, instance.id, instance.version + 5, None, values,
                           configuration=["x"], status="active", updated_at=env.clock.now(),
                           data={}, delegations={})
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert session.get(AuditHead, 1, populate_existing=True).last_hash == head
    assert session.get(WorkflowInstance, instance.id, populate_existing=True).configuration \
        == ["draft"]
    session.rollback()


def test_hr_is_reminded_when_its_review_waits(env):
    instance = env.start()
    env.fire(instance, "submit", EMPLOYEE)  # Monday 2 March
    assert env.fire(instance, "approve", SUPERVISOR, {"agreed_last_day": "2026-04-01"}).ok
    env.clock.advance(days=1)
    assert env.tick().fired == 0  # one working day is not late yet
    env.clock.advance(days=1)
    assert env.tick().fired == 1
    last = rt.timeline(env.session, instance_id=instance.id)[-1]
    assert last.event == "timer:remind" and last.from_states == ["hr_review"]


NOT_CHASED = {"draft", "agreement"}  # one's own draft; the agreement waits on both signatures


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_step_waiting_on_someone_chases_them(path):
    """Issue 4: every step that needs someone reminds them (and the handover escalates)."""
    from app.engine.definition import parse

    definition = parse(load_yaml(path))
    waiting = [state for state in definition.top if state not in NOT_CHASED
               and definition.state(state).kind != "final"]
    assert waiting and all(definition.state(s).timers for s in waiting), [
        s for s in waiting if not definition.state(s).timers]
