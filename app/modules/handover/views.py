"""Checklist pages: the item page and its actions, the receiver's inbox, the supervision board."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.clock import today as china_today
from app.db import db
from app.errors import Conflict
from app.modules.auth.permissions import require_roles
from app.modules.cases.access import HANDOVER_EVIDENCE
from app.modules.cases.models import Case
from app.modules.cases.operations import CaseError
from app.modules.cases.uploads import UploadError, send_upload
from app.modules.employees.models import Employee
from app.modules.handover import access, operations, queries
from app.modules.handover.forms import (
    BulkReceiverForm,
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
from app.modules.handover.jobs import record_dispute_notice
from app.modules.handover.models import HandoverItem
from app.modules.handover.panel import item_forms, panel
from app.params import page_arg
from app.requests import safe_next

bp = Blueprint("handover", __name__, template_folder="templates")
bp.add_app_template_global(panel, "handover_panel")
ITEM = "/cases/<int:case_id>/handover/items/<int:item_id>"


# ---------------------------------------------------------------- loading and answering


def load_case(case_id: int) -> Case:
    """The case, if the user may see its checklist; 404 otherwise."""
    case = db.session.get(Case, case_id)
    if case is None or not access.can_see_checklist(current_user, case):
        abort(404)
    return case


def load_item(case_id: int, item_id: int) -> tuple[Case, HandoverItem]:
    """The item of that case, if the user may see the case's checklist; 404 otherwise."""
    case = load_case(case_id)
    item = db.session.get(HandoverItem, item_id)
    if item is None or item.case_id != case.id:
        abort(404)
    return case, item


def signer() -> operations.Signer:
    return operations.Signer(current_user, request.remote_addr or "")


def _back(case: Case, item: HandoverItem | None = None):
    """Where the user came from; the case page if they may see it, else the item or the inbox."""
    from app.modules.cases.access import can_view

    target = safe_next(request.form.get("next"), "")
    if target:
        return redirect(target)
    if can_view(current_user, case):
        return redirect(url_for("cases.show", case_id=case.id, _anchor="handover"))
    if item is not None:
        return redirect(url_for("handover.item", case_id=case.id, item_id=item.id))
    return redirect(url_for("handover.inbox"))


def _run(case: Case, item: HandoverItem | None, action, done: str, failed_form=None, **page):
    """Call one operation; commit and go back, or roll back and say why (409 when stale)."""
    try:
        action()
    except operations.StaleItem as error:
        db.session.rollback()
        reload_url = url_for("handover.item", case_id=case.id, item_id=item.id) if item else None
        raise Conflict(reload_url=reload_url, description=str(error)) from error
    except (operations.HandoverError, UploadError, CaseError) as error:
        db.session.rollback()
        flash(str(error), "danger")
        if item is None:
            return _back(case)
        return _item_page(case, item, failed_form, **page), 400
    db.session.commit()
    flash(done, "success")
    return _back(case, item)


def _item_page(case: Case, item: HandoverItem, failed_form=None, name: str = ""):
    forms = item_forms(case, item, current_user, failed={name: failed_form} if failed_form else None)
    return render_template("handover/item.html", case=case, item=item, forms=forms,
                           password_required=password_required(),
                           next=safe_next(request.form.get("next"), ""))


def _invalid(case, item, form, name):
    db.session.rollback()
    return _item_page(case, item, form, name), 400


def _employee(number: str) -> Employee | None:
    return db.session.scalar(select(Employee).where(Employee.employee_no == (number or "").strip(),
                                                    Employee.status != "left"))


# ---------------------------------------------------------------- the item and its signatures


@bp.route(ITEM)
@login_required
def item(case_id: int, item_id: int):
    """One item: its terms, signatures (voided ones too) and the steps the user may take."""
    case, item = load_item(case_id, item_id)
    return _item_page(case, item)


@bp.route(ITEM + "/evidence")
@login_required
def evidence(case_id: int, item_id: int):
    """Download the item's evidence as the type it was checked to be, under a name the app makes."""
    case, item = load_item(case_id, item_id)
    if item.evidence is None or not access.may_see_evidence(current_user, case, item):
        abort(404)
    return send_upload(item.evidence, f"{case.reference}_handover_{item.id}_{item.evidence.id}")


@bp.route(ITEM + "/hand-over", methods=["POST"])
@login_required
def hand_over(case_id: int, item_id: int):
    """The leaver marks the item handed over and signs it."""
    case, item = load_item(case_id, item_id)
    if not access.is_leaver(current_user, case):
        abort(403)
    form = HandOverForm(prefix="hand_over")
    if not form.validate_on_submit():
        return _invalid(case, item, form, "hand_over")

    def act():
        upload = form.evidence.data
        attachment = None
        if upload and getattr(upload, "filename", ""):
            from app.modules.cases.operations import attach_file

            attachment = attach_file(case, current_user, upload.read(), upload.filename,
                                     kind=HANDOVER_EVIDENCE)
            db.session.flush()
        operations.hand_over_item(db.session, item, signer(), note=form.note.data or "",
                                  evidence=attachment, expected_version=form.expected_version())
    return _run(case, item, act, _("Handed over and signed."), form, name="hand_over")


@bp.route(ITEM + "/confirm", methods=["POST"])
@login_required
def confirm(case_id: int, item_id: int):
    """The receiver confirms the item and signs it."""
    case, item = load_item(case_id, item_id)
    if not access.may_receive(current_user, item, case):
        abort(403)
    form = ConfirmForm(prefix="confirm")
    if not form.validate_on_submit():
        return _invalid(case, item, form, "confirm")
    return _run(case, item, lambda: operations.confirm_item(
        db.session, item, signer(), expected_version=form.expected_version()),
        _("Confirmed and signed."), form, name="confirm")


@bp.route(ITEM + "/dispute", methods=["POST"])
@login_required
def dispute(case_id: int, item_id: int):
    """The receiver refuses the item with a reason; it goes back to the leaver."""
    case, item = load_item(case_id, item_id)
    if not access.may_receive(current_user, item, case):
        abort(403)
    form = DisputeForm(prefix="dispute")
    if not form.validate_on_submit():
        return _invalid(case, item, form, "dispute")

    def act():
        operations.dispute_item(db.session, item, signer(), form.reason.data,
                                expected_version=form.expected_version())
        record_dispute_notice(item, current_user)

    return _run(case, item, act, _("Disputed: the item went back to the leaver."), form, name="dispute")


# ---------------------------------------------------------------- HR and the supervisor


@bp.route(ITEM + "/edit", methods=["POST"])
@login_required
def edit(case_id: int, item_id: int):
    """HR changes an item; signatures over the old content are voided, visibly."""
    case, item = load_item(case_id, item_id)
    if not access.can_manage(current_user, case):
        abort(403)
    form = EditItemForm(prefix="edit")
    if not form.validate_on_submit():
        return _invalid(case, item, form, "edit")
    receiver = _employee(form.receiver_no.data) if form.receiver_no.data else None
    if form.receiver_no.data and receiver is None:
        form.receiver_no.errors.append(_("No current employee has this number."))
        return _invalid(case, item, form, "edit")
    changes = _item_fields(case, form, receiver, item)
    return _run(case, item, lambda: operations.edit_item(
        db.session, item, current_user, form.reason.data, expected_version=form.expected_version(),
        **changes), _("The item was changed."), form, name="edit")


def _item_fields(case: Case, form, receiver: Employee | None, item: HandoverItem | None = None) -> dict:
    role = form.receiver_role.data
    if role in ("it", "finance", "admin"):
        employee_id = None
    elif receiver is not None:
        employee_id = receiver.id
    elif item is not None and item.receiver_role == role:
        employee_id = item.receiver_employee_id
    else:
        employee_id = operations.default_receiver(case, role)
    return {"title_zh": form.title_zh.data.strip(), "title_en": (form.title_en.data or form.title_zh.data).strip(),
            "category": form.category.data, "receiver_role": role, "receiver_employee_id": employee_id,
            "due_on": form.due_on.data, "evidence_required": bool(form.evidence_required.data)}


@bp.route(ITEM + "/remove", methods=["POST"])
@login_required
def remove(case_id: int, item_id: int):
    """HR removes an item with a reason."""
    case, item = load_item(case_id, item_id)
    if not access.can_manage(current_user, case):
        abort(403)
    form = RemoveItemForm(prefix="remove")
    if not form.validate_on_submit():
        return _invalid(case, item, form, "remove")
    return _run(case, item, lambda: operations.remove_item(
        db.session, item, current_user, form.reason.data, expected_version=form.expected_version()),
        _("The item was removed."), form, name="remove")


@bp.route("/cases/<int:case_id>/handover/items", methods=["POST"])
@login_required
def add(case_id: int):
    """HR adds an item with a reason."""
    case = load_case(case_id)
    if not access.can_manage(current_user, case):
        abort(403)
    form = ItemForm(prefix="add")
    receiver = _employee(form.receiver_no.data) if form.receiver_no.data else None
    if not form.validate_on_submit() or (form.receiver_no.data and receiver is None):
        flash(_("The item was not added: check the title, the receiver and the reason."), "danger")
        return _back(case)
    fields = _item_fields(case, form, receiver)
    return _run(case, None, lambda: operations.add_item(db.session, case, current_user, form.reason.data,
                                                        **fields), _("The item was added."))


@bp.route("/cases/<int:case_id>/handover/successor", methods=["POST"])
@login_required
def successor(case_id: int):
    """The supervisor (or HR) names the successor; the successor's items move to them."""
    case = load_case(case_id)
    if not access.can_name_successor(current_user, case):
        abort(403)
    form = SuccessorForm(prefix="successor")
    person = _employee(form.employee_no.data) if form.validate_on_submit() else None
    if person is None:
        flash(_("No current employee has this number."), "danger")
        return _back(case)
    return _run(case, None, lambda: operations.name_successor(db.session, case, current_user, person.id),
                _("%(name)s takes over.", name=person.name))


@bp.route("/cases/<int:case_id>/handover/reports", methods=["POST"])
@login_required
def reports(case_id: int):
    """Give the leaver's direct reports a new manager (a gate before archive)."""
    case = load_case(case_id)
    if not access.can_name_successor(current_user, case):
        abort(403)
    form = ReportsForm(prefix="reports")
    person = _employee(form.employee_no.data) if form.validate_on_submit() else None
    if person is None:
        flash(_("No current employee has this number."), "danger")
        return _back(case)
    return _run(case, None, lambda: operations.reassign_reports(db.session, case, current_user, person.id),
                _("The direct reports now report to %(name)s.", name=person.name))


# ---------------------------------------------------------------- inbox and board


@bp.route("/handover/inbox")
@login_required
def inbox():
    """My handover items across every open case: the ones waiting for me first."""
    page = _page(queries.inbox(current_user, china_today()))
    return render_template("handover/inbox.html", page=page, today=china_today())


@bp.route("/handover/board")
@require_roles("hr", "auditor", "supervisor")
def board():
    """Open handovers: percent done, overdue items, disputes, days to the last working day."""
    from app.modules.workflows.hooks import app_calendar

    page = _page(queries.board(current_user, china_today(), app_calendar()))
    return render_template("handover/board.html", page=page, form=BulkReceiverForm(prefix="bulk"))


def _page(rows: list):
    """The page of a list the `page` argument asks for, PAGE_SIZE long, as the cases queue pages."""
    from app.modules.cases.operations import page_size
    from app.modules.cases.queries import page_of

    return page_of(rows, page_arg(), page_size())


@bp.route("/handover/board/receiver", methods=["POST"])
@require_roles("hr", "supervisor")
def bulk_receiver():
    """Move every unconfirmed item of one receiver to another, in the cases the user supervises."""
    form = BulkReceiverForm(prefix="bulk")
    old = _employee(form.from_no.data) if form.validate_on_submit() else None
    new = _employee(form.to_no.data) if old is not None else None
    if old is None or new is None:
        flash(_("Enter two current employee numbers and a reason."), "danger")
        return redirect(url_for("handover.board"))
    moved = operations.change_receiver(db.session, queries.board_cases(current_user), current_user,
                                       old.id, new.id, form.reason.data)
    db.session.commit()
    flash(_("%(count)s items now go to %(name)s.", count=moved, name=new.name), "success")
    return redirect(url_for("handover.board"))
