"""Case pages: file a resignation, open other types, the case page, events, queues."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app.clock import today as china_today
from app.db import db
from app.errors import Conflict
from app.i18n import current_locale
from app.modules.auth.permissions import current_roles, require_roles
from app.modules.cases import access, catalog, operations, queries
from app.modules.cases.forms import (
    EditResignationForm,
    EvidenceForm,
    OpenCaseForm,
    ResignationForm,
    event_form,
)
from app.modules.cases.models import Case, CaseAttachment
from app.modules.cases.presenters import case_view, current_letter, send_back_of
from app.modules.cases.uploads import UploadError, send_upload
from app.modules.employees.models import Department, Employee
from app.modules.employees.reasons import load_reasons
from app.params import int_arg, page_arg

bp = Blueprint("cases", __name__, url_prefix="/cases", template_folder="templates")


def _page_number() -> int:
    return page_arg()


def load_case(case_id: int) -> Case:
    """The case, if the current user may see it; 404 otherwise (existence is not revealed)."""
    case = db.session.get(Case, case_id)
    if case is None or not access.can_view(current_user, case):
        abort(404)
    return case


@bp.route("/mine")
@require_roles("employee")
def mine():
    """The employee's own cases, with a way to file a resignation."""
    page = queries.cases_of_employee(current_user.employee_id, _page_number(), operations.page_size())
    has_open = operations.active_case_of(current_user.employee) is not None
    return render_template("cases/mine.html", page=page, has_open=has_open)


def _fill_reason_choices(form: ResignationForm, groups=("personal", "internal", "external")) -> None:
    choices = load_reasons().choices(current_locale(), groups=groups)
    form.reasons.choices = choices
    form.primary_reason.choices = [("", "—")] + choices


@bp.route("/new", methods=["GET", "POST"])
@require_roles("employee")
def new_resignation():
    """File a resignation: reasons, dates pre-filled from the notice period, an optional letter."""
    employee = current_user.employee
    if operations.active_case_of(employee) is not None:
        flash(_("You already have an open case."), "info")
        return redirect(url_for("cases.mine"))
    today = operations.today()
    last_day = operations.default_last_day(employee, today)[0]
    form = ResignationForm(data={"notice_date": today, "requested_last_day": last_day})
    _fill_reason_choices(form)
    if _recalculate(form, employee):
        return _resignation_page("cases/new.html", form, employee, recalculated=True)
    if form.validate_on_submit() and _notice_period_kept(form, employee, today):
        try:
            case = _file(employee, form)
        except (UploadError, operations.CaseError) as error:
            db.session.rollback()
            form.letter.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("Your draft is saved. Check the preview and submit it."), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return _resignation_page("cases/new.html", form, employee)


def _recalculate(form: ResignationForm, employee: Employee) -> bool:
    """The "recalculate" button: the last day of the notice period from the notice date given."""
    if request.method != "POST" or "recalculate" not in request.form or not form.notice_date.data:
        return False
    form.requested_last_day.data = operations.default_last_day(employee, form.notice_date.data)[0]
    form.requested_last_day.raw_data = None
    return True


def _notice_period_kept(form: ResignationForm, employee: Employee, earliest_notice: date) -> bool:
    """The submit guard's rule (Art 37), said on the form instead of after the preview; the
    notice cannot be dated before `earliest_notice` (today, or the date already filed)."""
    backdated = operations.backdated_notice_problem(form.notice_date.data, earliest_notice)
    if backdated:
        form.notice_date.errors = [*form.notice_date.errors, str(backdated)]
        return False
    problem = operations.notice_period_problem(employee, form.notice_date.data, form.requested_last_day.data)
    if problem:
        form.requested_last_day.errors = [*form.requested_last_day.errors, str(problem)]
    return problem is None


def _resignation_page(template: str, form: ResignationForm, employee: Employee, **context):
    notice_date = form.notice_date.data if isinstance(form.notice_date.data, date) else operations.today()
    estimated = operations.default_last_day(employee, notice_date)[1]
    return render_template(template, form=form, estimated=estimated, **context)


def _file(employee: Employee, form: ResignationForm) -> Case:
    return operations.file_resignation(employee, current_user, **_application_from(form))


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@login_required
def edit(case_id: int):
    """The leaver changes their resignation draft (after a send-back, say), then submits it again."""
    case = load_case(case_id)
    if not operations.may_edit_application(case, current_user):
        abort(403)
    if request.method == "POST" and request.form.get("version", type=int) != case.version:
        raise Conflict(reload_url=url_for("cases.edit", case_id=case.id))
    if not operations.is_draft(case):
        flash(_("Only a draft can be changed."), "warning")
        return redirect(url_for("cases.show", case_id=case.id))
    form = EditResignationForm(data={**_application_of(case), "version": case.version})
    _fill_reason_choices(form)
    if _recalculate(form, case.employee):
        return _edit_page(case, form, recalculated=True)
    filed = min(case.notice_date or operations.today(), operations.today())
    if not (form.validate_on_submit() and _notice_period_kept(form, case.employee, filed)):
        return _edit_page(case, form), 400 if request.method == "POST" else 200
    return _save_edit(case, form)


def _save_edit(case: Case, form: EditResignationForm):
    """Save the changes and go to the case page, or say why not (409 when the case moved on)."""
    try:
        changed = operations.edit_resignation(case, current_user, **_application_from(form))
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise Conflict(reload_url=url_for("cases.edit", case_id=case.id)) from error
    except UploadError as error:
        db.session.rollback()
        form.letter.errors = [str(error)]
        return _edit_page(case, form), 400
    except operations.CaseError as error:
        db.session.rollback()
        return _edit_page(case, form, problems=[str(error)]), 400
    if changed:
        flash(_("Your changes are saved. Check the preview and submit it again."), "success")
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(url_for("cases.show", case_id=case.id))


def _application_of(case: Case) -> dict:
    return {"reasons": list(case.reason_codes or []), "primary_reason": case.primary_reason or "",
            "statement": case.statement, "notice_date": case.notice_date,
            "requested_last_day": case.requested_last_day}


def _application_from(form: ResignationForm) -> dict:
    """The operation's arguments from the filing or the edit form (a letter only if one was chosen)."""
    upload = form.letter.data
    chosen = bool(upload and getattr(upload, "filename", ""))
    return {"reasons": form.reasons.data, "primary_reason": form.primary_reason.data,
            "statement": form.statement.data, "notice_date": form.notice_date.data,
            "requested_last_day": form.requested_last_day.data,
            "letter": upload.read() if chosen else None, "letter_name": upload.filename if chosen else ""}


def _edit_page(case: Case, form: EditResignationForm, **context):
    return _resignation_page("cases/edit.html", form, case.employee, case=case,
                             send_back=send_back_of(case), current_letter=current_letter(case), **context)


@bp.route("/open", methods=["GET", "POST"])
@require_roles("hr")
def open_other():
    """HR opens a mutual agreement, dismissal, contract expiry, retirement or a resignation on behalf."""
    form = OpenCaseForm()
    form.workflow_id.choices = [(t.workflow_id, t.title) for t in operations.openable_types(current_user)
                                if not t.own_only]
    form.reasons.choices = load_reasons().choices(current_locale())
    if form.validate_on_submit():
        employee = db.session.scalar(select(Employee).where(Employee.employee_no == form.employee_no.data.strip()))
        if employee is None or employee.status == "left":
            form.employee_no.errors.append(_("No current employee has this number."))
        else:
            try:
                case = operations.open_case(
                    employee, form.workflow_id.data, current_user, notice_date=form.notice_date.data,
                    requested_last_day=form.requested_last_day.data, reason_codes=form.reasons.data or [],
                    statement=form.statement.data or "", facts={"proposed_by": form.proposed_by.data})
            except operations.CaseError as error:
                db.session.rollback()
                form.employee_no.errors.append(str(error))
            else:
                db.session.commit()
                flash(_("Case %(ref)s opened.", ref=case.reference), "success")
                return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/open.html", form=form)


@bp.route("/<int:case_id>")
@login_required
def show(case_id: int):
    """The case page: facts, state, the steps the user may take, documents and the timeline."""
    case = load_case(case_id)
    return render_template("cases/show.html", **case_view(case, current_user, current_locale()))


@bp.route("/<int:case_id>/events/<event>", methods=["POST"])
@login_required
def fire(case_id: int, event: str):
    """Fire a workflow event with the version the user saw; a stale version is a 409."""
    case = load_case(case_id)
    seen = request.form.get(f"{event}-version", type=int)
    if seen is not None and seen != case.version:
        # The case moved on since the page was drawn; the step may not even exist any more.
        raise Conflict(reload_url=url_for("cases.show", case_id=case.id))
    option = next((o for o in operations.case_events(case, current_user, current_locale())
                   if o.event == event), None)
    if option is None:
        abort(403)
    form = event_form(event, option.require)
    if not form.validate_on_submit():
        return _show_with_errors(case, event, form)
    payload = {name: getattr(form, name).data for name in option.require}
    result = operations.fire_case_event(case, event, current_user, _version(form), payload)
    if result.refusal and result.refusal.code == "stale_version":
        db.session.rollback()
        raise Conflict(reload_url=url_for("cases.show", case_id=case.id))
    if not result.ok:
        db.session.rollback()
        flash(operations.refusal_message(result.refusal), "danger")
        return _show_with_errors(case, event, form)
    db.session.commit()
    flash(_("Done: %(step)s.", step=option.title), "success")
    return redirect(url_for("cases.show", case_id=case.id))


def _version(form) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


def _show_with_errors(case: Case, event: str, form):
    view = case_view(case, current_user, current_locale(), failed={event: form})
    return render_template("cases/show.html", **view), 400


@bp.route("/<int:case_id>/attachments", methods=["POST"])
@require_roles("hr")
def attach_evidence(case_id: int):
    """HR attaches evidence (e.g. for an Art 39 ground); the type is checked by content."""
    case = load_case(case_id)
    form = EvidenceForm()
    upload = form.file.data if form.validate_on_submit() else None
    if upload is None:
        flash(_("Choose a file."), "danger")
        return redirect(url_for("cases.show", case_id=case.id))
    try:
        operations.attach_file(case, current_user, upload.read(), upload.filename or "evidence", kind="evidence")
    except (UploadError, operations.CaseError) as error:
        flash(str(error), "danger")
        return redirect(url_for("cases.show", case_id=case.id))
    db.session.commit()
    flash(_("Evidence attached."), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.route("/<int:case_id>/attachments/<int:attachment_id>")
@login_required
def attachment(case_id: int, attachment_id: int):
    """Download a file of the case, if its kind is the user's to see (404 otherwise)."""
    case = load_case(case_id)
    item = db.session.get(CaseAttachment, attachment_id)
    if item is None or item.case_id != case.id or not access.may_download_attachment(current_user, case, item):
        abort(404)
    return send_upload(item, f"{case.reference}_{item.kind}_{item.id}")


@bp.route("/team")
@require_roles("supervisor")
def team():
    """The supervisor's team: their reports' cases."""
    page = queries.team_cases(current_user.employee_id, _page_number(), operations.page_size())
    return render_template("cases/team.html", page=page)


@bp.route("/queue")
@require_roles("hr", "auditor")
def queue():
    """The HR queue with filters (state, type, department, overdue) and sorting."""
    filters = queries.QueueFilters(
        state=catalog.state_code(request.args.get("state", "").split(",")), workflow_id=request.args.get("type", ""),
        department_id=int_arg("department"), overdue=bool(request.args.get("overdue")),
        open_only=request.args.get("all") != "1", sort=request.args.get("sort", "newest"))
    page = queries.queue(access.visibility_clause(current_user), filters, _page_number(),
                         operations.page_size(), china_today())
    departments = db.session.scalars(select(Department).order_by(Department.path)).all()
    return render_template("cases/queue.html", page=page, filters=filters, departments=departments,
                           can_open="hr" in current_roles(), args=request.args.to_dict())


@bp.app_template_global()
def case_state_label(case: Case) -> str:
    """The case's current state titles, in the reader's language."""
    from app.engine import runtime

    if case.instance is None:
        return ""
    return " / ".join(dict.fromkeys(runtime.state_titles(db.session, case.instance, current_locale())))




bp.add_app_template_global(catalog.workflow_title, "workflow_title")
bp.add_app_template_global(catalog.workflow_choices, "workflow_choices")
bp.add_app_template_global(catalog.queue_states, "queue_states")
