"""Documents (list, PDF, verify an upload), the alumni look-up, exit interviews, analytics."""
from __future__ import annotations

from datetime import UTC

from flask import make_response
from sqlalchemy import select

from app.db import db
from app.modules.api import schemas
from app.modules.api.auth import current_api_user, require_scope
from app.modules.api.blueprint import resource
from app.modules.api.presenters import document_row, interview_data, page_data, verification_data
from app.modules.api.resources.common import forbidden, load_case, not_found, refused
from app.modules.auth.models import User
from app.modules.auth.permissions import roles_of

bp = resource("api_records", "Documents, verification, alumni, exit interviews and analytics")
MAX_UPLOAD = 10 * 1024 * 1024
ANALYTICS_ROLES = ("hr", "hr_admin", "auditor")


# ---------------------------------------------------------------- documents

def _may_list_documents(case) -> bool:
    from app.modules.documents.kinds import audience_of

    user = current_api_user()
    return "hr" in roles_of(user) or bool(audience_of(case, user.employee_id))


@bp.route("/cases/<int(max=2147483647):case_id>/documents")
@require_scope("read")
@bp.response(200, schemas.Document(many=True))
def case_documents(case_id: int):
    """The case's documents the caller may have, and those still being generated."""
    from app.modules.documents.operations import documents_for

    case = load_case(case_id)
    if not _may_list_documents(case):
        raise not_found()
    return [document_row(row) for row in documents_for(case, current_api_user())]


@bp.route("/documents/<int(max=2147483647):document_id>")
@require_scope("read")
@bp.response(200, content_type="application/pdf", description="The PDF",
              example=None)
def document_pdf(document_id: int):
    """One document's PDF, for someone allowed to have it; never cached."""
    from app.modules.documents import storage
    from app.modules.documents.kinds import may_download
    from app.modules.documents.models import Document
    from app.modules.documents.operations import download_name

    document = db.session.get(Document, document_id)
    if document is None or not _may_list_documents(load_case(document.case_id)):
        raise not_found()
    user = current_api_user()
    if not may_download(document.case, document.kind, user.employee_id, roles_of(user)):
        raise forbidden("This document is not addressed to you.")
    response = make_response(storage.load(document.sha256))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name(document)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/verify", methods=["POST"])
@require_scope("read")
@bp.arguments(schemas.VerifyUpload, location="files")
@bp.response(200, schemas.Verification)
def verify(files):
    """Upload a PDF: whether Sendoff issued exactly this file, and what it is."""
    from app.modules.documents.operations import verify_upload

    data = files["file"].read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD or not data.startswith(b"%PDF-"):
        raise refused("This is not a PDF file (or it is larger than 10 MB).",
                      {"file": "Upload a PDF of at most 10 MB."})
    return verification_data(verify_upload(data))


# ---------------------------------------------------------------- alumni

@bp.route("/alumni")
@require_scope("read")
@bp.arguments(schemas.AlumniQuery, location="query")
@bp.response(200, schemas.AlumniPage)
def alumni(args):
    """Look up former employees before a re-hire (HR); logged like the web look-up."""
    from app.modules.alumni.search import search_alumni

    user = current_api_user()
    if "hr" not in roles_of(user):
        raise forbidden("The alumni look-up is for HR.")
    page = search_alumni(args["q"], user, page=args["page"], size=args["per_page"])
    db.session.commit()  # the look-up log
    items = [{"employee_no": m.employee.employee_no, "name": m.employee.name,
              "last_day": _last_day(m.record), "eligibility": m.record.eligibility if m.record else None,
              "matched_on": m.matched_on} for m in page.items]
    return page_data(page, items)


def _last_day(record):
    from datetime import date

    value = (record.frozen or {}).get("last_day") if record else None
    return date.fromisoformat(value) if value else None


# ---------------------------------------------------------------- exit interviews

def _interview_case(case_id: int):
    case = load_case(case_id)
    if "hr" not in roles_of(current_api_user()):
        raise forbidden("Exit interviews are run by HR.")
    return case


@bp.route("/cases/<int(max=2147483647):case_id>/interview")
@require_scope("read")
@bp.response(200, schemas.Interview)
def interview(case_id: int):
    """The case's exit interview appointment."""
    from app.modules.interviews.operations import interview_of

    found = interview_of(_interview_case(case_id))
    if found is None:
        raise not_found()
    return interview_data(found)


@bp.route("/cases/<int(max=2147483647):case_id>/interview", methods=["PUT"])
@require_scope("write")
@bp.arguments(schemas.InterviewSchedule)
@bp.response(200, schemas.Interview)
def schedule(body, case_id: int):
    """Plan or move the exit interview; both sides get an invitation by e-mail."""
    from app.modules.interviews.operations import InterviewError, StaleInterview, schedule_interview

    case = _interview_case(case_id)
    interviewer = db.session.scalar(select(User).where(User.username == body["interviewer"]))
    if interviewer is None:
        raise refused("No login has this user name.", {"interviewer": "No login has this user name."})
    try:
        found = schedule_interview(case, current_api_user(), starts_at=body["starts_at"].astimezone(UTC),
                                   interviewer=interviewer, minutes=body["minutes"],
                                   location=body["location"], video_link=body["video_link"],
                                   expected_version=body["version"])
    except StaleInterview as error:
        db.session.rollback()
        from app.modules.api.resources.common import conflict

        raise conflict(str(error)) from error
    except InterviewError as error:
        db.session.rollback()
        raise refused(str(error)) from error
    db.session.commit()
    return interview_data(found)


# ---------------------------------------------------------------- analytics

@bp.route("/analytics/turnover")
@require_scope("read")
@bp.arguments(schemas.TurnoverQuery, location="query")
@bp.response(200, schemas.Turnover)
def turnover(args):
    """Turnover rows, as `flask analytics turnover` prints them (HR and auditors)."""
    from app.modules.analytics import queries
    from app.modules.analytics.periods import PeriodError

    if not roles_of(current_api_user()) & set(ANALYTICS_ROLES):
        raise forbidden("Turnover figures are for HR and auditors.")
    try:
        rows = queries.turnover_rows(start=args["start"], end=args["end"], group_by=args["group_by"],
                                     formula=args["formula"], period=args["period"],
                                     department_id=args["department"])
    except (PeriodError, ValueError, LookupError) as error:
        from app.modules.api.problems import ApiProblem

        raise ApiProblem(400, str(error)) from error
    return {"formula": args["formula"], "rows": rows}


__all__ = ["bp", "page_data"]
