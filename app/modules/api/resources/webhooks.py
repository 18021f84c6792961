"""Webhook endpoints (HR administrators): subscribe, list, delete, see deliveries, replay one."""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import func, select

from app.audit import record_event
from app.db import db, utcnow
from app.modules.api import schemas
from app.modules.api.auth import current_api_user, require_scope
from app.modules.api.blueprint import resource
from app.modules.api.idempotency import idempotent
from app.modules.api.models import WebhookDelivery, WebhookEndpoint
from app.modules.api.presenters import page_data, utc
from app.modules.api.resources.common import forbidden, not_found, refused
from app.modules.api.webhooks import UnsafeUrl, check_url, new_secret, replay_delivery
from app.modules.auth.permissions import roles_of
from app.modules.cases.queries import Page

bp = resource("api_webhooks", "Signed webhooks (Standard Webhooks) for HR administrators")


def _hr_admin() -> None:
    if "hr_admin" not in roles_of(current_api_user()):
        raise forbidden("Webhooks are managed by HR administrators.")


def endpoint_data(endpoint: WebhookEndpoint, secret: str | None = None) -> dict:
    data = {"id": endpoint.id, "url": endpoint.url, "events": list(endpoint.events or []),
            "description": endpoint.description or "", "active": endpoint.active,
            "created_at": utc(endpoint.created_at)}
    return {**data, "secret": secret} if secret else data


def delivery_data(delivery: WebhookDelivery) -> dict:
    return {"id": delivery.id, "message_id": delivery.message_id, "event_type": delivery.event_type,
            "status": delivery.status, "attempts": delivery.attempts,
            "last_status_code": delivery.last_status_code, "last_error": delivery.last_error or "",
            "created_at": utc(delivery.created_at), "delivered_at": utc(delivery.delivered_at),
            "attempt_log": [{"at": utc(a.at), "status_code": a.status_code, "error": a.error or "",
                             "duration_ms": a.duration_ms, "replay": a.replay} for a in delivery.attempt_rows]}


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not endpoint.active:
        raise not_found()
    return endpoint


@bp.route("/webhooks")
class Webhooks(MethodView):
    @require_scope("admin")
    @bp.response(200, schemas.Webhook(many=True))
    def get(self):
        """The active webhook endpoints."""
        _hr_admin()
        rows = db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))
                                  .order_by(WebhookEndpoint.id))
        return [endpoint_data(e) for e in rows]

    @require_scope("admin")
    @idempotent
    @bp.arguments(schemas.WebhookCreate)
    @bp.response(201, schemas.WebhookWithSecret)
    def post(self, body):
        """Subscribe a URL to events; the signing secret (whsec_...) is shown this once."""
        _hr_admin()
        try:
            check_url(body["url"], resolve=False)
        except UnsafeUrl as error:
            raise refused(str(error), {"url": str(error)}) from error
        secret = new_secret()
        endpoint = WebhookEndpoint(url=body["url"], events=sorted(set(body["events"])),
                                   description=body["description"], secret=secret,
                                   created_by_id=current_api_user().id)
        db.session.add(endpoint)
        db.session.flush()
        record_event("webhook.created", subject=f"webhook:{endpoint.id}",
                     payload={"url": endpoint.url, "events": endpoint.events})
        db.session.commit()
        return endpoint_data(endpoint, secret), 201


@bp.route("/webhooks/<int(max=2147483647):endpoint_id>", methods=["DELETE"])
@require_scope("admin")
@bp.response(204)
def delete(endpoint_id: int):
    """Stop sending to an endpoint (its deliveries stay for the record)."""
    _hr_admin()
    endpoint = _endpoint(endpoint_id)
    endpoint.active, endpoint.disabled_at = False, utcnow()
    record_event("webhook.disabled", subject=f"webhook:{endpoint.id}", payload={"url": endpoint.url})
    db.session.commit()
    return None


@bp.route("/webhooks/<int(max=2147483647):endpoint_id>/deliveries")
@require_scope("admin")
@bp.arguments(schemas.PageQuery, location="query")
@bp.response(200, schemas.DeliveryPage)
def deliveries(args, endpoint_id: int):
    """The endpoint's deliveries, newest first, each attempt logged."""
    _hr_admin()
    _endpoint(endpoint_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id).order_by(
        WebhookDelivery.id.desc())
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    size, number = args["per_page"], args["page"]
    items = list(db.session.scalars(stmt.limit(size).offset((number - 1) * size)))
    return page_data(Page(items, number, size, total), [delivery_data(d) for d in items])


@bp.route("/webhooks/deliveries/<int(max=2147483647):delivery_id>/replay", methods=["POST"])
@require_scope("admin")
@bp.response(202, schemas.Delivery)
def replay(delivery_id: int):
    """Send a delivery again: the same body and webhook-id, signed anew."""
    _hr_admin()
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise not_found()
    replay_delivery(delivery)
    record_event("webhook.replayed", subject=f"webhook:{delivery.endpoint_id}",
                 payload={"delivery": delivery.id, "message_id": delivery.message_id})
    db.session.commit()
    return delivery_data(delivery), 202
