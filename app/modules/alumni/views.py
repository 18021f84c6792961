"""Alumni pages: HR look-up and records (eligibility, summary, re-hire) and self-service."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.db import db
from app.modules.alumni import operations, search
from app.modules.alumni.forms import (
    ELIGIBILITY_LABELS,
    REASON_LABELS,
    ConsentForm,
    ContactForm,
    EligibilityForm,
    RehireForm,
    SearchForm,
    SummaryForm,
)
from app.modules.alumni.models import AlumniRecord
from app.modules.alumni.operations import AlumniError, StaleRecord
from app.modules.auth.models import User, UserRole
from app.modules.auth.permissions import current_roles, require_roles
from app.modules.employees.models import Department, Position

bp = Blueprint("alumni", __name__, template_folder="templates")
# What a login holding only the alumni role may open.
ALUMNI_ENDPOINTS = ("alumni.self_", "auth.", "interviews.survey", "documents.verify", "static",
                    "health.")


@bp.before_app_request
def _alumni_only():
    """A former employee's login sees the self-service pages and nothing else."""
    if not getattr(current_user, "is_authenticated", False) or current_roles() != {"alumni"}:
        return None
    endpoint = request.endpoint or ""
    if endpoint.startswith(ALUMNI_ENDPOINTS):
        return None
    if endpoint == "home.index":
        return redirect(url_for("alumni.self_home"))
    abort(403)


@bp.app_context_processor
def _labels():
    return {"eligibility_labels": ELIGIBILITY_LABELS, "eligibility_reasons": REASON_LABELS}


def _version(form) -> int | None:
    return int(form.version.data) if (form.version.data or "").isdigit() else None


def _record_or_404(record_id: int) -> AlumniRecord:
    record = db.session.get(AlumniRecord, record_id)
    if record is None:
        abort(404)
    return record


@bp.route("/alumni", methods=["GET", "POST"])
@require_roles("hr")
def index():
    """Look up a former employee before a re-hire (posted: the query stays out of the URL)."""
    if request.method == "GET" and request.args:
        # An old ?q= link: drop it, or the page (its language links) would carry it on.
        return redirect(url_for("alumni.index"))
    form = SearchForm()
    valid = form.validate_on_submit()
    query = form.q.data or ""
    if search.is_masked(query):
        form.q.data = ""  # an ID number is not typed back into the page
    if not valid:
        status = 400 if request.method == "POST" else 200
        return render_template("alumni/index.html", form=form, page=None), status
    # A query holding an ID-like number is not kept in the page, so no page button could send
    # it again: all its matches go on one page.
    size = None if search.is_masked(query) else current_app.config["PAGE_SIZE"]
    page = search.search_alumni(query, current_user, page=form.page.data or 1, size=size)
    db.session.commit()  # the look-up log
    return render_template("alumni/index.html", form=form, page=page,
                           shown_query=search.masked(query))


def _hr_users() -> list[User]:
    return list(db.session.scalars(select(User).join(UserRole).where(
        UserRole.role.in_(("hr", "hr_admin")), User.is_active.is_(True)).distinct()
        .order_by(User.username)))


def _eligibility_form() -> EligibilityForm:
    form = EligibilityForm(prefix="e")
    form.approver.choices = [(u.id, u.display_name) for u in _hr_users()]
    return form


def _rehire_form() -> RehireForm:
    form = RehireForm(prefix="r")
    form.department.choices = [(d.id, d.name_zh) for d in db.session.scalars(
        select(Department).order_by(Department.path))]
    form.position.choices = [(0, "-")] + [(p.id, p.name_zh) for p in db.session.scalars(
        select(Position).order_by(Position.code))]
    return form


def _record_forms(record: AlumniRecord) -> dict:
    eligibility, summary, rehire = _eligibility_form(), SummaryForm(prefix="p"), _rehire_form()
    if request.method == "GET":
        eligibility.version.data = summary.version.data = str(record.lock_version)
        summary.summary.data = record.performance_summary
        if record.eligibility != "undecided":
            eligibility.eligibility.data = record.eligibility
            eligibility.reason_code.data = record.eligibility_reason
    return {"eligibility_form": eligibility, "summary_form": summary, "rehire_form": rehire}


def _record_page(record: AlumniRecord, status: int = 200, **overrides):
    from app.modules.documents.operations import documents_for

    case = record.case
    documents = documents_for(case, current_user) if case is not None else []
    context = {"record": record, "history": operations.eligibility_history(record),
               "employments": operations.employment_history(record.employee),
               "documents": documents, "case": case, **_record_forms(record)}
    context.update(overrides)
    return render_template("alumni/record.html", **context), status


@bp.get("/alumni/<int:record_id>")
@require_roles("hr")
def record(record_id: int):
    """The frozen record, the eligibility decision and its history, the documents."""
    found = _record_or_404(record_id)
    search.log_view(found, current_user)
    db.session.commit()
    return _record_page(found)


def _submit(record_id: int, slot: str, form, apply, done: str):
    """Post/redirect/get for a form of the record page: validate, apply, commit; on a
    refusal show the page again with the form as it was sent (409 when stale)."""
    found = _record_or_404(record_id)
    if not form.validate_on_submit():
        return _record_page(found, 400, **{slot: form})
    try:
        apply(found, form)
    except AlumniError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return _record_page(_record_or_404(record_id),
                            409 if isinstance(exc, StaleRecord) else 400, **{slot: form})
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("alumni.record", record_id=record_id))


def _decide(found: AlumniRecord, form: EligibilityForm) -> None:
    operations.set_eligibility(found, current_user, eligibility=form.eligibility.data,
                               reason_code=form.reason_code.data,
                               justification=form.justification.data,
                               approver=db.session.get(User, form.approver.data),
                               review_date=form.review_date.data, expected_version=_version(form))


def _summarise(found: AlumniRecord, form: SummaryForm) -> None:
    operations.set_performance_summary(found, current_user, form.summary.data,
                                       expected_version=_version(form))


def _rehire(found: AlumniRecord, form: RehireForm) -> None:
    operations.rehire_alumnus(found, current_user, start_date=form.start_date.data,
                              department=db.session.get(Department, form.department.data),
                              position=db.session.get(Position, form.position.data or 0),
                              monthly_wage=form.monthly_wage.data)


@bp.post("/alumni/<int:record_id>/eligibility")
@require_roles("hr")
def eligibility(record_id: int):
    """Decide re-hire eligibility (audited)."""
    return _submit(record_id, "eligibility_form", _eligibility_form(), _decide,
                   _("The eligibility decision is saved."))


@bp.post("/alumni/<int:record_id>/summary")
@require_roles("hr")
def summary(record_id: int):
    """Save the performance summary."""
    return _submit(record_id, "summary_form", SummaryForm(prefix="p"), _summarise,
                   _("The performance summary is saved."))


@bp.post("/alumni/<int:record_id>/rehire")
@require_roles("hr")
def rehire(record_id: int):
    """Hire the person again: a new employment linked to this one."""
    return _submit(record_id, "rehire_form", _rehire_form(), _rehire,
                   _("Re-hired: the new employment is linked to the earlier one."))


# ---------------------------------------------------------------- self-service


@bp.get("/me/alumni")
@login_required
def self_home():
    """The alumnus's page: certificates, contact details, consent to offers."""
    records = operations.own_records(current_user)
    employee = current_user.employee
    contact = ContactForm(email=employee.email if employee else "",
                          phone=employee.phone if employee else "")
    consent = ConsentForm(consent=records[-1].consent_offers if records else False)
    return render_template("alumni/self.html", records=records, contact=contact, consent=consent,
                           certificates=operations.own_certificates(current_user))


def _save_own(apply, done: str):
    """Apply a self-service change, commit, and go back to the page (a refusal is shown there)."""
    try:
        apply()
    except AlumniError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("alumni.self_home"))


@bp.post("/me/alumni/contact")
@login_required
def self_contact():
    """Update my contact details."""
    form = ContactForm()
    if not form.validate_on_submit():
        records = operations.own_records(current_user)
        return render_template("alumni/self.html", records=records, contact=form,
                               consent=ConsentForm(),
                               certificates=operations.own_certificates(current_user)), 400
    return _save_own(lambda: operations.update_contact(current_user, email=form.email.data,
                                                       phone=form.phone.data),
                     _("Your contact details are saved."))


@bp.post("/me/alumni/consent")
@login_required
def self_consent():
    """Give or withdraw consent to re-employment offers."""
    form = ConsentForm()
    if not form.validate_on_submit():
        abort(400)
    return _save_own(lambda: operations.set_consent(current_user, bool(form.consent.data)),
                     _("Your choice is saved."))


@bp.get("/me/alumni/certificates/<int:doc_id>")
@login_required
def self_certificate(doc_id: int):
    """Download my own termination certificate (nobody else's, no other document)."""
    from app.modules.documents import storage
    from app.modules.documents.operations import download_name

    mine = {d.id: d for d in operations.own_certificates(current_user)}
    document = mine.get(doc_id)
    if document is None:
        abort(404)
    response = make_response(storage.load(document.sha256))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name(document)}"'
    response.headers["Cache-Control"] = "no-store"
    return response
