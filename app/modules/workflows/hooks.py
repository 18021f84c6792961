"""Register everything the shipped definitions name: roles, dates, guards and actions.

Imported at start-up by the app factory; registering again replaces, so re-imports are
harmless. Guard reasons are lazy strings, shown in the reader's language.
"""
from __future__ import annotations

import json
import logging
import urllib.request
from datetime import date

from flask_babel import lazy_gettext as _l

from app.engine.registry import Context, registry
from app.engine.timing import CHINA_TZ

log = logging.getLogger(__name__)
SLOW_ACTION_SCHEMAS = {
    "render_pdf": {"type": "object", "required": ["template"], "additionalProperties": False,
                   "properties": {"template": {"type": "string"}}},
    "notify": {"type": "object", "required": ["to"], "additionalProperties": False,
               "properties": {"to": {"type": "array", "items": {"type": "string"}},
                              "template": {"type": "string"}}},
    "webhook": {"type": "object", "required": ["url"], "additionalProperties": False,
                "properties": {"url": {"type": "string", "pattern": "^https?://"},
                               "event": {"type": "string"}}},
}


def app_calendar():
    """The Chinese working-day calendar (years without a notice use the estimate)."""
    from app.law.calendar import ChinaCalendar

    return ChinaCalendar(strict=False)


def case_of(ctx: Context):
    """The case the instance belongs to (subject "case:<id>"), cached on the context."""
    if "case" not in ctx.cache:
        from app.modules.cases.models import Case

        kind, _, ident = (ctx.subject or "").partition(":")
        ctx.cache["case"] = ctx.session.get(Case, int(ident)) if kind == "case" else None
    return ctx.cache["case"]


def _today(ctx: Context) -> date:
    return ctx.now().astimezone(CHINA_TZ).date()


# ---------------------------------------------------------------- roles and dates


@registry.role_resolver("case.employee")
def case_employee(ctx: Context) -> set[int]:
    """The leaver."""
    case = case_of(ctx)
    return {case.employee_id} if case else set()


@registry.role_resolver("case.employee.manager")
def case_manager(ctx: Context) -> set[int]:
    """The leaver's supervisor as frozen at filing (the current manager if none was)."""
    case = case_of(ctx)
    if case is None:
        return set()
    manager_id = case.manager_id or (case.employee.manager_id if case.employee else None)
    return {manager_id} if manager_id else set()


@registry.role_resolver("case.handover_receiver")
def case_receiver(ctx: Context) -> set[int]:
    """Who takes the work over."""
    case = case_of(ctx)
    return {case.handover_receiver_id} if case and case.handover_receiver_id else set()


@registry.date_resolver("case.last_day")
def case_last_day(ctx: Context) -> date | None:
    """Agreed last day, else the requested one."""
    case = case_of(ctx)
    return case.last_day if case else None


@registry.date_resolver("case.notice_date")
def case_notice_date(ctx: Context) -> date | None:
    """The day written notice was given."""
    case = case_of(ctx)
    return case.notice_date if case else None


# ---------------------------------------------------------------- guards


@registry.guard("notice_period_ok", {"type": "object", "additionalProperties": False})
def notice_period_ok(ctx: Context):
    """Art 37: the requested last day leaves 30 days' notice (3 days in probation)."""
    from app.modules.cases.operations import notice_period_problem

    case = case_of(ctx)
    if case is None or case.requested_last_day is None:
        return _l("Enter the requested last working day first.")
    if case.employee is None:
        return True
    problem = notice_period_problem(case.employee, case.notice_date or _today(ctx),
                                    case.requested_last_day)
    return problem or True


@registry.guard("art40_notice_ok", {"type": "object", "additionalProperties": False})
def art40_notice_ok(ctx: Context):
    """Art 40: thirty days' written notice from the day it is given, unless a month's wage is paid."""
    from app.modules.cases.operations import notice_deadline

    case = case_of(ctx)
    last_day = ctx.payload.get("agreed_last_day") or (case.last_day if case else None)
    if last_day is None:
        return _l("Enter the last working day first.")
    last_day = last_day if isinstance(last_day, date) else date.fromisoformat(str(last_day)[:10])
    earliest, _estimated = notice_deadline(_today(ctx), 30)
    if last_day < earliest:
        return _l("A dismissal under Labour Contract Law Art 40 needs 30 days' written notice: the "
                  "last day can be %(earliest)s at the earliest, or choose a month's wage in lieu.",
                  earliest=earliest)
    return True


@registry.guard("art42_not_protected", {"type": "object", "additionalProperties": False})
def art42_not_protected(ctx: Context):
    """Art 42: no Art 40 dismissal of a protected employee; the reason names the protection."""
    from app.law import ART42

    case = case_of(ctx)
    codes = list(case.employee.protections or []) if case and case.employee else []
    if not codes:
        return True
    known = {p.code: p for p in ART42}
    found = [known[c] for c in codes if c in known]
    what = "; ".join(f"{p.article}: {p.text_zh} / {p.text_en}" for p in found) or ", ".join(codes)
    return _l("This employee is protected by %(what)s; a no-fault dismissal (Art 40) is not "
              "allowed.", what=what)


@registry.guard("union_notified", {"type": "object", "additionalProperties": False})
def union_notified(ctx: Context):
    """Art 43: the union was told of the dismissal (date recorded, not in the future)."""
    raw = (ctx.instance.data or {}).get("union_notified_on")
    if not raw:
        return _l("Art 43: notify the trade union and record the date before dismissing.")
    if date.fromisoformat(str(raw)[:10]) > _today(ctx):
        return _l("Art 43: the union notification date is in the future.")
    return True


@registry.guard("checklist_complete", {"type": "object", "additionalProperties": False})
def checklist_complete(ctx: Context):
    """Every handover item carries both signatures."""
    from app.modules.handover.operations import items_of, unsigned_count

    case = case_of(ctx)
    if case is None or not items_of(ctx.session, case.id):
        return _l("The handover checklist has not been created.")
    missing = unsigned_count(ctx.session, case.id)
    if missing:
        return _l("%(count)s handover items still need both signatures.", count=missing)
    return True


@registry.guard("leaver_gates_clear", {"type": "object", "additionalProperties": False})
def leaver_gates_clear(ctx: Context):
    """Before archive: items signed, reports reassigned, accounts revoked, assets returned."""
    from app.modules.handover.operations import leaver_gates

    case = case_of(ctx)
    if case is None:
        return _l("The handover checklist has not been created.")
    blocked = [str(g.message) for g in leaver_gates(ctx.session, case) if not g.ok]
    return " ".join(blocked) if blocked else True


# ---------------------------------------------------------------- database actions


@registry.action("create_checklist", {"type": "object", "additionalProperties": False,
                                      "properties": {"template": {"type": "string"}}})
def create_checklist(ctx: Context, template: str | None = None) -> None:
    """Create the case's handover items from the checklist templates matching the case."""
    from app.modules.handover.operations import create_checklist as create

    case = case_of(ctx)
    if case is None:
        raise LookupError(f"{ctx.subject} is not a case; cannot create a checklist")
    create(ctx.session, case, template, calendar=ctx.calendar)


VOLUNTARY = {"voluntary_resignation", "probation_resignation"}


@registry.action("archive_alumni", {"type": "object", "additionalProperties": False})
def archive_alumni(ctx: Context) -> None:
    """Write the Separation (interview-confirmed reasons first), mark the employee as left,
    freeze the alumni record and queue the account shutdown for the last day."""
    from app.modules.alumni.operations import archive_case

    case = case_of(ctx)
    if case is None:
        raise LookupError(f"{ctx.subject} is not a case; cannot archive")
    archive_case(ctx.session, case, today=_today(ctx), now=ctx.now())


# ---------------------------------------------------------------- slow actions (outbox)

for _name, _schema in SLOW_ACTION_SCHEMAS.items():
    registry.register("action", _name, lambda ctx, **params: None, _schema, slow=True)


@registry.outbox_handler("webhook")
def post_webhook(payload: dict) -> None:
    """POST the event as JSON to the configured URL (replaced by the integrations module)."""
    params = payload.get("params", {})
    if not str(params.get("url", "")).startswith(("https://", "http://")):
        raise ValueError("webhook URLs must be http(s)")
    body = json.dumps({k: payload.get(k) for k in ("job_id", "instance_id", "subject",
                                                     "event", "state")}).encode("utf-8")
    request = urllib.request.Request(params["url"], data=body, method="POST",  # noqa: S310
                                     headers={"Content-Type": "application/json",
                                              "Idempotency-Key": str(payload.get("job_id"))})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        if response.status >= 300:
            raise RuntimeError(f"webhook answered {response.status}")
