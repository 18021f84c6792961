"""What the administration pages read and do: webhook endpoints, deliveries, replays."""
from __future__ import annotations

import math

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.audit import record_event
from app.db import db
from app.modules.api.models import WebhookDelivery, WebhookEndpoint
from app.modules.api.webhooks import replay_delivery
from app.modules.cases.queries import Page

DELIVERY_STATUSES = ("pending", "delivered", "failed")
PAGE_SIZE = 50


def delivery_status_filter() -> str:
    """The status the deliveries list is filtered by ("" for all); an unknown one means all."""
    status = request.args.get("status", "")
    return status if status in DELIVERY_STATUSES else ""


def active_endpoints() -> list[WebhookEndpoint]:
    """The endpoints events are sent to, oldest first."""
    return list(db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))
                                   .order_by(WebhookEndpoint.id)))


def recent_deliveries(status: str, number: int) -> Page:
    """Deliveries newest first (optionally of one status), with their endpoint and attempts."""
    stmt = select(WebhookDelivery).order_by(WebhookDelivery.id.desc())
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    number = max(1, min(number, max(1, math.ceil(total / PAGE_SIZE))))
    items = list(db.session.scalars(
        stmt.options(selectinload(WebhookDelivery.endpoint), selectinload(WebhookDelivery.attempt_rows))
        .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)))
    return Page(items, number, PAGE_SIZE, total)


def replay_webhook_delivery(delivery_id: int) -> bool:
    """Queue a delivery again and audit it; False when there is no such delivery."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return False
    replay_delivery(delivery)
    record_event("webhook.replayed", subject=f"webhook:{delivery.endpoint_id}",
                 payload={"delivery": delivery.id, "message_id": delivery.message_id})
    db.session.commit()
    return True


EVENT_LABELS = {
    "case.opened": _l("Case opened"),
    "case.state_changed": _l("Case moved to another step"),
    "case.closed": _l("Case closed"),
    "handover.signed_off": _l("Handover signed off"),
    "employee.offboarding_scheduled": _l("Last working day agreed"),
    "employee.offboarded": _l("Employee offboarded (account closed)"),
    "document.issued": _l("Document issued"),
}
STATUS_LABELS = {"pending": _l("Waiting to be sent"), "delivered": _l("Delivered"),
                 "failed": _l("Not delivered")}
