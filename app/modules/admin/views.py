"""Administration pages: the webhook endpoints and every delivery, with replay (hr_admin)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.modules.admin import operations
from app.modules.auth.permissions import require_roles
from app.params import page_arg

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.get("/webhooks")
@require_roles("hr_admin")
def webhooks():
    """The active endpoints and the newest deliveries, each with its attempts."""
    status = operations.delivery_status_filter()
    page = page_arg()
    return render_template("admin/webhooks.html", endpoints=operations.active_endpoints(),
                           deliveries=operations.recent_deliveries(status, page), status=status,
                           statuses=operations.DELIVERY_STATUSES,
                           event_labels=operations.EVENT_LABELS, status_labels=operations.STATUS_LABELS)


@bp.post("/webhooks/deliveries/<int(max=2147483647):delivery_id>/replay")
@require_roles("hr_admin")
def replay(delivery_id: int):
    """Send one delivery again (same body and webhook-id, signed anew)."""
    if not operations.replay_webhook_delivery(delivery_id):
        abort(404)
    flash(_("The delivery is queued again; its new attempt appears below."), "success")
    return redirect(url_for("admin.webhooks"))
