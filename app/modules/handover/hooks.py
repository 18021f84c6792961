"""Engine hooks of the handover: the `remind_handover` timer action and its outbox job."""
from __future__ import annotations

import logging

from app.db import db
from app.engine.registry import registry

log = logging.getLogger(__name__)


registry.register("action", "remind_handover", lambda ctx, **params: None,
                  {"type": "object", "additionalProperties": False,
                   "properties": {"template": {"type": "string"}, "everyone": {"type": "boolean"}}},
                  slow=True)


def waiting_users(case, everyone: bool = False) -> list:
    """Everyone an unsigned item waits for (or, with `everyone`, every signer and the supervisor)."""
    from app.modules.handover.models import CLEARANCE_ROLES
    from app.modules.handover.operations import items_of
    from app.modules.notifications.operations import users_in_groups, users_of_employees

    employees, groups = set(), set()
    if everyone:
        employees.add(case.manager_id)
    for item in items_of(db.session, case.id):
        if everyone and item.status != "confirmed":
            employees.add(case.employee_id)
            groups |= {item.receiver_role} & set(CLEARANCE_ROLES)
            employees.add(item.receiver_employee_id)
        elif item.status in ("pending", "disputed"):
            employees.add(case.employee_id)
        elif item.status == "handed_over" and item.receiver_role in CLEARANCE_ROLES:
            groups.add(item.receiver_role)
        elif item.status == "handed_over" and item.receiver_employee_id:
            employees.add(item.receiver_employee_id)
    return users_of_employees(employees - {None}) + users_in_groups(groups)


@registry.outbox_handler("remind_handover")
def send_handover_reminder(payload: dict) -> None:
    """Tell whoever an open item waits for (timers of the handover state: announce, remind)."""
    from app.engine.models import WorkflowInstance
    from app.engine.runtime import definition_of
    from app.modules.handover.operations import checklist_open
    from app.modules.notifications.hooks import case_for_subject, deliver_notifications, job_context

    instance = db.session.get(WorkflowInstance, payload["instance_id"])
    if instance is None or not checklist_open(instance):
        log.info("handover reminder %s: the handover is over; dropped", payload.get("job_id"))
        return
    case = case_for_subject(instance.subject)
    params = payload.get("params") or {}
    users = waiting_users(case, bool(params.get("everyone"))) if case else []
    if not users:
        return
    _, defn = definition_of(db.session, instance)
    template = params.get("template") or "step_needed"
    deliver_notifications(users, template, job_context(instance, defn, case, payload), case=case,
                          job_id=payload["job_id"], link="/handover/inbox")
