"""Pure PRC labor-law rules: data plus functions, no Flask, no database, no clock.

Callers pass every date; articles are cited next to each rule. See
docs/decisions/0002-law-library.md.
"""
from app.law.calendar import (
    ChinaCalendar,
    FixedCalendar,
    UnknownCalendarYear,
    WorkCalendar,
    add_months,
)
from app.law.compensation import (
    Compensation,
    ServiceLength,
    average_monthly_wage,
    cents,
    compensation_months,
    economic_compensation,
    service_length,
)
from app.law.contracts import (
    ART42,
    TERMINATION_RULES,
    EmployeeStatus,
    Protection,
    TerminationRule,
    TerminationType,
    applicable_protections,
    notice_days,
    probation_max_months,
    severance_owed,
    termination_rule,
)
from app.law.deadlines import (
    PERIODS,
    Period,
    period_deadline,
    statutory_deadline,
    statutory_deadline_months,
)
from app.law.settlement import (
    LeavePayout,
    annual_leave_entitlement,
    annual_leave_payout,
    non_compete_monthly,
    non_compete_release_extra,
    non_compete_term_ok,
    pay_in_lieu_of_notice,
)
from app.law.wages import MissingWageData, WageFigure, WageTable

__all__ = [
    "ART42",
    "PERIODS",
    "TERMINATION_RULES",
    "ChinaCalendar",
    "Compensation",
    "EmployeeStatus",
    "FixedCalendar",
    "LeavePayout",
    "MissingWageData",
    "Period",
    "Protection",
    "ServiceLength",
    "TerminationRule",
    "TerminationType",
    "UnknownCalendarYear",
    "WageFigure",
    "WageTable",
    "WorkCalendar",
    "add_months",
    "annual_leave_entitlement",
    "annual_leave_payout",
    "applicable_protections",
    "average_monthly_wage",
    "cents",
    "compensation_months",
    "economic_compensation",
    "non_compete_monthly",
    "non_compete_release_extra",
    "non_compete_term_ok",
    "notice_days",
    "pay_in_lieu_of_notice",
    "period_deadline",
    "probation_max_months",
    "service_length",
    "severance_owed",
    "statutory_deadline",
    "statutory_deadline_months",
    "termination_rule",
]
