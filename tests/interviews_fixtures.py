"""Fixtures for the interview and alumni tests: a case waiting for its exit interview."""
from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def gates_open():
    """The handover gates before archiving are another feature's; these tests assume them clear."""
    from app.engine.registry import registry

    saved = registry._items["guard"].get("leaver_gates_clear")
    registry.register("guard", "leaver_gates_clear", lambda ctx: True,
                      {"type": "object", "additionalProperties": False})
    yield
    if saved is not None:
        registry._items["guard"]["leaver_gates_clear"] = saved


@pytest.fixture
def interview_case(session, shipped_workflows, people, gates_open):
    """陈美丽's resignation, moved straight to the exit interview step (the steps before are
    tested by the cases and handover features)."""
    from app.modules.cases.operations import open_case

    case = open_case(people.leaver, "voluntary_resignation", people.hr_user,
                     reason_codes=["pay_benefits", "career"], primary_reason="pay_benefits",
                     notice_date=date(2026, 3, 2), requested_last_day=date(2026, 4, 1),
                     agreed_last_day=date(2026, 4, 1), handover_receiver_id=people.successor.id)
    case.instance.configuration = ["exit_interview"]
    session.flush()
    return case


@pytest.fixture
def auditor(make_user):
    return make_user("auditor1", roles=("auditor",))
