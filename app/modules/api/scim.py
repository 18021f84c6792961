"""SCIM 2.0 deprovisioning: when someone's account is closed (employee.offboarded), set
`active: false` on the company's SCIM service (SENDOFF_SCIM_URL), matching the user by
`externalId` = employee number, else `userName` = e-mail. An outbox job, retried with backoff
and audited; `flask identity reconcile` lists leavers still active there.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app.db import db, utcnow
from app.engine.outbox import record as record_job

log = logging.getLogger(__name__)
DEPROVISION_JOB = "identity.deprovision"
MAX_ATTEMPTS = 8


def configured() -> bool:
    return bool(current_app.config.get("SCIM_URL"))


def queue_deprovision(session, case) -> None:
    """Record the SCIM job in the transaction that closed the account (none without SCIM)."""
    if configured():
        record_job(session, DEPROVISION_JOB, {"employee_id": case.employee_id, "case_id": case.id},
                   now=utcnow(), instance_id=case.instance_id, max_attempts=MAX_ATTEMPTS)


def client():
    """A scim2-client over httpx2, bearer token, timeout, no redirects, the server's schemas."""
    import httpx2
    from scim2_client.engines.httpx2 import SyncSCIMClient

    config = current_app.config
    headers = {"Authorization": f"Bearer {config['SCIM_TOKEN']}"} if config.get("SCIM_TOKEN") else {}
    http = httpx2.Client(base_url=config["SCIM_URL"].rstrip("/") + "/", headers=headers,
                         timeout=config["SCIM_TIMEOUT"], follow_redirects=False, trust_env=False)
    scim = SyncSCIMClient(http)
    scim.discover()
    return scim


@dataclass(frozen=True)
class Found:
    user: object  # a scim2_models User
    matched_by: str  # externalId | userName


def find_user(scim, employee) -> Found | None:
    """The employee's SCIM user: by externalId (employee number), else userName (e-mail)."""
    from scim2_models import SearchRequest, User

    tries = [("externalId", employee.employee_no), ("userName", employee.email)]
    for attribute, value in tries:
        if not value:
            continue
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')
        response = scim.query(User, query_parameters=SearchRequest(filter=f'{attribute} eq "{quoted}"'))
        if response.resources:
            return Found(response.resources[0], attribute)
    return None


def deactivate(scim, found: Found) -> bool:
    """PATCH active=false; False when the user was inactive already."""
    from scim2_models import PatchOp, User

    if found.user.active is False:
        return False
    scim.modify(User, found.user.id, PatchOp[User](operations=[{"op": "replace", "path": "active", "value": False}]))
    return True


def deprovision_job(payload: dict) -> None:
    """Outbox handler: deactivate the leaver's identity; a network or server error is retried."""
    from app.audit import record_event
    from app.modules.employees.models import Employee

    try:
        employee = db.session.get(Employee, payload["employee_id"])
        if employee is None:
            return
        scim = client()
        found = find_user(scim, employee)
        if found is None:
            record_event("identity.not_found", subject=f"employee:{employee.id}",
                         payload={"employee_no": employee.employee_no, "case": payload.get("case_id")})
        else:
            changed = deactivate(scim, found)
            record_event("identity.deprovisioned", subject=f"employee:{employee.id}",
                         payload={"employee_no": employee.employee_no, "scim_id": found.user.id,
                                  "matched_by": found.matched_by, "changed": changed,
                                  "case": payload.get("case_id")})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def still_active() -> list[dict]:
    """People who have left here but whose SCIM user is still active (or who have none there)."""
    from app.modules.employees.models import Employee

    scim = client()
    rows = []
    for employee in db.session.scalars(select(Employee).where(Employee.status == "left")
                                       .order_by(Employee.employee_no)):
        found = find_user(scim, employee)
        if found is not None and found.user.active is not False:
            rows.append({"employee_no": employee.employee_no, "email": employee.email,
                         "scim_id": found.user.id, "matched_by": found.matched_by})
    return rows
