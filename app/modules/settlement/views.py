"""The settlement sheet of a case: HR, auditors and the leaver read it; HR changes it."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.db import db
from app.errors import Conflict
from app.modules.auth.models import User
from app.modules.auth.permissions import roles_of
from app.modules.cases.access import can_view
from app.modules.cases.models import Case
from app.modules.settlement import operations
from app.modules.settlement.forms import FactsForm, OverrideForm
from app.modules.settlement.messages import LINE_TITLES, render_note
from app.modules.settlement.models import LINE_CODES, SettlementSheet

bp = Blueprint("settlement", __name__, url_prefix="/cases/<int:case_id>/settlement",
               template_folder="templates")
READERS = frozenset({"hr", "hr_admin", "auditor"})


def may_read(user: User, case: Case) -> bool:
    """HR, HR admins and auditors, and the leaver of the case."""
    if not getattr(user, "is_authenticated", False) or not can_view(user, case):
        return False
    return bool(roles_of(user) & READERS) or user.employee_id == case.employee_id


def may_change(user: User) -> bool:
    return "hr" in roles_of(user)


def _load(case_id: int, *, change: bool = False) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or not may_read(current_user, case):
        abort(404)
    if change and not may_change(current_user):
        abort(403)
    return case


def _check_version(sheet: SettlementSheet | None, form, case: Case) -> None:
    """The form carries the version of the sheet the user saw ("" for none yet): 409 otherwise."""
    seen = str(sheet.version) if sheet is not None else ""
    if seen != (form.version.data or ""):
        db.session.rollback()
        raise Conflict(reload_url=url_for("settlement.show", case_id=case.id))


def _page(case: Case, facts_form=None, failed=None, status=200):
    """The sheet as stored (nothing is written here); before it exists, the amounts the facts
    give now, marked provisional."""
    sheet = operations.settlement_for(case)
    editable = may_change(current_user) and case.is_open
    forms = {}
    if editable:
        facts_form = facts_form or FactsForm(obj=sheet, version=sheet.version if sheet else "")
        for code in LINE_CODES if sheet is not None else ():
            forms[code] = (failed[1] if failed and failed[0] == code
                           else OverrideForm(prefix=code, version=sheet.version))
    preview = operations.settlement_preview(case) if sheet is None else None
    current = sheet is None or operations.sheet_is_current(case, sheet)
    return render_template("settlement/sheet.html", case=case, sheet=sheet, preview=preview,
                           current=current, editable=editable, facts_form=facts_form,
                           override_forms=forms, titles=LINE_TITLES, render_note=render_note,
                           compute_form=FlaskForm() if editable else None,
                           can_see_who=bool(roles_of(current_user) & READERS)), status


def _closed(case: Case):
    """A closed case's sheet is read-only: say so (409), nothing changed."""
    db.session.rollback()
    flash(str(_("The case is closed: its settlement sheet can no longer be changed.")), "danger")
    return _page(case, status=409)


@bp.route("")
@login_required
def show(case_id: int):
    """The sheet as computed and stored; nothing is written by looking at it."""
    return _page(_load(case_id))


@bp.route("/compute", methods=["POST"])
@login_required
def compute(case_id: int):
    """HR computes (or recomputes) and stores the sheet from the case's current facts."""
    case = _load(case_id, change=True)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        operations.prepare_settlement(case)
    except operations.SettlementError:
        return _closed(case)
    db.session.commit()
    flash(_("The sheet is computed from the current facts and saved."), "success")
    return redirect(url_for("settlement.show", case_id=case.id))


@bp.route("/facts", methods=["POST"])
@login_required
def facts(case_id: int):
    """HR records leave, years of work and the non-compete; the sheet is recomputed."""
    case = _load(case_id, change=True)
    if not case.is_open:
        return _closed(case)
    form = FactsForm()
    if not form.validate_on_submit():
        return _page(case, facts_form=form, status=400)
    _check_version(operations.settlement_for(case), form, case)
    try:
        operations.record_settlement_facts(
            case, leave_days_taken=form.leave_days_taken.data,
            cumulative_work_years=form.cumulative_work_years.data,
            non_compete_agreed=form.non_compete_agreed.data,
            non_compete_months=form.non_compete_months.data)
    except operations.SettlementError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for("settlement.show", case_id=case.id))
    db.session.commit()
    flash(_("Saved; the sheet is recomputed."), "success")
    return redirect(url_for("settlement.show", case_id=case.id))


@bp.route("/lines/<code>", methods=["POST"])
@login_required
def override(case_id: int, code: str):
    """HR replaces a line's amount, giving a reason (audited)."""
    case = _load(case_id, change=True)
    if code not in LINE_CODES:
        abort(404)
    if not case.is_open:
        return _closed(case)
    sheet = operations.settlement_for(case)
    form = OverrideForm(prefix=code)
    if not form.validate_on_submit():
        flash(_("Nothing was changed: %(errors)s", errors=" ".join(
            str(e) for errors in form.errors.values() for e in errors)), "danger")
        return _page(case, failed=(code, form), status=400)
    _check_version(sheet, form, case)
    sheet = operations.compute_settlement(case)  # the line's computed amount, from today's facts
    try:
        operations.override_line(sheet.line(code), form.amount.data, form.reason.data, current_user)
    except operations.SettlementError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for("settlement.show", case_id=case.id))
    db.session.commit()
    flash(_("Changed: %(line)s.", line=LINE_TITLES[code]), "success")
    return redirect(url_for("settlement.show", case_id=case.id))


def settlement_summary(case: Case, user: User | None = None):
    """The case page's summary of the sheet, or None when the user may not see it."""
    user = user or current_user
    if case is None or not may_read(user, case):
        return None
    rows, total = operations.settlement_preview(case)
    return {"rows": rows, "total": total, "titles": LINE_TITLES,
            "url": url_for("settlement.show", case_id=case.id)}


bp.add_app_template_global(settlement_summary, "settlement_summary")
