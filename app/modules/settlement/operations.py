"""Settlement operations: compute, record HR's facts, override a line. None of them commit."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.audit import record_event
from app.db import db, is_sqlite, utcnow
from app.law import cents
from app.modules.auth.models import User
from app.modules.cases.models import Case
from app.modules.settlement.inputs import gather_inputs
from app.modules.settlement.models import LINE_CODES, SettlementLine, SettlementSheet
from app.modules.settlement.rules import ZERO, compute_lines

NON_COMPETE_MAX_MONTHS = 24  # LCL Art 24


class SettlementError(ValueError):
    """A settlement change was refused; the message is for the user."""


def settlement_for(case: Case) -> SettlementSheet | None:
    """The case's stored sheet, if one was computed."""
    return db.session.scalar(select(SettlementSheet).where(SettlementSheet.case_id == case.id))


def ensure_settlement(case: Case) -> SettlementSheet:
    """The case's sheet, locked for this transaction; created if there is none, so that two
    requests (or a request and a workflow step) creating it at once both succeed."""
    if settlement_for(case) is None:
        dialect = sqlite if is_sqlite(db.session) else postgresql
        at = utcnow()
        db.session.execute(dialect.insert(SettlementSheet.__table__).values(
            case_id=case.id, non_compete_agreed=False, computed_at=at, updated_at=at, created_at=at,
            version=1).on_conflict_do_nothing(index_elements=["case_id"]))
    stmt = (select(SettlementSheet).where(SettlementSheet.case_id == case.id)
            .execution_options(populate_existing=True))
    if not is_sqlite(db.session):  # SQLite: the request's BEGIN IMMEDIATE holds the lock
        stmt = stmt.with_for_update()
    return db.session.scalars(stmt).one()


def sheet_is_current(case: Case, sheet: SettlementSheet) -> bool:
    """True when the stored computed amounts are what the case's facts give today."""
    for code, result in compute_lines(gather_inputs(case, sheet)).items():
        line = sheet.line(code)
        if line is None or line.amount != result.amount or line.explanation != result.notes:
            return False
    return True


def check_case_open(case: Case) -> None:
    """A closed case's settlement is part of its record: read-only."""
    if not case.is_open:
        raise SettlementError(_l("The case is closed: its settlement sheet can no longer be changed."))


def compute_settlement(case: Case) -> SettlementSheet:
    """Create or recompute the sheet's computed amounts; overrides are left as they are."""
    sheet = ensure_settlement(case)
    changed = False
    for code, result in compute_lines(gather_inputs(case, sheet)).items():
        line = sheet.line(code)
        if line is None:
            line = SettlementLine(code=code, amount=ZERO, explanation=[])
            sheet.lines.append(line)
        if line.amount != result.amount or line.explanation != result.notes:
            line.amount, line.explanation = result.amount, result.notes
            changed = True
    if changed:
        sheet.computed_at = sheet.updated_at = utcnow()  # a new version of the sheet
    return sheet


def record_settlement_facts(case: Case, *, leave_days_taken: Decimal | None,
                            cumulative_work_years: Decimal | None, non_compete_agreed: bool,
                            non_compete_months: int | None) -> SettlementSheet:
    """Store the facts HR knows (leave, years of work, non-compete) and recompute."""
    if non_compete_agreed and not (non_compete_months and
                                   1 <= non_compete_months <= NON_COMPETE_MAX_MONTHS):
        raise SettlementError(_l("A non-compete lasts 1 to 24 months (LCL Art 24)."))
    check_case_open(case)
    sheet = ensure_settlement(case)
    sheet.leave_days_taken = leave_days_taken
    sheet.cumulative_work_years = cumulative_work_years
    sheet.non_compete_agreed = non_compete_agreed
    sheet.non_compete_months = non_compete_months if non_compete_agreed else None
    compute_settlement(case)
    sheet.computed_at = sheet.updated_at = utcnow()
    record_event("settlement.facts", subject=case.subject, payload={
        "leave_days_taken": _text(leave_days_taken),
        "cumulative_work_years": _text(cumulative_work_years),
        "non_compete_agreed": non_compete_agreed, "non_compete_months": sheet.non_compete_months})
    return sheet


def override_line(line: SettlementLine, amount: Decimal | None, reason: str, user: User) -> None:
    """Replace a line's amount (None restores the computed one); a reason is required and audited."""
    reason = (reason or "").strip()
    if not reason:
        raise SettlementError(_l("Give a reason for the change."))
    if amount is not None and amount < 0:
        raise SettlementError(_l("The amount cannot be negative."))
    check_case_open(db.session.get(Case, line.sheet.case_id))
    amount = cents(amount) if amount is not None else None
    previous = line.override_amount
    line.override_amount = amount
    line.override_reason = reason if amount is not None else None
    line.overridden_by_id = user.id if amount is not None else None
    line.overridden_at = utcnow() if amount is not None else None
    line.sheet.updated_at = utcnow()  # a new version of the sheet
    record_event("settlement.override", subject=f"case:{line.sheet.case_id}", payload={
        "line": line.code, "computed": _text(line.amount), "previous": _text(previous),
        "override": _text(amount), "reason": reason, "user_id": user.id})


def prepare_settlement(case: Case) -> SettlementSheet:
    """Compute and store the sheet (HR's button, or the workflow reaching its settlement step)."""
    check_case_open(case)
    sheet = compute_settlement(case)
    db.session.flush()
    record_event("settlement.computed", subject=case.subject, payload={"total": _text(sheet.total)})
    return sheet


def _text(value) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class SummaryRow:
    code: str
    amount: Decimal
    overridden: bool
    notes: tuple[dict, ...] = ()
    reason: str | None = None


def settlement_preview(case: Case) -> tuple[list[SummaryRow], Decimal]:
    """Current amounts (stored overrides applied) without writing anything; and their total."""
    sheet = settlement_for(case)
    computed = compute_lines(gather_inputs(case, sheet))
    rows = []
    for code in LINE_CODES:
        line = sheet.line(code) if sheet else None
        overridden = line is not None and line.is_overridden
        rows.append(SummaryRow(code, line.override_amount if overridden else computed[code].amount,
                               overridden, tuple(computed[code].notes),
                               line.override_reason if overridden else None))
    return rows, sum((r.amount for r in rows), ZERO)


def settlement_for_document(case: Case, locale: str) -> dict:
    """The sheet for the settlement statement PDF: label, explanation and amount per line."""
    from flask_babel import force_locale

    from app.modules.settlement.messages import LINE_TITLES, render_note

    rows, _total = settlement_preview(case)
    lines = []
    with force_locale(locale):
        for row in rows:
            basis = [render_note(n) for n in row.notes]
            if row.overridden:
                basis.append(str(_l("Changed by HR: %(reason)s", reason=row.reason)))
            lines.append({"label": str(LINE_TITLES[row.code]), "basis": " ".join(basis),
                          "amount": str(row.amount)})
    return {"lines": lines}
