"""Mount the API: the flask-smorest Api with every resource, and the docs page at /api/v1/docs."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("api", __name__, url_prefix="/api/v1", template_folder="templates")


@bp.record_once
def _mount(state) -> None:
    from app.modules.api.blueprint import Api, configure
    from app.modules.api.resources import cases, handover, people, records, webhooks

    app = state.app
    configure(app)
    api = Api(app)
    for module in (people, cases, handover, records, webhooks):
        api.register_blueprint(module.bp)
    app.extensions["sendoff_api"] = api


@bp.get("/docs")
def docs():
    """The API reference, drawn from the OpenAPI document (no script, no outside asset)."""
    spec = current_app.extensions["sendoff_api"].spec.to_dict()
    operations = [(path, method.upper(), op) for path, item in spec["paths"].items()
                  for method, op in item.items() if method in ("get", "post", "put", "delete", "patch")]
    return render_template("api/docs.html", spec=spec, operations=operations)
