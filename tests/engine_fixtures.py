"""Helpers for the engine tests: a fake world, an isolated registry, clocks and actors."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.engine import Actor
from app.engine.clock import FixedClock, WeekdayCalendar
from app.engine.registry import Registry, new_registry

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / "workflows"
BAD = Path(__file__).resolve().parent / "fixtures" / "workflows"
SHIPPED = ("voluntary_resignation", "probation_resignation", "mutual_agreement", "dismissal",
           "contract_expiry", "retirement")
SLOW_SCHEMA = {"type": "object"}

EMPLOYEE = Actor(user_id=1, employee_id=101, groups=frozenset({"employee"}), name="leaver")
SUPERVISOR = Actor(user_id=2, employee_id=102, groups=frozenset({"employee"}), name="boss")
RECEIVER = Actor(user_id=3, employee_id=103, groups=frozenset({"employee"}), name="receiver")
HR = Actor(user_id=4, employee_id=104, groups=frozenset({"hr"}), name="hr")
HR_ADMIN = Actor(user_id=5, employee_id=105, groups=frozenset({"hr", "hr_admin"}), name="admin")
STRANGER = Actor(user_id=6, employee_id=106, groups=frozenset(), name="stranger")
ACTORS = (EMPLOYEE, SUPERVISOR, RECEIVER, HR, HR_ADMIN, STRANGER)
PEOPLE = {"employee_id": 101, "manager_id": 102, "receiver_id": 103}


@dataclass
class FakeWorld:
    """What the fake behaviour functions read and write instead of real tables."""

    checklist_complete: bool = True
    notice_ok: bool = True
    protections: list[str] = field(default_factory=list)
    union_notified: bool = True
    last_day: date | None = date(2026, 3, 31)
    calls: list[tuple[str, dict]] = field(default_factory=list)


def fake_registry(world: FakeWorld) -> Registry:
    """A registry with every name the shipped definitions use, backed by `world`."""
    reg = new_registry()
    for role, key in (("case.employee", "employee_id"), ("case.employee.manager", "manager_id"),
                      ("case.handover_receiver", "receiver_id")):
        reg.register("role", role, lambda ctx, key=key: {(ctx.instance.data or {}).get(key)})
    reg.register("guard", "checklist_complete",
                 lambda ctx: world.checklist_complete or "the checklist is not signed")
    reg.register("guard", "notice_period_ok", lambda ctx: world.notice_ok or "notice too short")
    reg.register("guard", "art42_not_protected",
                 lambda ctx: not world.protections or f"protected: {', '.join(world.protections)}")
    reg.register("guard", "union_notified",
                 lambda ctx: world.union_notified or "the union was not notified")
    for name in ("create_checklist", "archive_alumni", "schedule_account_shutdown", "prepare_settlement"):
        reg.register("action", name,
                     lambda ctx, name=name, **p: world.calls.append((name, dict(p))), {})
    # Guards the app adds for the law and the handover gates: pass unless a test says otherwise.
    for name in ("agreed_last_day_ok", "art40_notice_ok", "evidence_attached", "probation_dismissal_allowed",
                 "leaver_gates_clear"):
        reg.register("guard", name, lambda ctx, **p: True)
    for name in ("render_pdf", "notify", "webhook", "invite_exit_survey", "remind_handover"):
        reg.register("action", name, lambda ctx, **p: None, SLOW_SCHEMA, slow=True)
    reg.register("date", "case.last_day", lambda ctx: world.last_day)
    return reg


def utc(*args) -> datetime:
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld()


@pytest.fixture
def registry(world) -> Registry:
    return fake_registry(world)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(utc(2026, 3, 2, 2, 0))  # a Monday, 10:00 in China


@pytest.fixture
def calendar() -> WeekdayCalendar:
    return WeekdayCalendar()
