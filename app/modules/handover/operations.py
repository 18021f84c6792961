"""Handover checklists: create from templates, change items, sign, dispute. Never commits.

Every write first locks the case's workflow instance (FOR UPDATE on PostgreSQL; SQLite
transactions begin IMMEDIATE), the same lock the engine takes to fire `sign_leaver` /
`sign_receiver`, so a checklist change and the whole-handover sign-off never interleave.
A partial unique index keeps at most one active signature per item and side.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.db import is_sqlite, utcnow
from app.modules.handover.checklists import choose
from app.modules.handover.models import CLEARANCE_ROLES, SIDES, HandoverItem, HandoverSignature

SUBJECT = "case:{id}/handover"  # kept apart from the case timeline, still in the audit chain
EDITABLE = ("title_zh", "title_en", "category", "receiver_role", "receiver_employee_id",
            "due_on", "evidence_required")


class HandoverError(ValueError):
    """A checklist operation was refused; the message is for the user."""


class StaleItem(HandoverError):
    """The item changed since the user loaded it (HTTP 409)."""


@dataclass(frozen=True)
class Signer:
    """Who acts, from where, when, and through which channel (the web, or an API token)."""

    user: object
    ip: str = ""
    at: datetime | None = None
    channel: str = "web"
    token_id: int | None = None

    @property
    def when(self) -> datetime:
        return self.at or utcnow()


# ---------------------------------------------------------------- reading


def items_of(session, case_id: int) -> list[HandoverItem]:
    """The case's current checklist items in order (removed items left out)."""
    stmt = select(HandoverItem).where(HandoverItem.case_id == case_id, HandoverItem.removed_at.is_(None))
    return list(session.scalars(stmt.order_by(HandoverItem.position, HandoverItem.id)))


def removed_items_of(session, case_id: int) -> list[HandoverItem]:
    """Items HR took off the checklist, with the reason."""
    stmt = select(HandoverItem).where(HandoverItem.case_id == case_id, HandoverItem.removed_at.isnot(None))
    return list(session.scalars(stmt.order_by(HandoverItem.position)))


def unsigned_count(session, case_id: int) -> int:
    """Items still missing at least one of the two signatures."""
    missing = (HandoverItem.leaver_signed_at.is_(None)) | (HandoverItem.receiver_signed_at.is_(None))
    stmt = select(func.count()).select_from(HandoverItem).where(
        HandoverItem.case_id == case_id, HandoverItem.removed_at.is_(None), missing)
    return session.scalar(stmt) or 0


def checklist_complete(session, case_id: int) -> bool:
    """True only when the case has items and every item carries both signatures."""
    return bool(items_of(session, case_id)) and unsigned_count(session, case_id) == 0


def content_hash(item: HandoverItem) -> str:
    """SHA-256 of what a signature vouches for: the item's terms, note and evidence."""
    evidence = item.evidence.sha256 if item.evidence is not None else None
    content = {name: getattr(item, name) for name in EDITABLE}
    content.update(due_on=item.due_on.isoformat() if item.due_on else None, note=item.note or "",
                   evidence=evidence, item=item.id, case=item.case_id)
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def is_overdue(item: HandoverItem, today: date) -> bool:
    return item.due_on is not None and item.due_on < today and item.status != "confirmed"


# ---------------------------------------------------------------- creating


def _calendar():
    from app.modules.workflows.hooks import app_calendar

    return app_calendar()


def due_date(last_day: date | None, offset: int, calendar=None) -> date | None:
    """The working day `offset` business days from the last working day (0: that day)."""
    if last_day is None:
        return None
    return (calendar or _calendar()).add_business_days(last_day, offset)


def _case_keywords(case) -> tuple[list[str], list[str]]:
    employee = case.employee
    positions = [case.position_name]
    if employee is not None and employee.position is not None:
        positions += [employee.position.name_zh, employee.position.name_en, employee.position.code]
    departments = [case.department_name]
    department = employee.department if employee is not None else None
    while department is not None:
        departments += [department.name_zh, department.name_en, department.code]
        department = department.parent
    return positions, departments


def default_receiver(case, role: str) -> int | None:
    """The employee a template's receiver means on this case (None for clearance roles)."""
    if role == "successor":
        return case.handover_receiver_id
    if role == "supervisor":
        return case.manager_id or (case.employee.manager_id if case.employee else None)
    return None


def create_checklist(session, case, template: str | None = None, calendar=None) -> list[HandoverItem]:
    """Create the case's items from the templates matching it, once; returns the items."""
    existing = items_of(session, case.id)
    if existing:
        return existing
    names = ["generic", template] if template and template != "generic" else None
    used, template_items = choose(*_case_keywords(case), names=names)
    calendar = calendar or _calendar()
    items = [HandoverItem(case_id=case.id, position=index, key=t.key, title_zh=t.title_zh,
                          title_en=t.title_en, category=t.category, receiver_role=t.receiver,
                          receiver_employee_id=default_receiver(case, t.receiver),
                          due_on=due_date(case.last_day, t.due, calendar), evidence_required=t.evidence)
             for index, t in enumerate(template_items)]
    session.add_all(items)
    session.flush()
    _audit(session, case.id, None, "handover.created", templates=used, items=len(items))
    return items


# ---------------------------------------------------------------- locking and audit


def lock_checklist(session, case) -> None:
    """Lock the case's instance and refuse changes once the handover is signed off or left."""
    from app.engine.models import WorkflowInstance

    stmt = (select(WorkflowInstance).where(WorkflowInstance.id == case.instance_id)
            .execution_options(populate_existing=True))
    if not is_sqlite(session):
        stmt = stmt.with_for_update()
    instance = session.scalars(stmt).first()
    if not checklist_open(instance):
        raise HandoverError(_l("The checklist is closed: the handover is signed off or over."))


def checklist_open(instance) -> bool:
    """True while the case is in its handover and neither side signed the whole handover."""
    config = list(instance.configuration or []) if instance is not None else []
    return (instance is not None and instance.status == "active" and bool(config)
            and all(s.startswith("handover.") and s.endswith(".pending") for s in config))


def _fresh(session, item: HandoverItem, expected_version: int | None) -> HandoverItem:
    """Reload the item and its signatures after the lock; a stale version is refused."""
    session.refresh(item)
    session.scalars(select(HandoverSignature).where(HandoverSignature.item_id == item.id)
                    .execution_options(populate_existing=True)).all()
    session.expire(item, ["signatures"])
    if item.removed_at is not None:
        raise HandoverError(_l("This item was removed from the checklist."))
    if expected_version is not None and item.version != expected_version:
        raise StaleItem(_l("The item changed since you opened it; reload and try again."))
    return item


def _begin(session, item: HandoverItem, expected_version: int | None) -> HandoverItem:
    from app.modules.cases.models import Case

    lock_checklist(session, session.get(Case, item.case_id))
    return _fresh(session, item, expected_version)


def _audit(session, case_id: int, user, event: str, **payload) -> None:
    from app.audit import current_request_id
    from app.engine import SYSTEM, Actor
    from app.engine.audit import append_audit

    # The audit names the person; their roles are not needed (and not read from another session).
    actor = Actor(user_id=user.id, employee_id=user.employee_id, groups=frozenset(),
                  name=user.display_name) if user else SYSTEM
    append_audit(session, event=event, at=utcnow(), actor=actor,
                 subject=SUBJECT.format(id=case_id), payload=payload, request_id=current_request_id())


# ---------------------------------------------------------------- signatures


def _channel(signer: Signer) -> dict:
    """What the audit keeps of an API signature: the channel and the token (never its secret)."""
    return {"channel": signer.channel, "token": signer.token_id} if signer.channel != "web" else {}


def _add_signature(session, item: HandoverItem, side: str, user, at: datetime, ip: str,
                   signer: Signer | None = None) -> HandoverSignature:
    signature = HandoverSignature(item_id=item.id, side=side, user_id=user.id, signer_name=user.display_name,
                                  signed_at=at, ip=(ip or "")[:64], content_hash=content_hash(item),
                                  channel=signer.channel if signer else "web",
                                  token_id=signer.token_id if signer else None)
    try:
        with session.begin_nested():
            session.add(signature)
            session.flush()
    except IntegrityError as exc:  # another signer got there first
        raise StaleItem(_l("Someone else signed this item a moment ago; reload to see it.")) from exc
    item.signatures.append(signature)
    setattr(item, f"{side}_signed_at", at)
    setattr(item, f"{side}_signed_by", user.id)
    return signature


def _void(item: HandoverItem, side: str, at: datetime, reason: str) -> bool:
    signature = item.active_signature(side)
    if signature is None:
        return False
    signature.voided_at, signature.void_reason = at, reason[:2000]
    setattr(item, f"{side}_signed_at", None)
    setattr(item, f"{side}_signed_by", None)
    return True


def _void_if_changed(item: HandoverItem, at: datetime, reason: str) -> list[str]:
    """Void the signatures whose content hash no longer matches; the item goes back to pending."""
    current = content_hash(item)
    voided = [side for side in SIDES if (s := item.active_signature(side)) is not None
              and s.content_hash != current and _void(item, side, at, reason)]
    if voided:
        item.status = "pending"
    return voided


def sign_item(session, item: HandoverItem, side: str, user_id: int, at: datetime, ip: str = "") -> None:
    """Record a signature without workflow checks (imports, fixtures); status follows the sides."""
    from app.modules.auth.models import User

    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}")
    session.flush()
    _void(item, side, at, "re-signed")
    _add_signature(session, item, side, session.get(User, user_id), at, ip)
    item.status = "confirmed" if item.complete else "handed_over" if side == "leaver" else item.status
    session.flush()


def hand_over_item(session, item: HandoverItem, signer: Signer, *, note: str = "", evidence=None,
                   expected_version: int | None = None) -> HandoverItem:
    """The leaver marks the item handed over (and signs it), with a note and evidence if needed."""
    item = _begin(session, item, expected_version)
    if item.status not in ("pending", "disputed"):
        raise HandoverError(_l("This item is already handed over."))
    if item.receiver_role not in CLEARANCE_ROLES and item.receiver_employee_id is None:
        raise HandoverError(_l("This item has no receiver yet: the supervisor names the successor first."))
    if evidence is not None:
        item.evidence_id = evidence.id
        item.evidence = evidence
    if item.evidence_required and item.evidence_id is None:
        raise HandoverError(_l("This item needs evidence: attach a PDF or an image."))
    item.note = (note or "").strip()[:4000]
    at = signer.when
    _void(item, "leaver", at, "re-signed")
    _add_signature(session, item, "leaver", signer.user, at, signer.ip, signer)
    item.status, item.dispute_reason = "handed_over", ""
    session.flush()
    _audit(session, item.case_id, signer.user, "handover.handed_over", item=item.id,
           hash=item.active_signature("leaver").content_hash, ip=signer.ip, **_channel(signer))
    return item


def confirm_item(session, item: HandoverItem, signer: Signer, *, expected_version: int | None = None) -> HandoverItem:
    """The receiver confirms the item as handed over (their signature, over the same content)."""
    item = _begin(session, item, expected_version)
    leaver = item.active_signature("leaver")
    if item.status != "handed_over" or leaver is None:
        raise HandoverError(_l("Only an item the leaver has handed over can be confirmed."))
    if leaver.content_hash != content_hash(item):
        raise StaleItem(_l("The item changed since the leaver signed it; reload and try again."))
    _add_signature(session, item, "receiver", signer.user, signer.when, signer.ip, signer)
    item.status = "confirmed"
    session.flush()
    _audit(session, item.case_id, signer.user, "handover.confirmed", item=item.id,
           hash=leaver.content_hash, ip=signer.ip, **_channel(signer))
    return item


def dispute_item(session, item: HandoverItem, signer: Signer, reason: str, *,
                 expected_version: int | None = None) -> HandoverItem:
    """The receiver refuses the item with a reason; it goes back to the leaver."""
    item = _begin(session, item, expected_version)
    if item.status != "handed_over":
        raise HandoverError(_l("Only an item the leaver has handed over can be disputed."))
    if not (reason or "").strip():
        raise HandoverError(_l("Say why you do not accept the item."))
    _void(item, "leaver", signer.when, f"disputed: {reason.strip()}")
    item.status, item.dispute_reason = "disputed", reason.strip()[:2000]
    session.flush()
    _audit(session, item.case_id, signer.user, "handover.disputed", item=item.id, reason=item.dispute_reason,
           **_channel(signer))
    return item


# ---------------------------------------------------------------- changing the checklist


def edit_item(session, item: HandoverItem, user, reason: str, *, expected_version: int | None = None,
              **changes) -> list[str]:
    """HR changes an item's terms; signatures over the old content are voided. Returns voided sides."""
    item = _begin(session, item, expected_version)
    _need_reason(reason)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    before = {k: getattr(item, k) for k in changes}
    for name, value in changes.items():
        setattr(item, name, value)
    voided = _void_if_changed(item, utcnow(), f"changed: {reason.strip()}")
    session.flush()
    _audit(session, item.case_id, user, "handover.item_changed", item=item.id, reason=reason.strip(),
           before=before, after=changes, voided=voided)
    return voided


def add_item(session, case, user, reason: str, *, title_zh: str, title_en: str, category: str,
             receiver_role: str, receiver_employee_id: int | None = None, due_on: date | None = None,
             evidence_required: bool = False) -> HandoverItem:
    """HR adds an item to the checklist, with a reason."""
    lock_checklist(session, case)
    _need_reason(reason)
    position = (session.scalar(select(func.max(HandoverItem.position))
                               .where(HandoverItem.case_id == case.id)) or 0) + 1
    if receiver_employee_id is None and receiver_role not in CLEARANCE_ROLES:
        receiver_employee_id = default_receiver(case, receiver_role)
    item = HandoverItem(case_id=case.id, position=position, title_zh=title_zh.strip(),
                        title_en=(title_en or title_zh).strip(), category=category,
                        receiver_role=receiver_role, receiver_employee_id=receiver_employee_id,
                        due_on=due_on, evidence_required=evidence_required)
    session.add(item)
    session.flush()
    _audit(session, case.id, user, "handover.item_added", item=item.id, reason=reason.strip(),
           title=item.title_zh)
    return item


def remove_item(session, item: HandoverItem, user, reason: str, *,
                expected_version: int | None = None) -> None:
    """HR takes an item off the checklist, with a reason; its signatures are voided."""
    item = _begin(session, item, expected_version)
    _need_reason(reason)
    at = utcnow()
    for side in SIDES:
        _void(item, side, at, f"removed: {reason.strip()}")
    item.removed_at, item.removed_reason = at, reason.strip()[:2000]
    session.flush()
    _audit(session, item.case_id, user, "handover.item_removed", item=item.id, reason=reason.strip())


def _need_reason(reason: str) -> None:
    if not (reason or "").strip():
        raise HandoverError(_l("Give a reason for the change."))


def name_successor(session, case, user, successor_id: int, reason: str = "") -> int:
    """The supervisor names the successor; the successor's open items move to them. Returns moved count."""
    lock_checklist(session, case)
    old = case.handover_receiver_id
    if successor_id == case.employee_id:
        raise HandoverError(_l("The leaver cannot be their own successor."))
    case.handover_receiver_id = successor_id
    items = [i for i in items_of(session, case.id) if i.receiver_role == "successor"
             and i.receiver_employee_id in (None, old) and i.status != "confirmed"]
    moved = _move(items, successor_id, reason or "successor named")
    session.flush()
    _audit(session, case.id, user, "handover.successor_named", successor=successor_id, previous=old,
           items=[i.id for i in items], reason=reason)
    return moved


def _move(items, employee_id: int, reason: str) -> int:
    at = utcnow()
    for item in items:
        item.receiver_employee_id = employee_id
        _void_if_changed(item, at, f"receiver changed: {reason}")
    return len(items)


def change_receiver(session, cases, user, from_employee_id: int, to_employee_id: int, reason: str) -> int:
    """Move every unconfirmed item received by one employee to another, across open cases."""
    _need_reason(reason)
    moved = 0
    for case in cases:
        try:
            lock_checklist(session, case)
        except HandoverError:
            continue
        items = [i for i in items_of(session, case.id)
                 if i.receiver_employee_id == from_employee_id and i.status != "confirmed"]
        if case.handover_receiver_id == from_employee_id:
            case.handover_receiver_id = to_employee_id
        moved += _move(items, to_employee_id, reason.strip())
        if items:
            _audit(session, case.id, user, "handover.receiver_changed", items=[i.id for i in items],
                   previous=from_employee_id, receiver=to_employee_id, reason=reason.strip())
    session.flush()
    return moved


# ---------------------------------------------------------------- leaver gates before archive


@dataclass(frozen=True)
class Gate:
    """One condition for archiving the leaver: what blocks it and who can clear it."""

    key: str
    ok: bool
    message: object = ""


def _titles(items) -> str:
    from app.i18n import current_locale

    return "、".join(i.title(current_locale()) for i in items)


def leaver_gates(session, case) -> list[Gate]:
    """The four gates: items signed, reports reassigned, accounts revoked, assets returned."""
    from app.modules.employees.models import Employee

    items = items_of(session, case.id)
    unsigned = [i for i in items if not i.complete]
    reports = list(session.scalars(select(Employee).where(
        Employee.manager_id == case.employee_id, Employee.status != "left").order_by(Employee.id)))
    accounts = [i for i in items if i.category == "systems" and i.receiver_role == "it"]
    assets = [i for i in items if i.category == "assets"]
    gates = [
        Gate("items", bool(items) and not unsigned, _l(
            "%(count)s handover items lack a signature (%(items)s): the leaver and each item's "
            "receiver sign them.", count=len(unsigned), items=_titles(unsigned)) if unsigned else
            _l("The checklist has no items: HR adds them.") if not items else ""),
        Gate("reports", not reports, _l(
            "%(count)s direct reports still report to the leaver (%(names)s): HR or the supervisor "
            "reassigns them to a new manager.", count=len(reports),
            names="、".join(r.name for r in reports)) if reports else ""),
        Gate("accounts", bool(accounts) and all(i.complete for i in accounts), _l(
            "System accounts are not confirmed revoked: IT confirms the item \"%(items)s\".",
            items=_titles([i for i in accounts if not i.complete])) if accounts else _l(
            "The checklist has no IT item for revoking system accounts: HR adds one.")),
        Gate("assets", all(i.complete for i in assets), _l(
            "Company assets are not confirmed returned: administration confirms \"%(items)s\".",
            items=_titles([i for i in assets if not i.complete]))),
    ]
    return [g if not g.ok else Gate(g.key, True, "") for g in gates]


def reassign_reports(session, case, user, new_manager_id: int) -> int:
    """Give the leaver's active direct reports a new manager; returns how many moved."""
    from app.modules.employees.models import Employee

    if not case.is_open:
        raise HandoverError(_l("The case is closed: nothing can be added to its record or changed in it."))
    if new_manager_id == case.employee_id:
        raise HandoverError(_l("Choose someone other than the leaver."))
    reports = list(session.scalars(select(Employee).where(
        Employee.manager_id == case.employee_id, Employee.status != "left",
        Employee.id != new_manager_id)))
    for report in reports:
        report.manager_id = new_manager_id
    session.flush()
    _audit(session, case.id, user, "handover.reports_reassigned", manager=new_manager_id,
           employees=[r.id for r in reports])
    return len(reports)
