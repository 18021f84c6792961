"""Contract rules as data: probation (LCL Art 19), notice (Art 37, 40), Art 42 protections,
and which ways of ending a contract owe severance (Art 36-46).

Boundaries follow Civil Code Art 1259: "以上/以下/满" include the number, "不满" does not.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

# LCL Art 19: (contract months from, to, max probation months); None = open-ended.
# Under 3 months (and task-based contracts) no probation may be agreed (Art 19 para 3).
PROBATION_LIMITS: tuple[tuple[int, int | None, int], ...] = (
    (0, 3, 0),
    (3, 12, 1),
    (12, 36, 2),
    (36, None, 6),
)
NOTICE_DAYS = 30  # LCL Art 37: 30 days' written notice
NOTICE_DAYS_PROBATION = 3  # LCL Art 37: 3 days in probation


def probation_max_months(contract_months: int | None) -> int:
    """Longest lawful probation for a contract term in months; None = open-ended (Art 19)."""
    if contract_months is None:
        return PROBATION_LIMITS[-1][2]
    if contract_months < 0:
        raise ValueError("contract_months must be >= 0")
    for low, high, limit in PROBATION_LIMITS:
        if contract_months >= low and (high is None or contract_months < high):
            return limit
    raise AssertionError("unreachable")  # pragma: no cover


def notice_days(in_probation: bool) -> int:
    """Days of notice an employee gives to resign: 30, or 3 in probation (LCL Art 37)."""
    return NOTICE_DAYS_PROBATION if in_probation else NOTICE_DAYS


@dataclass(frozen=True)
class Protection:
    """One LCL Art 42 situation in which Art 40/41 dismissal is forbidden."""

    code: str
    article: str
    text_zh: str
    text_en: str


ART42: tuple[Protection, ...] = (
    Protection("occupational_hazard", "LCL Art 42(1)",
               "从事接触职业病危害作业未进行离岗前职业健康检查，或疑似职业病病人在诊断或医学观察期间",
               "occupational-hazard work without an exit health check, or suspected "
               "occupational disease under diagnosis or observation"),
    Protection("work_injury", "LCL Art 42(2)",
               "在本单位患职业病或者因工负伤并被确认丧失或者部分丧失劳动能力",
               "occupational disease or work injury here with confirmed (partial) loss of "
               "capacity"),
    Protection("medical_period", "LCL Art 42(3)",
               "患病或者非因工负伤，在规定的医疗期内",
               "illness or non-work injury within the statutory medical period"),
    Protection("pregnancy", "LCL Art 42(4)",
               "女职工在孕期、产期、哺乳期",
               "female employee pregnant, on maternity leave or nursing"),
    Protection("long_service", "LCL Art 42(5)",
               "在本单位连续工作满十五年，且距法定退休年龄不足五年",
               "15+ continuous years here and under 5 years to statutory retirement age"),
)
LONG_SERVICE_YEARS = 15  # Art 42(5): "满十五年" includes 15
YEARS_TO_RETIREMENT = 5  # Art 42(5): "不足五年" excludes 5


@dataclass(frozen=True)
class EmployeeStatus:
    """Facts about an employee that Art 42 looks at."""

    hazard_work_without_exit_check: bool = False
    suspected_occupational_disease: bool = False
    work_injury_incapacity: bool = False
    in_medical_period: bool = False
    pregnant: bool = False
    maternity_leave: bool = False
    nursing: bool = False
    continuous_service_years: Decimal = Decimal(0)
    years_to_retirement: Decimal | None = None


class TerminationType(StrEnum):
    """Ways a contract ends (LCL Art 36-44)."""

    MUTUAL_EMPLOYER_PROPOSED = "mutual_employer_proposed"
    MUTUAL_EMPLOYEE_PROPOSED = "mutual_employee_proposed"
    RESIGNATION = "resignation"
    RESIGNATION_EMPLOYER_FAULT = "resignation_employer_fault"
    DISMISSAL_FOR_CAUSE = "dismissal_for_cause"
    DISMISSAL_NO_FAULT = "dismissal_no_fault"
    MASS_LAYOFF = "mass_layoff"
    EXPIRY = "expiry"
    EXPIRY_RENEWAL_REFUSED = "expiry_renewal_refused"
    RETIREMENT = "retirement"
    DEATH = "death"
    EMPLOYER_CLOSED = "employer_closed"


@dataclass(frozen=True)
class TerminationRule:
    """Article, notice, severance and Art 42 effect for one way of ending a contract."""

    type: TerminationType
    article: str
    notice: str
    notice_days: int | None
    severance: bool
    severance_article: str
    pay_in_lieu_allowed: bool = False
    art42: str | None = None  # "forbidden" (Art 42) or "postponed" (Art 45)


T = TerminationType
TERMINATION_RULES: dict[TerminationType, TerminationRule] = {
    r.type: r
    for r in (
        TerminationRule(T.MUTUAL_EMPLOYER_PROPOSED, "LCL Art 36", "none", None, True,
                        "LCL Art 46(2)"),
        TerminationRule(T.MUTUAL_EMPLOYEE_PROPOSED, "LCL Art 36", "none", None, False,
                        "LCL Art 46(2) (only if the employer proposed)"),
        TerminationRule(T.RESIGNATION, "LCL Art 37", "30 days written; 3 days in probation",
                        NOTICE_DAYS, False, "not listed in LCL Art 46"),
        TerminationRule(T.RESIGNATION_EMPLOYER_FAULT, "LCL Art 38",
                        "none; immediate for force, threats or unsafe orders (Art 38 para 2)",
                        None, True, "LCL Art 46(1)"),
        TerminationRule(T.DISMISSAL_FOR_CAUSE, "LCL Art 39", "none", None, False,
                        "not listed in LCL Art 46"),
        TerminationRule(T.DISMISSAL_NO_FAULT, "LCL Art 40",
                        "30 days written, or one month's wage instead (Reg Art 20)",
                        30, True, "LCL Art 46(3)", pay_in_lieu_allowed=True, art42="forbidden"),
        TerminationRule(T.MASS_LAYOFF, "LCL Art 41",
                        "explain to the union or all staff 30 days ahead; report to the "
                        "labour authority", 30, True, "LCL Art 46(4)", art42="forbidden"),
        TerminationRule(T.EXPIRY, "LCL Art 44(1)", "none", None, True, "LCL Art 46(5)",
                        art42="postponed"),
        TerminationRule(T.EXPIRY_RENEWAL_REFUSED, "LCL Art 44(1)", "none", None, False,
                        "LCL Art 46(5): renewal on equal or better terms refused",
                        art42="postponed"),
        TerminationRule(T.RETIREMENT, "LCL Art 44(2); Reg Art 21", "none", None, False,
                        "not listed in LCL Art 46"),
        TerminationRule(T.DEATH, "LCL Art 44(3)", "none", None, False,
                        "not listed in LCL Art 46"),
        TerminationRule(T.EMPLOYER_CLOSED, "LCL Art 44(4)(5)", "none", None, True,
                        "LCL Art 46(6)"),
    )
}


def termination_rule(termination: TerminationType | str) -> TerminationRule:
    """The rule row for a way of ending a contract."""
    return TERMINATION_RULES[TerminationType(termination)]


def severance_owed(termination: TerminationType | str) -> bool:
    """Whether economic compensation is owed for this way of ending (LCL Art 46)."""
    return termination_rule(termination).severance


def _applies(p: Protection, s: EmployeeStatus) -> bool:
    if p.code == "occupational_hazard":
        return s.hazard_work_without_exit_check or s.suspected_occupational_disease
    if p.code == "work_injury":
        return s.work_injury_incapacity
    if p.code == "medical_period":
        return s.in_medical_period
    if p.code == "pregnancy":
        return s.pregnant or s.maternity_leave or s.nursing
    return (
        Decimal(s.continuous_service_years) >= LONG_SERVICE_YEARS
        and s.years_to_retirement is not None
        and Decimal(s.years_to_retirement) < YEARS_TO_RETIREMENT
    )


def applicable_protections(
    status: EmployeeStatus, termination: TerminationType | str | None = None
) -> tuple[Protection, ...]:
    """Art 42 protections that apply; with `termination`, only if they restrict it (Art 42/45)."""
    if termination is not None and termination_rule(termination).art42 is None:
        return ()
    return tuple(p for p in ART42 if _applies(p, status))
