"""The handover checklist: read it, name the successor, hand over, confirm or dispute an item.

An API signature is the token's user signing, through the "api" channel, with the token named
on the signature row and in the audit; the same access rules as the item page decide who may.
"""
from __future__ import annotations

from sqlalchemy import select

from app.db import db
from app.modules.api import schemas
from app.modules.api.auth import current_api_user, current_token, require_scope
from app.modules.api.blueprint import resource
from app.modules.api.idempotency import idempotent
from app.modules.api.presenters import handover_data, item_data
from app.modules.api.resources.common import client_ip, conflict, forbidden, not_found, refused
from app.modules.cases.models import Case
from app.modules.employees.models import Employee
from app.modules.handover import access, operations
from app.modules.handover.jobs import record_dispute_notice
from app.modules.handover.models import HandoverItem

bp = resource("api_handover", "Handover checklists, signed item by item")


def _case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or not access.can_see_checklist(current_api_user(), case):
        raise not_found()
    return case


def _item(item_id: int) -> tuple[Case, HandoverItem]:
    item = db.session.get(HandoverItem, item_id)
    if item is None or item.removed_at is not None:
        raise not_found()
    return _case(item.case_id), item


def _signer() -> operations.Signer:
    return operations.Signer(current_api_user(), client_ip(), channel="api", token_id=current_token().id)


def _run(action, case: Case, item: HandoverItem | None = None):
    """Call one operation and commit; 409 when stale, 422 when the checklist says no."""
    try:
        action()
    except operations.StaleItem as error:
        db.session.rollback()
        raise conflict(str(error)) from error
    except operations.HandoverError as error:
        db.session.rollback()
        raise refused(str(error)) from error
    db.session.commit()
    from app.i18n import current_locale

    return item_data(item, current_locale()) if item is not None else handover_data(case)


@bp.route("/cases/<int(max=2147483647):case_id>/handover")
@require_scope("read")
@bp.response(200, schemas.Handover)
def checklist(case_id: int):
    """The checklist: successor, items with receiver, status and version."""
    return handover_data(_case(case_id))


@bp.route("/cases/<int(max=2147483647):case_id>/handover/successor", methods=["PUT"])
@require_scope("write")
@bp.arguments(schemas.SuccessorPut)
@bp.response(200, schemas.Handover)
def successor(body, case_id: int):
    """The supervisor (or HR) names the successor; the successor's open items move to them."""
    case = _case(case_id)
    if not access.can_name_successor(current_api_user(), case):
        raise forbidden()
    person = db.session.scalar(select(Employee).where(Employee.employee_no == body["employee_no"].strip(),
                                                      Employee.status != "left"))
    if person is None:
        raise refused("No current employee has this number.", {"employee_no": "No current employee has this number."})
    return _run(lambda: operations.name_successor(db.session, case, current_api_user(), person.id), case)


@bp.route("/handover/items/<int(max=2147483647):item_id>/hand-over", methods=["POST"])
@require_scope("handover:sign")
@idempotent
@bp.arguments(schemas.HandOver)
@bp.response(200, schemas.HandoverItem)
def hand_over(body, item_id: int):
    """The leaver hands the item over and signs it (their own token only)."""
    case, item = _item(item_id)
    if not access.is_leaver(current_api_user(), case):
        raise forbidden("Only the leaver hands an item over.")
    return _run(lambda: operations.hand_over_item(db.session, item, _signer(), note=body["note"],
                                                  expected_version=body["version"]), case, item)


@bp.route("/handover/items/<int(max=2147483647):item_id>/confirm", methods=["POST"])
@require_scope("handover:sign")
@idempotent
@bp.arguments(schemas.Confirm)
@bp.response(200, schemas.HandoverItem)
def confirm(body, item_id: int):
    """The item's receiver confirms it and signs."""
    case, item = _item(item_id)
    if not access.may_receive(current_api_user(), item, case):
        raise forbidden("Only the item's receiver confirms it.")
    return _run(lambda: operations.confirm_item(db.session, item, _signer(), expected_version=body["version"]),
                case, item)


@bp.route("/handover/items/<int(max=2147483647):item_id>/dispute", methods=["POST"])
@require_scope("handover:sign")
@idempotent
@bp.arguments(schemas.Dispute)
@bp.response(200, schemas.HandoverItem)
def dispute(body, item_id: int):
    """The item's receiver refuses it with a reason; it goes back to the leaver."""
    case, item = _item(item_id)
    if not access.may_receive(current_api_user(), item, case):
        raise forbidden("Only the item's receiver disputes it.")

    def act():
        operations.dispute_item(db.session, item, _signer(), body["reason"], expected_version=body["version"])
        record_dispute_notice(item, current_api_user())

    return _run(act, case, item)
