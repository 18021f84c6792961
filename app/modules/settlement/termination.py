"""How a case ends, in the law library's terms (LCL Art 36-44)."""
from __future__ import annotations

from app.law import TerminationType as T

RESIGNATIONS = {"voluntary_resignation", "probation_resignation"}  # LCL Art 37


def termination_type(workflow_id: str, data: dict, facts: dict) -> T | None:
    """Map a case's workflow and the facts given with its events to a TerminationType.

    None while the deciding fact is not known yet (a dismissal before its basis is filed,
    an expiry before the renewal answer, an agreement before anyone proposed it).
    """
    if workflow_id in RESIGNATIONS:
        return T.RESIGNATION
    if workflow_id == "retirement":
        return T.RETIREMENT  # LCL Art 44(2)
    if workflow_id == "mutual_agreement":  # LCL Art 36; severance only if the employer proposed (Art 46(2))
        proposer = data.get("proposed_by") or facts.get("proposed_by")
        return {"employer": T.MUTUAL_EMPLOYER_PROPOSED,
                "employee": T.MUTUAL_EMPLOYEE_PROPOSED}.get(proposer)
    if workflow_id == "dismissal":
        return {"art39": T.DISMISSAL_FOR_CAUSE, "art40": T.DISMISSAL_NO_FAULT}.get(data.get("basis"))
    if workflow_id == "contract_expiry":
        return _expiry(data)
    return None


def _expiry(data: dict) -> T | None:
    """LCL Art 44(1), 46(5): no severance only if the employee refused equal or better terms."""
    answer = data.get("renewal_answer")
    if answer == "employee_declined":
        return T.EXPIRY_RENEWAL_REFUSED
    if answer in ("employer_declined", "offered_worse_terms"):
        return T.EXPIRY
    if data.get("declined_by") == "employer":
        return T.EXPIRY
    if data.get("declined_by") == "employee":
        refused_equal = data.get("offer_terms") == "equal_or_better"
        return T.EXPIRY_RENEWAL_REFUSED if refused_equal else T.EXPIRY
    return None


def pay_in_lieu_chosen(workflow_id: str, data: dict) -> bool:
    """An Art 40 dismissal without 30 days' notice owes one month's wage instead (Reg Art 20)."""
    return (workflow_id == "dismissal" and data.get("basis") == "art40"
            and (data.get("pay_in_lieu") is True or data.get("notice_mode") == "pay_in_lieu"))
