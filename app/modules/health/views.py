"""GET /healthz: database, queue and PDF fonts, for load balancers and operators."""
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from app.db import db
from app.extensions import limiter
from app.fonts import pdf_font_problems
from app.jobs import redis_ping

bp = Blueprint("health", __name__)


def _database_status() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as error:  # report, do not raise: this is the health check
        current_app.logger.warning("health check: database unavailable: %s", type(error).__name__)
        return "unavailable"
    finally:
        db.session.rollback()


def _queue_status() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "in-process"
    return "ok" if redis_ping(url) else "unavailable"


@bp.route("/healthz")
@limiter.exempt
def healthz():
    """Report health as JSON; 503 when anything needed is missing."""
    fonts = pdf_font_problems()
    body = {
        "db": _database_status(),
        "queue": _queue_status(),
        "pdf_fonts": "ok" if not fonts else "; ".join(fonts),
    }
    healthy = body["db"] == "ok" and body["queue"] != "unavailable" and not fonts
    body["status"] = "ok" if healthy else "unhealthy"
    return jsonify(body), 200 if healthy else 503
