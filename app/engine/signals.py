"""What the engine tells the application, inside the event's transaction (blinker signals).

The engine knows no feature; a feature that must react to every case (webhooks, say)
connects here. Receivers run in the same transaction as the event, after its rows are
written: they may add rows (an outbox job) and must not commit.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: An instance was started. Sender: the session; kwargs: instance, definition, actor, now.
instance_started = _signals.signal("instance-started")
#: An event was accepted on an instance. Sender: the session; kwargs: instance_id, subject,
#: definition, decision (app.engine.machine.Decision), actor, now.
instance_changed = _signals.signal("instance-changed")
