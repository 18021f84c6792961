"""Wire the API's reactions: signals heard (webhooks, SCIM) and outbox handlers registered."""
from __future__ import annotations

from app.engine.registry import registry
from app.engine.signals import instance_changed, instance_started
from app.modules.api import events
from app.modules.api.scim import DEPROVISION_JOB, deprovision_job
from app.modules.api.webhooks import DELIVER_JOB, deliver_job
from app.signals import document_issued, event_recorded, offboarding_scheduled

instance_started.connect(events.on_started)
instance_changed.connect(events.on_changed)
offboarding_scheduled.connect(events.on_offboarding_scheduled)
event_recorded.connect(events.on_event_recorded)
document_issued.connect(events.on_document_issued)

registry.register("outbox", DELIVER_JOB, deliver_job)
registry.register("outbox", DEPROVISION_JOB, deprovision_job)
