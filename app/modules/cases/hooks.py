"""Case guards the shipped workflows name: evidence (Art 39), probation (Art 21), agreed last day."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.engine.registry import Context, registry
from app.modules.cases.fields import ART39_GROUNDS, ART40_GROUNDS
from app.modules.workflows.hooks import case_of

NO_PARAMS = {"type": "object", "additionalProperties": False}
# LCL Art 21: during probation only Art 39 and Art 40(1)(2) allow the employer to end the contract.
PROBATION_ALLOWED_ART40 = ("medical_unfit", "incompetent")


@registry.guard("evidence_attached", NO_PARAMS)
def evidence_attached(ctx: Context):
    """Art 39: a dismissal for cause needs evidence on file before it is filed."""
    from app.modules.cases.models import CaseAttachment

    case = case_of(ctx)
    found = case and ctx.session.scalar(select(CaseAttachment.id).where(
        CaseAttachment.case_id == case.id, CaseAttachment.kind == "evidence").limit(1))
    return True if found else _l("Attach the evidence for the Art 39 ground before filing.")


@registry.guard("probation_dismissal_allowed", NO_PARAMS)
def probation_dismissal_allowed(ctx: Context):
    """Art 21: in probation, a no-fault dismissal is possible only under Art 40(1) or 40(2);
    Art 39(1) (failing the hiring conditions) exists only in probation, when filed and when
    the notice is issued."""
    case = case_of(ctx)
    # The ground is given when the case is filed and kept in the instance data for later steps.
    ground = ctx.payload.get("ground") or (ctx.instance.data or {}).get("ground")
    in_probation = bool(case and case.employee and case.employee.in_probation(_day(ctx)))
    if ground == "probation_unfit":
        return True if in_probation else _l(
            "Art 39(1) applies only during the probation period, and this employee is not on "
            "probation (Labour Contract Law Art 21, 39).")
    if not in_probation or ground in PROBATION_ALLOWED_ART40 or ground in dict(ART39_GROUNDS):
        return True
    label = dict(ART40_GROUNDS).get(ground, ground)
    return _l("During probation the contract can be ended only under Art 39 or Art 40(1)(2) "
              "(Labour Contract Law Art 21); %(ground)s is not one of them.", ground=label)


@registry.guard("agreed_last_day_ok", NO_PARAMS)
def agreed_last_day_ok(ctx: Context):
    """The employer may shorten the notice the employee gave, not extend it (Art 37)."""
    case = case_of(ctx)
    raw = ctx.payload.get("agreed_last_day")
    if case is None or not raw:
        return True
    agreed = raw if isinstance(raw, date) else date.fromisoformat(str(raw)[:10])
    if case.notice_date and agreed <= case.notice_date:
        return _l("The agreed last day must be after the notice date (%(day)s).", day=case.notice_date)
    if case.requested_last_day and agreed > case.requested_last_day:
        return _l("The agreed last day cannot be later than the day the employee asked for (%(day)s) "
                  "without their consent.", day=case.requested_last_day)
    return True


def _day(ctx: Context) -> date:
    from app.engine.timing import CHINA_TZ

    return ctx.now().astimezone(CHINA_TZ).date()
