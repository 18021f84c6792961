"""What the checklist partial and the item page show, for the user looking at them."""
from __future__ import annotations

from flask_login import current_user

from app.clock import today as china_today
from app.db import db
from app.modules.handover import access, operations
from app.modules.handover.forms import (
    CATEGORY_LABELS,
    RECEIVER_LABELS,
    ConfirmForm,
    DisputeForm,
    EditItemForm,
    HandOverForm,
    ItemForm,
    RemoveItemForm,
    ReportsForm,
    SuccessorForm,
    password_required,
)


def item_forms(case, item, user, failed: dict | None = None) -> dict:
    """The forms this user may submit for this item now, keyed by action."""
    failed = failed or {}
    if not operations.checklist_open(case.instance):
        return {}
    forms = {}
    version = {"version": item.version}
    if access.is_leaver(user, case) and item.status in ("pending", "disputed"):
        forms["hand_over"] = failed.get("hand_over") or HandOverForm(prefix="hand_over", data={
            **version, "note": item.note})
    if access.may_receive(user, item, case) and item.status == "handed_over":
        forms["confirm"] = failed.get("confirm") or ConfirmForm(prefix="confirm", data=version)
        forms["dispute"] = failed.get("dispute") or DisputeForm(prefix="dispute", data=version)
    if access.can_manage(user, case):
        receiver_no = item.receiver_employee.employee_no if item.receiver_employee else ""
        forms["edit"] = failed.get("edit") or EditItemForm(prefix="edit", data={
            **version, "title_zh": item.title_zh, "title_en": item.title_en, "category": item.category,
            "receiver_role": item.receiver_role, "receiver_no": receiver_no, "due_on": item.due_on,
            "evidence_required": item.evidence_required})
        forms["remove"] = failed.get("remove") or RemoveItemForm(prefix="remove", data=version)
    for form in forms.values():
        form.version.data = item.version
    return forms


def panel(case) -> dict:
    """The case page's checklist section: items, progress, gates and the forms for this user."""
    items = operations.items_of(db.session, case.id)
    if not items and not operations.checklist_open(case.instance):
        return {"visible": False}
    if not access.can_see_checklist(current_user, case):
        return {"visible": False}
    today = china_today()
    open_ = operations.checklist_open(case.instance)
    manage = access.can_manage(current_user, case) and open_
    return {
        "visible": True, "items": items, "open": open_, "today": today,
        "removed": operations.removed_items_of(db.session, case.id),
        "confirmed": sum(i.status == "confirmed" for i in items),
        "overdue": {i.id for i in items if operations.is_overdue(i, today)},
        "mine": {i.id for i in items if (access.may_receive(current_user, i, case) and i.status == "handed_over")
                 or (access.is_leaver(current_user, case) and i.status in ("pending", "disputed"))},
        "gates": operations.leaver_gates(db.session, case),
        "add_form": ItemForm(prefix="add") if manage else None,
        "successor_form": SuccessorForm(prefix="successor")
        if open_ and access.can_name_successor(current_user, case) else None,
        "reports_form": ReportsForm(prefix="reports") if access.can_name_successor(current_user, case) else None,
        "categories": CATEGORY_LABELS, "receivers": RECEIVER_LABELS,
        "password_required": password_required(),
    }
