"""Economic compensation (经济补偿) on termination: LCL Art 47, 48, 87; Reg Art 25, 27.

"以上" includes the number itself (Civil Code Art 1259), so a remainder of exactly
6 months counts as a full year.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from app.law.calendar import add_months

CENT = Decimal("0.01")
HALF = Decimal("0.5")
CAP_MULTIPLE = Decimal(3)  # Art 47 para 2: 3x the local average monthly wage
CAP_YEARS = 12  # Art 47 para 2: at most 12 years when the wage is capped
AVERAGE_WINDOW = 12  # Art 47 para 3: the 12 months before termination
LCL_IN_FORCE = date(2008, 1, 1)


def cents(amount: Decimal) -> Decimal:
    """Round money to cents, half up."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ServiceLength:
    """Length of service in whole months plus leftover days."""

    months: int
    days: int

    @property
    def years(self) -> int:
        """Full years of service."""
        return self.months // 12

    def __str__(self) -> str:
        return f"{self.months // 12}y {self.months % 12}m {self.days}d"


def service_length(start: date, end: date) -> ServiceLength:
    """Whole months and days from first to last day, both inclusive (as HR counts)."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    after_end = end + timedelta(days=1)
    months = (after_end.year - start.year) * 12 + after_end.month - start.month
    # Anchor every step on `start` (month-end clamping, Civil Code Art 202) to avoid drift.
    while months > 0 and add_months(start, months) > after_end:
        months -= 1
    return ServiceLength(months, (after_end - add_months(start, months)).days)


def compensation_months(service: ServiceLength) -> Decimal:
    """Months of wage owed for a service length (LCL Art 47 para 1)."""
    years, remainder = divmod(service.months, 12)
    months = Decimal(years)
    if remainder >= 6:  # "六个月以上的，按一年计算"
        months += 1
    elif remainder or service.days:  # "不满六个月的，向劳动者支付半个月工资"
        months += HALF
    return months


@dataclass(frozen=True)
class Compensation:
    """Result of an economic compensation computation."""

    months: Decimal
    base_wage: Decimal
    amount: Decimal
    capped: bool
    years_capped: bool
    doubled: bool
    service: ServiceLength
    explanation: tuple[str, ...]


def economic_compensation(
    *,
    monthly_wage: Decimal,
    start: date,
    end: date,
    local_average_wage: Decimal,
    doubled: bool = False,
) -> Compensation:
    """Economic compensation for service start..end inclusive (LCL Art 47; 2x per Art 48/87)."""
    if monthly_wage < 0 or local_average_wage <= 0:
        raise ValueError("monthly_wage must be >= 0 and local_average_wage > 0")
    service = service_length(start, end)
    months = compensation_months(service)
    notes = [f"Service {start}..{end}: {service} -> {months} months (LCL Art 47 para 1)"]
    ceiling = cents(CAP_MULTIPLE * local_average_wage)
    capped = monthly_wage > ceiling
    base = ceiling if capped else cents(monthly_wage)
    years_capped = capped and months > CAP_YEARS
    if capped:
        notes.append(f"Wage {monthly_wage} > 3 x local average {local_average_wage}: "
                     f"base {ceiling} (Art 47 para 2)")
    if years_capped:
        notes.append(f"{months} months capped at {CAP_YEARS} years (Art 47 para 2)")
        months = Decimal(CAP_YEARS)
    amount = cents(base * months)
    if doubled:
        amount = cents(amount * 2)
        notes.append("Doubled for unlawful termination, counted from the start of employment, "
                     "instead of compensation (LCL Art 48, Art 87; Reg Art 25)")
    if start < LCL_IN_FORCE:
        notes.append("Service before 2008-01-01 follows the transition rule of LCL Art 97; "
                     "not modelled here, check that part by hand")
    notes.append(f"Amount = {base} x {months}{' x 2' if doubled else ''} = {amount}")
    return Compensation(months, base, amount, capped, years_capped, doubled, service,
                        tuple(notes))


def average_monthly_wage(
    monthly_wages: list[Decimal], minimum_wage: Decimal | None = None
) -> Decimal:
    """Average of the last up-to-12 monthly wages, floored at the minimum wage (Reg Art 27)."""
    if not monthly_wages:
        raise ValueError("at least one monthly wage is needed")
    window = monthly_wages[-AVERAGE_WINDOW:]  # LCL Art 47 para 3; fewer months: months worked
    average = cents(sum(window, Decimal(0)) / len(window))
    if minimum_wage is not None and average < minimum_wage:
        return cents(minimum_wage)  # Reg Art 27: not below the local minimum wage
    return average
