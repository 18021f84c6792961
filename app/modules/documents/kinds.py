"""The kinds of record: template, who may download, and the facts each one shows."""
from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import yaml
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from sqlalchemy import select

from app.config import ROOT
from app.engine.models import AuditEvent
from app.engine.timing import CHINA_TZ
from app.modules.cases.models import Case
from app.modules.documents.render import translator

RESIGNATIONS = {"voluntary_resignation", "probation_resignation"}
ARTICLES = {
    "voluntary_resignation": "LCL Art 37", "probation_resignation": "LCL Art 37",
    "mutual_agreement": "LCL Art 36", "contract_expiry": "LCL Art 44(1)",
    "retirement": "LCL Art 44(2); Reg Art 21", "dismissal": "LCL Art 39 / 40",
}
APPROVAL_EVENTS = ("submit", "approve", "reject", "withdraw")


@dataclass(frozen=True)
class Kind:
    """One kind of record: its template, whether only HR sees it, and who else may."""

    name: str
    template: str
    hr_only: bool = False
    audience: frozenset[str] = frozenset({"employee"})


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("resignation_application", "resignation_application"),
    Kind("termination_notice", "termination_notice"),
    Kind("approval_record", "approval_record"),
    Kind("handover_certificate", "handover_certificate",
         audience=frozenset({"employee", "receiver", "supervisor"})),
    Kind("exit_interview_record", "exit_interview_record", hr_only=True, audience=frozenset()),
    Kind("termination_certificate", "termination_certificate"),
    Kind("settlement_statement", "settlement_statement"),
    Kind("offboarding_summary", "offboarding_summary", hr_only=True, audience=frozenset()),
)}
# Template names the shipped workflows use for notices of other separation types.
ALIASES = {name: "termination_notice" for name in (
    "dismissal_notice", "expiry_notice", "mutual_agreement", "union_notice", "renewal_offer")}


def kind_for(name: str, case: Case | None = None) -> Kind:
    """The kind for a name (or workflow template alias); a resignation form for a
    case that is not a resignation becomes the termination notice."""
    name = ALIASES.get(name, name)
    if name == "resignation_application" and case is not None and \
            case.workflow_id not in RESIGNATIONS:
        name = "termination_notice"
    try:
        return KINDS[name]
    except KeyError:
        raise LookupError(f"unknown document kind {name!r}") from None


def kind_title(name: str, locale: str) -> str:
    """The title of a kind in a language."""
    return translator(locale)(f"{name}.title")


def audience_of(case: Case, employee_id: int | None) -> set[str]:
    """Which case parts an employee plays: employee, receiver, supervisor."""
    if employee_id is None:
        return set()
    parts = set()
    if case.employee_id == employee_id:
        parts.add("employee")
    if case.handover_receiver_id == employee_id:
        parts.add("receiver")
    manager_id = case.manager_id or (case.employee.manager_id if case.employee else None)
    if manager_id == employee_id:
        parts.add("supervisor")
    return parts


def may_download(case: Case, kind_name: str, employee_id: int | None, roles) -> bool:
    """HR gets everything; others get the kinds addressed to their part in the case."""
    if "hr" in roles:
        return True
    kind = KINDS.get(kind_name)
    if kind is None or kind.hr_only:
        return False
    return bool(kind.audience & audience_of(case, employee_id))


# ---------------------------------------------------------------- formatting


class Formatter:
    """Dates, money and durations in the document's language (or both)."""

    def __init__(self, locale: str, bilingual: bool):
        self.locale, self.bilingual = locale, bilingual
        self.t = translator(locale, bilingual)

    def _langs(self):
        return ("zh_CN", "en") if self.bilingual else (self.locale,)

    def date(self, value: date | None) -> str:
        if value is None:
            return ""
        return " / ".join(format_date(value, "long", locale=lang) for lang in self._langs())

    def datetime(self, value: datetime | None) -> str:
        if value is None:
            return ""
        if value.tzinfo is None:  # SQLite gives back naive UTC
            value = value.replace(tzinfo=UTC)
        local = value.astimezone(CHINA_TZ)
        return format_datetime(local, "yyyy-MM-dd HH:mm", locale="en")

    def money(self, value) -> str:
        if value in (None, ""):
            return ""
        return format_decimal(Decimal(str(value)), "#,##0.00", locale="en")

    def pick(self, pair: dict | None, zh: str = "", en: str = "") -> str:
        pair = pair or {"zh_CN": zh, "en": en}
        if self.bilingual:
            return " / ".join(p for p in (pair.get("zh_CN"), pair.get("en")) if p)
        return pair.get("zh_CN" if self.locale.startswith("zh") else "en") or ""


@functools.lru_cache(maxsize=32)
def workflow_yaml(workflow_id: str) -> dict:
    """A shipped workflow definition (titles of the workflow, its states and events)."""
    path = ROOT / "workflows" / f"{workflow_id}.yaml"
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


# ---------------------------------------------------------------- context builders


def build_context(session, case: Case, kind: Kind, *, locale: str, bilingual: bool,
                  issued_on: date, company: str, options: dict | None = None) -> dict:
    """Everything a template shows, as plain strings (the template only lays them out)."""
    f = Formatter(locale, bilingual)
    options = options or {}
    context = {"kind": kind.name, "hr_only": kind.hr_only, "company": company,
               "issued_on": f.date(issued_on), "case": _case_facts(session, case, f),
               "employee": _employee_facts(case)}
    extra = BUILDERS.get(kind.name)
    if extra is not None:
        context.update(extra(session, case, f, options))
    return context


def _employee_facts(case: Case) -> dict:
    employee = case.employee
    return {"name": employee.name, "no": employee.employee_no,
            "id_last4": employee.national_id_last4 or ""}


def _case_facts(session, case: Case, f: Formatter) -> dict:
    employee = case.employee
    workflow = workflow_yaml(case.workflow_id)
    supervisor = case.manager or (employee.manager if employee else None)
    return {
        "reference": case.reference,
        "department": _localized(case.department_name, employee.department, f),
        "position": _localized(case.position_name, employee.position, f),
        "hire_date": f.date(case.hire_date or employee.hire_date),
        "notice_date": f.date(case.notice_date),
        "requested_last_day": f.date(case.requested_last_day),
        "agreed_last_day": f.date(case.agreed_last_day),
        "last_day": f.date(case.last_day),
        "statement": case.statement or "",
        "workflow_title": f.pick(workflow.get("title"), case.workflow_id, case.workflow_id),
        "article": (case.facts or {}).get("article") or ARTICLES.get(case.workflow_id, ""),
        "receiver": case.handover_receiver.name if case.handover_receiver else "",
        "supervisor": supervisor.name if supervisor else "",
        "monthly_wage": f.money(case.monthly_wage),
        "reasons": ", ".join(case.reason_codes or []),
        "state": _state_title(session, case, f, workflow),
    }


def _localized(frozen: str, named, f: Formatter) -> str:
    """The name frozen on the case, in the document's language when the record still has it."""
    if named is None:
        return frozen
    if not frozen or frozen in (named.name_zh, named.name_en):
        return f.pick({"zh_CN": named.name_zh, "en": named.name_en})
    return frozen


def _state_title(session, case: Case, f: Formatter, workflow: dict) -> str:
    if case.instance_id is None:
        return ""
    from app.engine.models import WorkflowInstance

    instance = session.get(WorkflowInstance, case.instance_id)
    states = workflow.get("states", {})
    names = [str(c).split(".")[0] for c in (instance.configuration or [])] if instance else []
    return ", ".join(f.pick(states.get(n, {}).get("title"), n, n) for n in dict.fromkeys(names))


def timeline(session, case: Case, f: Formatter, events=None) -> list[dict]:
    """The case's audit events in order: when, what, who, and the comment given."""
    stmt = select(AuditEvent).where(AuditEvent.subject == f"case:{case.id}")
    if events is not None:
        stmt = stmt.where(AuditEvent.event.in_(events))
    titles = workflow_yaml(case.workflow_id).get("events", {})
    return [{"at": f.datetime(row.created_at),
             "step": f.pick(titles.get(row.event, {}).get("title"), row.event, row.event),
             "actor": row.actor_name or "", "comment": str((row.payload or {}).get("comment", ""))}
            for row in session.scalars(stmt.order_by(AuditEvent.id))]


def _approval(session, case, f, options) -> dict:
    return {"timeline": timeline(session, case, f, APPROVAL_EVENTS)}


def _summary(session, case, f, options) -> dict:
    return {"timeline": timeline(session, case, f)}


def _handover(session, case, f, options) -> dict:
    try:
        from app.modules.handover.operations import items_of
    except ImportError:
        return {"items": []}
    return {"items": [{"title": f.pick(None, item.title_zh, item.title_en),
                       "category": item.category,
                       "leaver_signed": _signed(item, "leaver", f),
                       "receiver_signed": _signed(item, "receiver", f)}
                      for item in items_of(session, case.id)]}


def _signed(item, side: str, f) -> str:
    """Who signed the item's side and when ("name · time"); only the time for bare rows."""
    at = getattr(item, f"{side}_signed_at")
    active = item.active_signature(side) if hasattr(item, "active_signature") else None
    name = active.signer_name if active is not None else ""
    return " · ".join(part for part in (name, f.datetime(at) if at else "") if part)


def _certificate(session, case, f, options) -> dict:
    """Reg Art 24: contract term, end date, position, years of service; a reason only on request."""
    from app.law import service_length

    employee = case.employee
    start = employee.contract_start or case.hire_date or employee.hire_date
    if employee.contract_end is None or employee.contract_type == "open_ended":
        term = f.t("term_open", start=f.date(start))
    else:
        term = f.t("term_range", start=f.date(start), end=f.date(employee.contract_end))
    years = ""
    first_day = case.hire_date or employee.hire_date
    if case.last_day and first_day and case.last_day >= first_day:
        service = service_length(first_day, case.last_day)
        years = f.t("years_months", years=service.months // 12, months=service.months % 12)
    wants_reason = options.get("with_reason") or (case.facts or {}).get("certificate_reason")
    reason = ""
    if wants_reason:
        facts = _case_facts(session, case, f)
        reason = f"{facts['workflow_title']} ({facts['article']})".replace(" ()", "")
    return {"certificate": {"contract_term": term, "termination_date": f.date(case.last_day),
                            "years_of_service": years, "reason": reason}}


def _interview(session, case, f, options) -> dict:
    data = _external("app.modules.interviews.operations", "interview_for_document", case,
                     f.locale) or {}
    answers = [{"question": str(a.get("question", "")), "answer": str(a.get("answer", ""))}
               for a in data.get("answers", [])]
    confidential = None
    if options.get("include_confidential"):
        confidential = str(data.get("confidential_notes") or "")
    return {"interview": {"interviewer": str(data.get("interviewer") or ""), "answers": answers,
                          "confidential": confidential}}


def _settlement(session, case, f, options) -> dict:
    data = _external("app.modules.settlement.operations", "settlement_for_document", case,
                     f.locale) or {}
    lines, total = [], Decimal(0)
    for line in data.get("lines", []):
        amount = Decimal(str(line.get("amount", 0)))
        total += amount
        lines.append({"label": f.pick(line.get("label") if isinstance(line.get("label"), dict)
                                      else None, str(line.get("label", "")),
                                      str(line.get("label", ""))),
                      "basis": str(line.get("basis", "")), "amount": f.money(amount)})
    return {"settlement": {"lines": lines, "total": f.money(total)}}


def _external(module: str, name: str, *args):
    """Ask another feature for its facts when it offers them; None when it does not (yet)."""
    try:
        fn = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    return fn(*args) if fn is not None else None


BUILDERS = {
    "approval_record": _approval, "offboarding_summary": _summary,
    "handover_certificate": _handover, "termination_certificate": _certificate,
    "exit_interview_record": _interview, "settlement_statement": _settlement,
}
