"""Signals the features send about what happened, so others can react without importing them.

Receivers run inside the sender's transaction (they may add rows, an outbox job say, and
never commit). The engine's own signals are in app/engine/signals.py.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: An audit event was recorded by `app.audit.record_event`. Sender: the event's name;
#: kwargs: session, subject, payload.
event_recorded = _signals.signal("event-recorded")
#: A PDF was issued on a case. Sender: the session; kwargs: document.
document_issued = _signals.signal("document-issued")
#: The account shutdown was scheduled for the case's last working day. Sender: the case;
#: kwargs: session, due (aware UTC instant the shutdown is due).
offboarding_scheduled = _signals.signal("offboarding-scheduled")
