"""Signers at the same moment, with real threads on committed data (SQLite and PostgreSQL)."""
from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import select

from app.engine import SYSTEM, Actor
from app.engine import runtime as rt
from app.engine.audit import verify_chain
from app.engine.clock import FixedClock, WeekdayCalendar
from app.engine.models import AuditEvent, WorkflowSignature
from app.engine.registry import registry
from app.modules.auth.models import User, UserRole
from app.modules.cases.models import Case
from app.modules.employees.models import Department, Employee
from app.modules.handover import operations as ops
from app.modules.handover.models import HandoverItem, HandoverSignature
from tests.engine_fixtures import WORKFLOWS, utc

KIT = dict(clock=FixedClock(utc(2026, 3, 2, 2)), calendar=WeekdayCalendar(), registry=registry)
NAMES = ("leaver", "successor", "boss", "it_a", "it_b", "finance", "admin", "hr")


def prepare(factory) -> dict:
    """A case in its handover with the generic checklist; returns the ids tests need."""
    with factory() as s:
        rt.deploy(s, WORKFLOWS / "voluntary_resignation.yaml", registry=registry)
        dept = Department(code="C1", name_zh="催收一部", name_en="Collections 1", path="/")
        s.add(dept)
        s.flush()
        people = {}
        for name in ("boss", "leaver", "successor"):
            people[name] = Employee(employee_no=name.upper(), name=name, department_id=dept.id,
                                    hire_date=date(2020, 1, 1))
            s.add(people[name])
            s.flush()
        people["leaver"].manager_id = people["successor"].manager_id = people["boss"].id
        roles = {"it_a": "it", "it_b": "it", "finance": "finance", "admin": "admin", "hr": "hr"}
        users = {n: User(username=n, password_hash="x", employee_id=people[n].id if n in people else None,
                         role_rows=[UserRole(role=roles[n])] if n in roles else []) for n in NAMES}
        s.add_all(users.values())
        case = Case(reference="SO-C-1", employee_id=people["leaver"].id, workflow_id="voluntary_resignation",
                    manager_id=people["boss"].id, handover_receiver_id=people["successor"].id,
                    agreed_last_day=date(2026, 3, 31))
        s.add(case)
        s.flush()
        instance = rt.start_instance(s, "voluntary_resignation", SYSTEM, subject=f"case:{case.id}", **KIT)
        case.instance_id = instance.id
        # Stand in for submit/approve/approve: the handover is what is under test here.
        instance.configuration = ["handover.leaver.pending", "handover.receiver.pending"]
        s.flush()
        items = ops.create_checklist(s, case, calendar=WeekdayCalendar())
        s.commit()
        return {"case": case.id, "instance": instance.id, "users": {n: u.id for n, u in users.items()},
                "items": {i.key: i.id for i in items}}


def run_together(factory, jobs) -> list:
    """Run each job(session) in its own thread, all released at once; (result or exception) per job."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def attempt(index, job):
        with factory() as session:
            barrier.wait()
            try:
                outcomes[index] = job(session)
                session.commit()
            except Exception as exc:  # reported to the test
                session.rollback()
                outcomes[index] = exc

    threads = [threading.Thread(target=attempt, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def hand_over(ids, key):
    def job(s):
        return ops.hand_over_item(s, s.get(HandoverItem, ids["items"][key]),
                                  ops.Signer(s.get(User, ids["users"]["leaver"]), "10.0.0.1"))
    return job


def confirm(ids, key, who):
    def job(s):
        return ops.confirm_item(s, s.get(HandoverItem, ids["items"][key]),
                                ops.Signer(s.get(User, ids["users"][who]), "10.0.0.2"))
    return job


def commit_all(factory, jobs):
    for job in jobs:
        with factory() as s:
            job(s)
            s.commit()


def test_two_receivers_and_the_leaver_sign_at_the_same_moment(app, fresh_db):
    ids = prepare(fresh_db)
    commit_all(fresh_db, [hand_over(ids, "open_work"), hand_over(ids, "accounts")])
    outcomes = run_together(fresh_db, [confirm(ids, "open_work", "successor"),
                                       confirm(ids, "accounts", "it_a"), hand_over(ids, "contacts")])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    with fresh_db() as s:
        by_key = {i.key: i for i in ops.items_of(s, ids["case"])}
        assert [by_key[k].status for k in ("open_work", "accounts", "contacts")] == [
            "confirmed", "confirmed", "handed_over"]
        active = s.scalars(select(HandoverSignature).where(HandoverSignature.voided_at.is_(None))).all()
        assert sorted((s_.item_id, s_.side) for s_ in active) == sorted(
            [(ids["items"]["open_work"], "leaver"), (ids["items"]["open_work"], "receiver"),
             (ids["items"]["accounts"], "leaver"), (ids["items"]["accounts"], "receiver"),
             (ids["items"]["contacts"], "leaver")])
        assert all(by_key[k].receiver_signed_at for k in ("open_work", "accounts"))
        assert verify_chain(s).ok


def test_two_it_people_confirm_the_same_item_once(app, fresh_db):
    ids = prepare(fresh_db)
    commit_all(fresh_db, [hand_over(ids, "accounts")])
    outcomes = run_together(fresh_db, [confirm(ids, "accounts", "it_a"), confirm(ids, "accounts", "it_b")] * 3)
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert all(isinstance(o, ops.HandoverError) for o in outcomes if isinstance(o, Exception))
    with fresh_db() as s:
        rows = s.scalars(select(HandoverSignature).where(
            HandoverSignature.item_id == ids["items"]["accounts"], HandoverSignature.side == "receiver")).all()
        assert len(rows) == 1 and rows[0].voided_at is None


def _fire(ids, event, who):
    def job(s):
        user = s.get(User, ids["users"][who])
        # Built here, not with actor_for: that reads roles through the app's own session and database.
        actor = Actor(user_id=user.id, employee_id=user.employee_id, groups=frozenset({"employee"}),
                      name=user.username)
        result = rt.fire(s, ids["instance"], event, actor, None, **KIT)
        return result.ok, result.joined
    return job


def _edit(ids):
    def job(s):
        return ops.edit_item(s, s.get(HandoverItem, ids["items"]["documents"]), s.get(User, ids["users"]["hr"]),
                             "late change", title_en="Files, changed at the last second")
    return job


def test_whole_handover_sign_off_joins_once_and_never_over_a_voided_item(app, fresh_db):
    ids = prepare(fresh_db)
    receivers = {"successor": "successor", "supervisor": "boss", "it": "it_a", "finance": "finance",
                 "admin": "admin"}
    with fresh_db() as s:
        roles = {i.key: i.receiver_role for i in ops.items_of(s, ids["case"])}
    commit_all(fresh_db, [hand_over(ids, k) for k in roles])
    commit_all(fresh_db, [confirm(ids, k, receivers[r]) for k, r in roles.items()])
    outcomes = run_together(fresh_db, [_fire(ids, "sign_leaver", "leaver"),
                                       _fire(ids, "sign_receiver", "successor"), _edit(ids)])
    fired = [o for o in outcomes[:2] if not isinstance(o, Exception)]
    assert len(fired) == 2, outcomes
    with fresh_db() as s:
        instance = s.get(rt.WorkflowInstance, ids["instance"])
        joins = [p for p in s.scalars(select(AuditEvent.payload).where(AuditEvent.instance_id == ids["instance"]))
                 if "joined" in (p or {})]
        complete = ops.checklist_complete(s, ids["case"])
        slots = s.scalars(select(WorkflowSignature.slot).where(
            WorkflowSignature.instance_id == ids["instance"])).all()
        assert verify_chain(s).ok
    if instance.configuration == ["exit_interview"]:
        assert complete and len(joins) == 1 and sorted(slots) == ["handover.leaver", "handover.receiver"]
        assert isinstance(outcomes[2], ops.HandoverError)  # the edit came too late: refused
    else:  # the edit won the lock first: it voided the signatures and both sign-offs were refused
        assert not complete and joins == [] and all(ok is False for ok, _ in fired)
    assert sum(1 for ok, joined in fired if joined == "handover") == len(joins)
