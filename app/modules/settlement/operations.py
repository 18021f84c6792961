"""Settlement operations: compute, record HR's facts, override a line. None of them commit."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import record_event
from app.db import db, utcnow
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


def _sheet_of(case: Case) -> SettlementSheet:
    sheet = settlement_for(case)
    if sheet is None:
        sheet = SettlementSheet(case_id=case.id, lines=[])
        db.session.add(sheet)
    return sheet


def compute_settlement(case: Case) -> SettlementSheet:
    """Create or recompute the sheet's computed amounts; overrides are left as they are."""
    sheet = _sheet_of(case)
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
    sheet = _sheet_of(case)
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
