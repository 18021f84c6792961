"""Download documents with permission checks; verify them publicly by code, hash or upload."""
from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.db import db
from app.extensions import limiter
from app.modules.cases.models import Case
from app.modules.documents import operations, storage
from app.modules.documents.forms import UploadForm
from app.modules.documents.kinds import kind_title, may_download
from app.modules.documents.models import Document

bp = Blueprint("documents", __name__, template_folder="templates")
MAX_UPLOAD = 10 * 1024 * 1024


def _case_or_404(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        abort(404)
    return case


@bp.get("/cases/<int:case_id>/documents")
@login_required
def case_documents(case_id: int):
    """The documents of a case the user may see, with those still being generated."""
    from app.modules.auth.permissions import roles_of
    from app.modules.documents.kinds import audience_of

    case = _case_or_404(case_id)
    if "hr" not in roles_of(current_user) and not audience_of(case, current_user.employee_id):
        abort(404)
    rows = operations.documents_for(case, current_user)
    template = "documents/_list.html" if request.args.get("fragment") else "documents/list.html"
    return render_template(template, case=case, documents=rows)


@bp.get("/cases/<int:case_id>/documents/<int:doc_id>/download")
@login_required
def download(case_id: int, doc_id: int):
    """Send one PDF to someone allowed to have it; never cached."""
    from app.modules.auth.permissions import roles_of

    document = db.session.get(Document, doc_id)
    if document is None or document.case_id != case_id:
        abort(404)
    if not may_download(document.case, document.kind, current_user.employee_id,
                        roles_of(current_user)):
        abort(403)
    data = storage.load(document.sha256)
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{operations.download_name(document)}"')
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/verify/<key>", methods=["GET", "POST"])
@bp.route("/verify", methods=["GET", "POST"], defaults={"key": ""})
@limiter.limit("30 per minute")
def verify(key: str):
    """Public: which case, kind and date a document belongs to, and whether it is current."""
    form = UploadForm()
    result, upload = (operations.verify_document(key) if key else None), None
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        data = form.file.data.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD or not data.startswith(b"%PDF-"):
            form.file.errors.append(_("This is not a PDF file (or it is larger than 10 MB)."))
            status = 400
        else:
            upload = operations.verify_upload(data)
    elif request.method == "POST":
        status = 400
    elif key and not result.found:
        status = 404
    return render_template("documents/verify.html", key=key, result=result, upload=upload,
                           form=form, kind_title=kind_title, issued_on=operations.issued_on), status
