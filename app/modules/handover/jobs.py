"""Background jobs: tell the leaver (and the supervisor) that an item was disputed.

The notice is recorded in the outbox in the dispute's own transaction, so it is sent
even if the process dies right after the commit.
"""
from __future__ import annotations

from app.db import db, utcnow
from app.engine.registry import registry

DISPUTE_JOB = "handover_dispute"


def record_dispute_notice(item, user) -> None:
    """Queue the dispute notice with the dispute itself (same transaction)."""
    from app.engine.outbox import record

    record(db.session, DISPUTE_JOB, {"item_id": item.id, "actor_user_id": user.id}, now=utcnow())


@registry.outbox_handler(DISPUTE_JOB)
def run_dispute_notice(payload: dict) -> None:
    """Outbox handler: send the notice for one dispute."""
    tell_dispute(payload["item_id"], payload["actor_user_id"])


def tell_dispute(item_id: int, actor_user_id: int) -> None:
    """Inbox row and e-mail for the leaver and the supervisor; commits (it is a job)."""
    from app.modules.auth.models import User
    from app.modules.cases.models import Case
    from app.modules.handover.models import HandoverItem
    from app.modules.notifications.operations import notify_users, recipients_for_roles

    item = db.session.get(HandoverItem, item_id)
    if item is None or item.status != "disputed":
        return
    case = db.session.get(Case, item.case_id)
    actor = db.session.get(User, actor_user_id)
    users = recipients_for_roles(case, ["employee", "supervisor"])
    context = {"reference": case.reference, "employee": case.employee.name,
               "item": {"zh_CN": item.title_zh, "en": item.title_en},
               "actor": actor.display_name if actor else None, "comment": item.dispute_reason}
    notify_users(users, "handover_item_disputed", context, case=case,
                 link=f"/cases/{case.id}/handover/items/{item.id}")
    db.session.commit()
