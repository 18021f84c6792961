"""The `prepare_settlement` action: the sheet is computed and stored when a case reaches its
settlement step (named in the workflow definitions), never by a page that only shows it."""
from __future__ import annotations

from app.engine.registry import Context, registry
from app.modules.cases.presenters import restrict_comment
from app.modules.workflows.hooks import case_of


def _reads_settlement(user, case) -> bool:
    from app.modules.settlement.views import may_read

    return may_read(user, case)


# An override's reason is about the money owed: only those who may read the sheet see it.
restrict_comment("settlement.override", _reads_settlement)


@registry.action("prepare_settlement", {"type": "object", "additionalProperties": False})
def prepare_settlement(ctx: Context) -> None:
    """Compute and store the case's settlement sheet (idempotent: a sheet HR made is kept)."""
    from app.modules.settlement.operations import prepare_settlement as prepare

    case = case_of(ctx)
    if case is None:
        raise LookupError(f"{ctx.subject} is not a case; cannot prepare a settlement")
    prepare(case)
