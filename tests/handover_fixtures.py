"""Fixtures for the handover checklist: clearance users, a case in its handover, web helpers."""
from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from tests.conftest import PASSWORD, csrf_from


@pytest.fixture
def clearance(make_user):
    """People holding the clearance roles (no employee record: they sign by role)."""
    return SimpleNamespace(it=make_user("it1", roles=("it",)), it2=make_user("it2", roles=("it",)),
                           finance=make_user("fin1", roles=("finance",)),
                           admin=make_user("admin1", roles=("admin",)))


def walk_to_handover(case, people, leaver_user=None) -> None:
    """Submit, approve and HR-approve through the engine as the real users."""
    from sqlalchemy import select

    from app.db import db
    from app.modules.auth.models import User
    from app.modules.cases.operations import fire_case_event

    boss = db.session.scalar(select(User).where(User.employee_id == case.manager_id))
    for event, user, payload in (("submit", leaver_user or people.leaver_user, None),
                                 ("approve", boss, {"agreed_last_day": case.requested_last_day}),
                                 ("approve", people.hr_user, None)):
        result = fire_case_event(case, event, user, case.version, payload)
        assert result, (event, result.refusal)


def open_resignation(people, employee=None, receiver=None, last_day=None):
    """A voluntary resignation for `employee` (the leaver by default) walked to the handover."""
    from app.modules.cases.operations import open_case

    employee = employee or people.leaver
    today = date.today()
    case = open_case(employee, "voluntary_resignation", people.hr_user, notice_date=today,
                     requested_last_day=last_day or today + timedelta(days=45),
                     handover_receiver_id=(receiver or people.successor).id)
    leaver_user = None
    if employee is not people.leaver:
        from app.modules.auth.operations import create_user

        leaver_user = create_user(f"leaver{employee.id}", PASSWORD, employee_id=employee.id)
    walk_to_handover(case, people, leaver_user)
    return case


@pytest.fixture
def handover_case(session, shipped_workflows, people, clearance):
    """The leaver's resignation in its handover, with the generic checklist."""
    case = open_resignation(people)
    session.flush()
    return case


def items_by_key(session, case) -> dict:
    from app.modules.handover.operations import items_of

    return {item.key: item for item in items_of(session, case.id)}


def signer(user, ip="10.0.0.1"):
    from app.modules.handover.operations import Signer

    return Signer(user, ip)


def sign_all(session, case, people, clearance):
    """Hand over and confirm every item as the right people (operations, no web)."""
    from app.modules.handover.operations import confirm_item, hand_over_item, items_of

    by_role = {"it": clearance.it, "finance": clearance.finance, "admin": clearance.admin,
               "successor": people.successor_user, "supervisor": people.boss_user}
    for item in items_of(session, case.id):
        if item.status in ("pending", "disputed"):
            evidence = _evidence(session, case, people) if item.evidence_required else None
            hand_over_item(session, item, signer(people.leaver_user), note="done", evidence=evidence)
        if item.status == "handed_over":
            confirm_item(session, item, signer(by_role[item.receiver_role]))


def _evidence(session, case, people):
    from app.modules.cases.models import CaseAttachment

    row = CaseAttachment(case_id=case.id, kind="evidence", filename="e.png", mime="image/png", size=1,
                         sha256="0" * 64, uploaded_by_id=people.leaver_user.id)
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def item_post(client):
    """Submit one of the forms on an item page (found by data-action), as a user would."""
    def _post(case, item, action, password=PASSWORD, version=None, **fields):
        page = client.get(f"/cases/{case.id}/handover/items/{item.id}")
        html = page.get_data(as_text=True)
        form = re.search(rf'<form[^>]*data-action="{action}".*?</form>', html, re.S)
        data = {f"{action}-{k}": v for k, v in fields.items()}
        if form:
            token = csrf_from(form.group(0))
            found = re.search(r'name="[\w-]*version"[^>]*value="(\d+)"', form.group(0))
            data[f"{action}-version"] = str(version if version is not None else found.group(1))
        else:
            token = csrf_from(client.get("/").get_data(as_text=True))
            data[f"{action}-version"] = str(version if version is not None else item.version)
        data[f"{action}-csrf_token"] = token
        if password is not None:
            data[f"{action}-password"] = password
        return client.post(f"/cases/{case.id}/handover/items/{item.id}/{action.replace('_', '-')}",
                           data=data, content_type="multipart/form-data")
    return _post
