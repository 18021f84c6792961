"""Admin pages: deployed definitions, their versions and diagrams (hr_admin, auditor)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from sqlalchemy import select

from app.db import db
from app.engine import diagram
from app.engine.definition import from_canonical
from app.engine.models import WorkflowDefinition
from app.modules.auth.permissions import require_roles

bp = Blueprint("workflows", __name__, url_prefix="/admin/workflows", template_folder="templates")


@bp.get("/")
@require_roles("hr_admin", "auditor")
def index():
    """Every deployed definition, newest version first."""
    rows = db.session.scalars(select(WorkflowDefinition).order_by(
        WorkflowDefinition.workflow_id, WorkflowDefinition.version.desc())).all()
    return render_template("workflows/index.html", rows=rows)


def _row(workflow_id: str, version: int) -> WorkflowDefinition:
    row = db.session.scalar(select(WorkflowDefinition).where(
        WorkflowDefinition.workflow_id == workflow_id, WorkflowDefinition.version == version))
    if row is None:
        abort(404)
    return row


@bp.get("/<workflow_id>/<int:version>")
@require_roles("hr_admin", "auditor")
def show(workflow_id: str, version: int):
    """One version: its hash, its Mermaid source and its SVG picture."""
    row = _row(workflow_id, version)
    defn = from_canonical(row.canonical)
    return render_template("workflows/show.html", row=row, defn=defn,
                           mermaid=diagram.mermaid(defn))


@bp.get("/<workflow_id>/<int:version>/diagram.svg")
@require_roles("hr_admin", "auditor")
def svg(workflow_id: str, version: int):
    """The Graphviz picture of one version."""
    defn = from_canonical(_row(workflow_id, version).canonical)
    try:
        body = diagram.svg(defn)
    except RuntimeError:
        abort(503)
    return Response(body, mimetype="image/svg+xml",
                    headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})
