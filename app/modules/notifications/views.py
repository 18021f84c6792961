"""The inbox: a user's own notifications, unread first; mark one or all read."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.db import db
from app.modules.notifications import operations
from app.modules.notifications.models import Notification
from app.params import page_arg
from app.requests import safe_next

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.app_context_processor
def unread_badge() -> dict:
    """`unread_notifications()` in every template: the signed-in user's unread count."""
    def unread_notifications() -> int:
        if not getattr(current_user, "is_authenticated", False):
            return 0
        return operations.unread_count(current_user)

    return {"unread_notifications": unread_notifications}


@bp.route("/inbox")
@login_required
def inbox():
    """List my notifications, unread first."""
    page = operations.list_notifications(current_user, page_arg(),
                                         current_app.config["PAGE_SIZE"])
    return render_template("notifications/inbox.html", page=page)


@bp.route("/inbox/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int):
    """Mark one of my notifications read, then follow its link when asked to."""
    notification = _own(notification_id)
    operations.mark_read(notification, current_user)
    db.session.commit()
    if request.form.get("open") and _is_local(notification.link):
        return redirect(notification.link)
    return redirect(url_for("notifications.inbox", page=request.form.get("page", 1, type=int)))


@bp.route("/inbox/read-all", methods=["POST"])
@login_required
def read_all():
    """Mark all my notifications read."""
    count = operations.mark_all_read(current_user)
    db.session.commit()
    flash(ngettext("Marked %(num)d notification as read.", "Marked %(num)d notifications as read.",
                   count), "success")
    return redirect(url_for("notifications.inbox"))


def _own(notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)  # someone else's notification is indistinguishable from a missing one
    return notification


def _is_local(link: str | None) -> bool:
    return bool(link) and safe_next(link, "") == link
