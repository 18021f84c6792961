"""Exit interview pages for HR, the interview export, the anonymous survey and its report."""
from __future__ import annotations

from datetime import UTC

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import RadioField
from wtforms.validators import InputRequired

from app.db import db
from app.engine.timing import CHINA_TZ
from app.extensions import limiter
from app.modules.auth.models import User, UserRole
from app.modules.auth.permissions import require_roles
from app.modules.cases.models import Case
from app.modules.employees.reasons import load_reasons
from app.modules.interviews import forms, operations, survey
from app.modules.interviews.operations import InterviewError, StaleInterview
from app.spreadsheets import csv_text

bp = Blueprint("interviews", __name__, template_folder="templates")


@bp.app_context_processor
def _summary_helpers():
    def panel(case):
        return {"view": operations.visible_interview(operations.interview_of(case), current_user),
                "hr": operations.is_hr(current_user)}

    return {"interview_panel": panel}


def _case_or_404(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        abort(404)
    return case


def _hr_users() -> list[User]:
    return list(db.session.scalars(select(User).join(UserRole).where(
        UserRole.role.in_(("hr", "hr_admin")), User.is_active.is_(True)).distinct()
        .order_by(User.username)))


def _version(form) -> int | None:
    return int(form.version.data) if (form.version.data or "").isdigit() else None


def _confirm_form(case: Case) -> forms.ConfirmForm:
    """The reasons and outcome form, offering only the outcomes the case's workflow has."""
    form = forms.ConfirmForm(prefix="c")
    form.reasons.choices = form.primary.choices = load_reasons().choices(_locale())
    form.offer_outcomes(operations.outcomes_for(case))
    return form


def _forms(case: Case, interview):
    schedule = forms.ScheduleForm(prefix="s")
    schedule.interviewer.choices = [(u.id, u.display_name) for u in _hr_users()]
    confirm = _confirm_form(case)
    if interview is not None and request.method == "GET":
        schedule.version.data = confirm.version.data = str(interview.lock_version)
        schedule.interviewer.data = interview.interviewer_id or current_user.id
        if interview.starts_at:
            schedule.starts_at.data = _local(interview.starts_at).replace(tzinfo=None)
        schedule.location.data, schedule.video_link.data = interview.location, interview.video_link
        schedule.minutes.data = interview.minutes
        confirm.reasons.data = interview.reason_codes or list(case.reason_codes or [])
        confirm.primary.data = interview.primary_reason or case.primary_reason
    elif request.method == "GET":
        schedule.interviewer.data = current_user.id
        confirm.reasons.data, confirm.primary.data = list(case.reason_codes or []), case.primary_reason
    answers = forms.AnswersForm(prefix="a")
    if interview is not None and request.method == "GET":
        answers.notes.data, answers.version.data = interview.confidential_notes, str(interview.lock_version)
    cancel = forms.CancelForm(prefix="x")
    if interview is not None:
        cancel.version.data = str(interview.lock_version)
    return {"schedule": schedule, "answers": answers, "confirm": confirm, "cancel": cancel,
            "not_held": forms.NotHeldForm(prefix="n"), "addendum": forms.AddendumForm(prefix="d")}


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "zh_CN")


def _local(moment):
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA_TZ)


def _reason_labels(codes) -> list[str]:
    taxonomy, locale = load_reasons(), _locale()
    return [taxonomy.label(c, locale) if c in taxonomy else c for c in codes or []]


def _page(case: Case, status: int = 200, **overrides):
    interview = operations.interview_of(case)
    read_only = interview is not None and (interview.completed or not case.is_open)
    context = {"case": case, "interview": interview, "outline": operations.outline_for(case, _locale()),
               "read_only": read_only, "view": operations.visible_interview(interview, current_user),
               "reason_labels": _reason_labels,
               "given": {a["key"]: a["answer"] for a in (interview.answers if interview else [])},
               **_forms(case, interview)}
    context.update(overrides)
    return render_template("interviews/interview.html", **context), status


@bp.get("/cases/<int:case_id>/interview")
@require_roles("hr")
def show(case_id: int):
    """The interview page: appointment, outline and answers, reasons and outcome."""
    return _page(_case_or_404(case_id))


def _fail(case: Case, exc: InterviewError, **forms_):
    db.session.rollback()
    flash(str(exc), "danger")
    return _page(db.session.get(Case, case.id), 409 if isinstance(exc, StaleInterview) else 400,
                 **forms_)


@bp.post("/cases/<int:case_id>/interview/schedule")
@require_roles("hr")
def schedule(case_id: int):
    """Plan or move the interview; both sides get an e-mail with a calendar invitation."""
    case = _case_or_404(case_id)
    form = forms.ScheduleForm(prefix="s")
    form.interviewer.choices = [(u.id, u.display_name) for u in _hr_users()]
    if not form.validate_on_submit():
        return _page(case, 400, schedule=form)
    try:
        operations.schedule_interview(
            case, current_user, starts_at=form.starts_at.data.replace(tzinfo=CHINA_TZ).astimezone(UTC),
            interviewer=db.session.get(User, form.interviewer.data), minutes=form.minutes.data,
            location=form.location.data or "", video_link=form.video_link.data or "",
            expected_version=_version(form))
    except InterviewError as exc:
        return _fail(case, exc, schedule=form)
    db.session.commit()
    flash(_("The interview is scheduled; the invitations are on their way."), "success")
    return redirect(url_for("interviews.show", case_id=case.id))


@bp.post("/cases/<int:case_id>/interview/answers")
@require_roles("hr")
def answers(case_id: int):
    """Save the answers to the outline and the confidential notes."""
    case = _case_or_404(case_id)
    interview = operations.interview_of(case)
    form = forms.AnswersForm(prefix="a")
    if interview is None:
        abort(404)
    if not form.validate_on_submit():
        return _page(case, 400, answers=form)
    given = {k[len("answer_"):]: v for k, v in request.form.items() if k.startswith("answer_")}
    try:
        operations.record_answers(interview, current_user, answers=given, notes=form.notes.data,
                                  expected_version=_version(form))
    except InterviewError as exc:
        return _fail(case, exc, answers=form)
    db.session.commit()
    flash(_("The answers are saved."), "success")
    return redirect(url_for("interviews.show", case_id=case.id))


@bp.post("/cases/<int:case_id>/interview/confirm")
@require_roles("hr")
def confirm(case_id: int):
    """Confirm the reasons and the outcome: the case moves on or ends as retained."""
    case = _case_or_404(case_id)
    interview = operations.interview_of(case)
    form = _confirm_form(case)
    if interview is None:
        abort(404)
    if not form.validate_on_submit():
        return _page(case, 400, confirm=form)
    try:
        operations.confirm_interview(
            interview, current_user, reason_codes=form.reasons.data, primary_reason=form.primary.data,
            voluntary=form.voluntary.data == "yes", regrettable=form.regrettable.data == "yes",
            avoidable=form.avoidable.data == "yes", outcome=form.outcome.data,
            expected_version=_version(form))
    except InterviewError as exc:
        return _fail(case, exc, confirm=form)
    db.session.commit()
    flash(_("The interview is confirmed."), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.post("/cases/<int:case_id>/interview/cancel")
@require_roles("hr")
def cancel(case_id: int):
    """Call the appointment off; both sides get a cancellation of the calendar entry."""
    case = _case_or_404(case_id)
    interview = operations.interview_of(case)
    form = forms.CancelForm(prefix="x")
    if interview is None:
        abort(404)
    if not form.validate_on_submit():
        return _page(case, 400, cancel=form)
    try:
        operations.cancel_interview(interview, current_user, expected_version=_version(form))
    except InterviewError as exc:
        return _fail(case, exc, cancel=form)
    db.session.commit()
    flash(_("The interview is cancelled; both sides are told."), "success")
    return redirect(url_for("interviews.show", case_id=case.id))


@bp.post("/cases/<int:case_id>/interview/addenda")
@require_roles("hr")
def addendum(case_id: int):
    """Add a dated correction or addition to a completed interview record."""
    case = _case_or_404(case_id)
    interview = operations.interview_of(case)
    form = forms.AddendumForm(prefix="d")
    if interview is None:
        abort(404)
    if not form.validate_on_submit():
        return _page(case, 400, addendum=form)
    try:
        operations.add_interview_addendum(interview, current_user, text=form.text.data)
    except InterviewError as exc:
        return _fail(case, exc, addendum=form)
    db.session.commit()
    flash(_("The addendum is added to the record."), "success")
    return redirect(url_for("interviews.show", case_id=case.id))


@bp.post("/cases/<int:case_id>/interview/not-held")
@require_roles("hr")
def not_held(case_id: int):
    """Record that the interview could not be held; the case moves on."""
    case = _case_or_404(case_id)
    form = forms.NotHeldForm(prefix="n")
    if not form.validate_on_submit():
        return _page(case, 400, not_held=form)
    try:
        operations.record_not_held(case, current_user, reason=form.reason.data)
    except InterviewError as exc:
        return _fail(case, exc, not_held=form)
    db.session.commit()
    flash(_("Recorded: the interview was not held."), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.post("/cases/<int:case_id>/interview/record")
@require_roles("hr")
def record_pdf(case_id: int):
    """Generate the interview record PDF with the confidential notes (HR-only document)."""
    from app.modules.documents.operations import request_document

    case = _case_or_404(case_id)
    if operations.interview_of(case) is None:
        abort(404)
    request_document(case, "exit_interview_record", options={"include_confidential": True},
                     requested_by=current_user.id)
    db.session.commit()
    flash(_("The record is being generated."), "info")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.get("/interviews/export.csv")
@require_roles("hr", "auditor")
def export():
    """Every interview as CSV; the confidential notes column only for HR."""
    header, rows = operations.export_rows(current_user)
    response = make_response("\ufeff" + csv_text(header, rows))  # the BOM tells Excel it is UTF-8
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="exit_interviews.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _survey_form():
    class Form(forms.SurveyForm):
        pass

    for key, labels in survey.dimensions().items():
        setattr(Form, f"d_{key}", RadioField(labels["zh_CN" if _locale().startswith("zh") else "en"],
                                             choices=forms.SCORES, validators=[InputRequired()]))
    return Form()


@bp.route("/survey/<token>", methods=["GET", "POST"], endpoint="survey")
@limiter.limit("20 per minute")
def survey_page(token: str):
    """The anonymous exit survey (no sign-in; the link works once)."""
    if survey.invitation_for(token) is None:
        return render_template("interviews/survey_done.html", invalid=True), 404
    form = _survey_form()
    if form.validate_on_submit():
        scores = {k: int(getattr(form, f"d_{k}").data) for k in survey.dimensions()}
        try:
            survey.submit_survey(token, scores, int(form.overall.data))
            db.session.commit()
        except IntegrityError:  # the same link answered at the same moment in another tab
            db.session.rollback()
            return render_template("interviews/survey_done.html", invalid=True), 404
        return render_template("interviews/survey_done.html", invalid=False)
    status = 400 if request.method == "POST" else 200
    return render_template("interviews/survey.html", form=form,
                           dimensions=list(survey.dimensions())), status


@bp.get("/interviews/survey")
@require_roles("hr", "auditor")
def survey_report():
    """Satisfaction by dimension; any group with fewer than 5 responses is not shown."""
    by = request.args.get("by", "all")
    if by not in survey.GROUPINGS:
        abort(404)
    return render_template("interviews/survey_report.html", report=survey.survey_report(by), by=by,
                           groupings=survey.GROUPINGS, dimensions=survey.dimensions(),
                           k=survey.K_MIN, lang="zh_CN" if _locale().startswith("zh") else "en")
