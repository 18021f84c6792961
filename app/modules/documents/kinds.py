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
from app.i18n import ZONE
from app.modules.cases.models import Case
from app.modules.documents.render import translator

RESIGNATIONS = {"voluntary_resignation", "probation_resignation"}
ARTICLES = {
    "voluntary_resignation": "LCL Art 37", "probation_resignation": "LCL Art 37",
    "mutual_agreement": "LCL Art 36", "contract_expiry": "LCL Art 44(1)",
    "retirement": "LCL Art 44(2); Reg Art 21", "dismissal": "LCL Art 39 / 40",
}
APPROVAL_EVENTS = ("submit", "approve", "reject", "withdraw")
# Article and item of each dismissal ground the cases module offers (LCL Art 39, 40).
GROUNDS = {
    "probation_unfit": (39, 1), "serious_violation": (39, 2), "serious_dereliction": (39, 3),
    "concurrent_employment": (39, 4), "fraud_contract": (39, 5), "criminal_liability": (39, 6),
    "medical_unfit": (40, 1), "incompetent": (40, 2), "circumstances_changed": (40, 3),
}
OFFER_TERMS = ("equal_or_better", "lower")
NOTICE_MODES = ("notice", "pay_in_lieu")
RENEWAL_ANSWER_EVENTS = {"accept_renewal": "accepted", "decline_renewal": "declined"}
DISMISSAL_FILINGS = ("file_with_cause", "file_without_fault")


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
    Kind("renewal_offer", "renewal_offer"),
    # Addressed to the trade union, kept by HR: not the employee's to download.
    Kind("union_notice", "union_notice", audience=frozenset()),
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
    "dismissal_notice", "expiry_notice", "mutual_agreement")}


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
        return f'{format_datetime(local, "yyyy-MM-dd HH:mm", locale="en")} ({ZONE})'

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
        "article": _article(case),
        "receiver": case.handover_receiver.name if case.handover_receiver else "",
        "supervisor": supervisor.name if supervisor else "",
        "monthly_wage": f.money(case.monthly_wage),
        "reasons": ", ".join(case.reason_codes or []),
        "state": _state_title(session, case, f, workflow),
    }


def workflow_data(case: Case) -> dict:
    """The facts given with the case's workflow events (offer terms, ground, union date...)
    over those given when it was opened."""
    data = case.instance.data if case.instance is not None else None
    return {**(case.facts or {}), **(data or {})}


def _article(case: Case) -> str:
    """The legal basis: as HR stated it, else the dismissal ground's, else the workflow's."""
    stated = (case.facts or {}).get("article")
    ground = GROUNDS.get(workflow_data(case).get("ground"))
    if stated or not ground:
        return stated or ARTICLES.get(case.workflow_id, "")
    article, item = ground
    return f"LCL Art {article}({item})"


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


def timeline(session, case: Case, f: Formatter, events=None, *, for_hr: bool = False) -> list[dict]:
    """The case's audit events in order: when, what, who, and the comment given; a comment
    only some readers may see is printed only in a document for HR."""
    from app.modules.cases.presenters import comment_is_restricted

    stmt = select(AuditEvent).where(AuditEvent.subject == f"case:{case.id}")
    if events is not None:
        stmt = stmt.where(AuditEvent.event.in_(events))
    titles = workflow_yaml(case.workflow_id).get("events", {})
    return [{"at": f.datetime(row.created_at),
             "step": _step_title(row.event, titles, f),
             "actor": row.actor_name or "",
             "comment": "" if comment_is_restricted(row.event) and not for_hr
             else str((row.payload or {}).get("comment", ""))}
            for row in session.scalars(stmt.order_by(AuditEvent.id))]


def _step_title(kind: str, titles: dict, f: Formatter) -> str:
    """The workflow's own title of an event, else the app's (engine, timers, modules)."""
    if kind in titles:
        return f.pick(titles[kind].get("title"), kind, kind)
    from flask_babel import force_locale

    from app.modules.cases.presenters import module_event_title

    names = []
    for lang in f._langs():
        with force_locale(lang):
            names.append(module_event_title(kind))
    return " / ".join(dict.fromkeys(names))


def _approval(session, case, f, options) -> dict:
    return {"timeline": timeline(session, case, f, APPROVAL_EVENTS)}


def _summary(session, case, f, options) -> dict:
    return {"timeline": timeline(session, case, f, for_hr=KINDS["offboarding_summary"].hr_only)}


def _handover(session, case, f, options) -> dict:
    try:
        from app.modules.handover.operations import items_of
    except ImportError:
        return {"items": []}
    signers = _active_signers(session, case)
    return {"items": [{"title": f.pick(None, item.title_zh, item.title_en),
                       "category": item.category,
                       "leaver_signed": _signed(item, "leaver", signers, f),
                       "receiver_signed": _signed(item, "receiver", signers, f)}
                      for item in items_of(session, case.id)]}


def _active_signers(session, case: Case) -> dict[tuple[int, str], str]:
    """(item id, side) -> who signed, for every active signature of the case in one query
    (item by item, the signatures would cost a query per item)."""
    from app.modules.handover.models import HandoverItem, HandoverSignature

    stmt = (select(HandoverSignature.item_id, HandoverSignature.side,
                   HandoverSignature.signer_name)
            .join(HandoverItem, HandoverItem.id == HandoverSignature.item_id)
            .where(HandoverItem.case_id == case.id, HandoverSignature.voided_at.is_(None)))
    return {(item_id, side): name for item_id, side, name in session.execute(stmt)}


def _signed(item, side: str, signers: dict, f) -> str:
    """Who signed the item's side and when ("name · time"); only the time for bare rows."""
    at = getattr(item, f"{side}_signed_at")
    name = signers.get((item.id, side), "")
    return " · ".join(part for part in (name, f.datetime(at) if at else "") if part)


def _contract_term(case: Case, f: Formatter) -> str:
    """The term of the contract in force: "start to end", or open-ended from its start."""
    employee = case.employee
    start = employee.contract_start or case.hire_date or employee.hire_date
    if employee.contract_end is None or employee.contract_type == "open_ended":
        return f.t("term_open", start=f.date(start))
    return f.t("term_range", start=f.date(start), end=f.date(employee.contract_end))


def _certificate(session, case, f, options) -> dict:
    """Reg Art 24: contract term, end date, position, years of service; a reason only on request."""
    from app.law import service_length

    employee = case.employee
    term = _contract_term(case, f)
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
    addenda = [{"at": f.datetime(a.get("at")), "author": str(a.get("author") or ""),
                "text": str(a.get("text") or "")} for a in data.get("addenda", [])]
    return {"interview": {"interviewer": str(data.get("interviewer") or ""), "answers": answers,
                          "addenda": addenda, "confidential": confidential}}


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


def _renewal(session, case, f, options) -> dict:
    """LCL Art 44(1), 46(5): the offer to renew, whether it keeps or improves the terms (then
    no severance is owed if the employee declines), the deadline and the answer so far."""
    data = workflow_data(case)
    end = case.employee.contract_end or case.last_day
    terms = data.get("offer_terms") if data.get("offer_terms") in OFFER_TERMS else None
    return {"renewal": {
        "contract_term": _contract_term(case, f), "contract_end": f.date(end),
        "terms": f.t(f"offer_terms.{terms}") if terms else "",
        "compensation": f.t(f"renewal_compensation.{terms}") if terms else "",
        "answer_by": f.date(_as_date(data.get("answer_by")) or end),
        "answer": _renewal_answer(session, case, data, f)}}


def _renewal_answer(session, case, data: dict, f: Formatter) -> str:
    """The employee's answer as the workflow recorded it (with when), or "not answered yet"."""
    event = _latest_event(session, case, RENEWAL_ANSWER_EVENTS)
    if event is not None:
        answer = f.t(f"renewal_answer.{RENEWAL_ANSWER_EVENTS[event.event]}")
        return f"{answer} ({f.datetime(event.created_at)})"
    declined = data.get("declined_by") == "employee" or data.get("renewal_answer") in (
        "employee_declined", "offered_worse_terms")
    return f.t("renewal_answer.declined" if declined else "renewal_answer.pending")


def _union(session, case, f, options) -> dict:
    """LCL Art 43: the dismissal the union is told of in advance: ground and article, notice,
    the reasons HR filed, when the union was notified and its reply as recorded."""
    data = workflow_data(case)
    ground = data.get("ground") if data.get("ground") in GROUNDS else None
    basis = data.get("basis") or (f"art{GROUNDS[ground][0]}" if ground else None)
    mode = "none" if basis == "art39" else data.get("notice_mode")
    filing = _latest_event(session, case, DISMISSAL_FILINGS)
    reply = _latest_event(session, case, ("record_union_reply",))
    return {"union": {
        "ground": f.t(f"ground.{ground}") if ground else "",
        "article": f.t(f"ground.{ground}.article") if ground else "",
        "notice_mode": f.t(f"notice_mode.{mode}") if mode in (*NOTICE_MODES, "none") else "",
        "reasons": _comment(filing) or case.statement or "",
        "notified_on": f.date(_as_date(data.get("union_notified_on"))),
        "reply": _comment(reply)}}


def _latest_event(session, case: Case, events) -> AuditEvent | None:
    """The newest audit event of the case among `events`."""
    stmt = (select(AuditEvent).where(AuditEvent.subject == f"case:{case.id}",
                                     AuditEvent.event.in_(tuple(events)))
            .order_by(AuditEvent.id.desc()).limit(1))
    return session.scalar(stmt)


def _comment(event: AuditEvent | None) -> str:
    return str((event.payload or {}).get("comment") or "") if event is not None else ""


def _as_date(value) -> date | None:
    """A date given with an event (stored as ISO text in the workflow's JSON data)."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


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
    "renewal_offer": _renewal, "union_notice": _union,
}
