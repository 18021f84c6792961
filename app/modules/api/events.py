"""What happened, as webhook events (and the SCIM deprovisioning job), recorded in the
transaction of the change itself: the engine's and the features' signals are heard here.

Every employee.* payload carries who leaves and what identity systems need: employee_no,
e-mail, active, the last working day with its end and time zone, manager, reason code and
successor.
"""
from __future__ import annotations

from datetime import datetime

from app.engine.timing import CHINA_TZ
from app.modules.api.webhooks import publish

TIME_ZONE = "Asia/Shanghai"


def _ref(employee) -> dict | None:
    if employee is None:
        return None
    return {"employee_no": employee.employee_no, "name": employee.name, "email": employee.email}


def _last_day_ends(case) -> str | None:
    from app.modules.alumni.operations import shutdown_due_at

    due = shutdown_due_at(case)
    return due.astimezone(CHINA_TZ).isoformat() if due else None


def employee_block(case, *, active: bool | None = None) -> dict:
    """Who leaves: number, e-mail, active, last working day (its end, in China time), manager,
    main reason, successor."""
    employee = case.employee
    return {"employee_no": employee.employee_no, "name": employee.name, "email": employee.email,
            "active": (employee.status != "left") if active is None else active,
            "last_working_day": case.last_day.isoformat() if case.last_day else None,
            "last_working_day_ends_at": _last_day_ends(case), "time_zone": TIME_ZONE,
            "manager": _ref(case.manager or employee.manager), "reason_code": case.primary_reason,
            "reason_codes": list(case.reason_codes or []), "successor": _ref(case.handover_receiver)}


def case_block(case, configuration, definition, outcome=None) -> dict:
    return {"id": case.id, "reference": case.reference, "workflow_id": case.workflow_id,
            "definition_version": definition.version, "states": list(configuration),
            "outcome": outcome}


def _short(case) -> dict:
    return {"id": case.id, "reference": case.reference, "workflow_id": case.workflow_id}


def _case_of(session, subject: str | None):
    from app.modules.cases.models import Case

    kind, _, ident = (subject or "").partition(":")
    return session.get(Case, int(ident)) if kind == "case" and ident.isdigit() else None


def on_started(session, *, instance, definition, now: datetime, **_):
    """case.opened."""
    case = _case_of(session, instance.subject)
    if case is None:
        return
    publish(session, "case.opened", lambda: {"case": case_block(case, instance.configuration, definition),
                                             "employee": employee_block(case)}, now=now)


def _signs_off_handover(definition, joined: str | None) -> bool:
    """The joined parallel state is the handover: a region signs with the checklist guard."""
    if not joined:
        return False
    state = definition.state(joined)
    for region in state.regions:
        for name in region.states:
            for transition in definition.state(f"{region.path}.{name}").transitions:
                if any(g.name == "checklist_complete" for g in transition.guards):
                    return True
    return False


def on_changed(session, *, subject, definition, decision, now: datetime, **_):
    """case.state_changed, handover.signed_off, case.closed."""
    from app.modules.cases.operations import outcome_of

    case = _case_of(session, subject)
    if case is None or set(decision.source) == set(decision.target):
        return
    outcome = outcome_of(definition, decision.target) if decision.finished else None

    def payload(**extra):
        return lambda: {"case": case_block(case, decision.target, definition, outcome),
                        "employee": employee_block(case), **extra}

    publish(session, "case.state_changed", payload(event=decision.event, from_states=list(decision.source),
                                                   to_states=list(decision.target)), now=now)
    if _signs_off_handover(definition, decision.joined):
        publish(session, "handover.signed_off", payload(), now=now)
    if decision.finished:
        publish(session, "case.closed", payload(outcome=outcome), now=now)


def on_offboarding_scheduled(case, *, session, due: datetime, **_):
    """employee.offboarding_scheduled: the last day is agreed and the account closes then."""
    publish(session, "employee.offboarding_scheduled", lambda: {"case": _short(case),
             "employee": employee_block(case), "account_closes_at": due.astimezone(CHINA_TZ).isoformat()},
            dedupe_key=f"case:{case.id}:{case.last_day}")


def on_event_recorded(action: str, *, session, subject: str, payload: dict, **_):
    """employee.offboarded (the account was closed): the webhook, and SCIM deprovisioning."""
    if action != "employee.offboarded":
        return
    from sqlalchemy import select

    from app.modules.api.scim import queue_deprovision
    from app.modules.cases.models import Case

    case = session.scalar(select(Case).where(Case.reference == payload.get("case")))
    if case is None:
        return
    publish(session, "employee.offboarded", lambda: {"case": _short(case),
             "employee": employee_block(case, active=False), "logins": payload.get("logins", [])},
            dedupe_key=f"case:{case.id}")
    queue_deprovision(session, case)


def on_document_issued(session, *, document, **_):
    """document.issued."""
    case = document.case
    publish(session, "document.issued", lambda: {"case": _short(case),
             "document": {"id": document.id, "kind": document.kind, "version": document.version,
                          "code": document.code, "sha256": document.sha256},
             "employee_no": case.employee.employee_no})
