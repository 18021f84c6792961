"""Engine action and outbox handler for the account shutdown on the last working day."""
from __future__ import annotations

from app.engine.registry import Context, registry
from app.modules.alumni.operations import SHUTDOWN_JOB, run_account_shutdown


@registry.action("schedule_account_shutdown", {"type": "object", "additionalProperties": False})
def schedule_account_shutdown_action(ctx: Context) -> None:
    """Queue the switch to alumni-only access for 18:00 on the case's last day."""
    from app.modules.alumni.operations import schedule_account_shutdown
    from app.modules.workflows.hooks import case_of

    case = case_of(ctx)
    if case is not None:
        schedule_account_shutdown(case, ctx.now())


registry.register("outbox", SHUTDOWN_JOB, run_account_shutdown)
