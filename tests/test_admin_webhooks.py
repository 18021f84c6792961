"""The webhook page: HR administrators see every delivery with its attempts and send one again."""
from __future__ import annotations

from sqlalchemy import select

from app.clock import now
from app.engine.models import AuditEvent, OutboxJob
from app.modules.api.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def _delivery(session, people, status="failed", code=500) -> WebhookDelivery:
    endpoint = WebhookEndpoint(url="https://hooks.example.com/sendoff", events=["case.opened"],
                               description="身份系统", secret="whsec_x", created_by_id=people.hr_admin_user.id)
    session.add(endpoint)
    session.flush()
    delivery = WebhookDelivery(endpoint_id=endpoint.id, message_id="msg_2Ab", event_type="case.opened",
                               body="{}", status=status, attempts=1, last_status_code=code,
                               last_error="HTTP 500")
    session.add(delivery)
    session.flush()
    session.add(WebhookAttempt(delivery_id=delivery.id, at=now(), status_code=code, error="HTTP 500",
                               duration_ms=12, replay=False))
    session.flush()
    return delivery


def test_hr_admin_sees_deliveries_with_their_attempts_in_both_languages(client, session, people, login):
    _delivery(session, people)
    login("hradmin")
    zh = client.get("/admin/webhooks").get_data(as_text=True)
    assert "https://hooks.example.com/sendoff" in zh and "创建案件" in zh and "未送达" in zh
    assert "case.opened" not in zh  # the event's name, not its code
    assert "(UTC+08:00)" in zh
    client.post("/language/en", data={"csrf_token": _csrf(client)})
    en = client.get("/admin/webhooks?status=failed").get_data(as_text=True)
    assert "Case opened" in en and "Not delivered" in en
    assert "msg_2Ab" not in client.get("/admin/webhooks?status=delivered").get_data(as_text=True)


def test_sending_a_delivery_again_queues_it_and_is_audited(client, session, people, login, post_form):
    delivery = _delivery(session, people)
    login("hradmin")
    before = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
    response = post_form(f"/admin/webhooks/deliveries/{delivery.id}/replay", {}, page="/admin/webhooks")
    assert response.status_code == 302
    job = session.scalars(select(OutboxJob).where(OutboxJob.kind == "webhook.deliver")
                          .order_by(OutboxJob.id.desc())).first()
    assert job.payload == {"delivery_id": delivery.id, "replay": True}
    audit = session.scalars(select(AuditEvent).where(AuditEvent.id > before,
                                                     AuditEvent.event == "webhook.replayed")).one()
    assert audit.payload["delivery"] == delivery.id
    assert post_form("/admin/webhooks/deliveries/999999/replay", {}, page="/admin/webhooks").status_code == 404


def test_only_hr_administrators_see_or_replay_deliveries(client, session, people, login):
    delivery = _delivery(session, people)
    login("hr")
    assert client.get("/admin/webhooks").status_code == 403
    token = _csrf(client)
    assert client.post(f"/admin/webhooks/deliveries/{delivery.id}/replay",
                       data={"csrf_token": token}).status_code == 403


def test_a_replay_without_the_form_token_is_refused(client, session, people, login):
    delivery = _delivery(session, people)
    login("hradmin")
    assert client.post(f"/admin/webhooks/deliveries/{delivery.id}/replay").status_code == 400
    assert session.scalar(select(OutboxJob.id).where(OutboxJob.kind == "webhook.deliver")) is None


def _csrf(client) -> str:
    from tests.conftest import csrf_from

    return csrf_from(client.get("/").get_data(as_text=True))
