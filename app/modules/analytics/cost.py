"""Cost of each departure from a configurable model per position (cost_model.yaml).

Components (DOMAIN.md "Cost of turnover"): recruiting; training days at the daily wage;
vacancy days at the daily output not covered by overtime; the overtime that covers the
rest at the overtime premium; ramp-up months at reduced output. The daily wage is the
monthly wage / 21.75 (劳社部发〔2008〕3号: 月计薪天数 21.75 days).
"""
from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml

from app.modules.analytics.departures import Departure
from app.modules.analytics.periods import Period, month_index

PAY_DAYS_PER_MONTH = 21.75
MODEL_FILE = Path(__file__).with_name("cost_model.yaml")
KEYS = ("recruiting_cost", "training_days", "vacancy_days", "output_multiple", "overtime_share",
        "overtime_premium", "ramp_up_months", "ramp_up_output", "monthly_wage")


class CostModelError(ValueError):
    """The cost model file is malformed."""


@functools.lru_cache(maxsize=4)
def load_cost_model(path: str | None = None) -> dict:
    """{"defaults": {...}, "positions": {code: {...}}} with every number checked."""
    data = yaml.safe_load(Path(path or MODEL_FILE).read_text(encoding="utf-8")) or {}
    defaults = data.get("defaults") or {}
    missing = [k for k in KEYS if k not in defaults]
    if missing:
        raise CostModelError(f"cost model defaults lack {', '.join(missing)}")
    positions = data.get("positions") or {}
    for code, values in [("defaults", defaults), *positions.items()]:
        for key, value in (values or {}).items():
            if key not in KEYS or not isinstance(value, (int, float)) or value < 0:
                raise CostModelError(f"cost model {code}.{key}: expected a known key with a number >= 0")
    return {"defaults": defaults, "positions": positions}


def assumptions_for(position_code: str, model: dict | None = None) -> dict:
    """The defaults overlaid with the position's own numbers."""
    model = model or load_cost_model()
    return {**model["defaults"], **(model["positions"].get(position_code) or {})}


@dataclass(frozen=True)
class DepartureCost:
    departure: Departure
    assumptions: dict
    components: dict  # name -> CNY

    @property
    def total(self) -> float:
        return round(sum(self.components.values()), 2)


def departure_cost(departure: Departure, model: dict | None = None) -> DepartureCost:
    """Price one departure with its position's assumptions."""
    a = assumptions_for(departure.position_code, model)
    wage = float(departure.monthly_wage or Decimal(str(a["monthly_wage"])))
    daily_wage = wage / PAY_DAYS_PER_MONTH
    daily_output = daily_wage * a["output_multiple"]
    components = {
        "recruiting": float(a["recruiting_cost"]),
        "training": a["training_days"] * daily_wage,
        "vacancy": a["vacancy_days"] * (1 - a["overtime_share"]) * daily_output,
        "overtime": a["vacancy_days"] * a["overtime_share"] * daily_wage * a["overtime_premium"],
        "ramp_up": a["ramp_up_months"] * PAY_DAYS_PER_MONTH * daily_output * (1 - a["ramp_up_output"]),
    }
    return DepartureCost(departure, {**a, "monthly_wage_used": round(wage, 2)},
                         {k: round(v, 2) for k, v in components.items()})


def cost_totals(departures: list[Departure], periods: list[Period], model: dict | None = None) -> dict:
    """Costs per departure and totals per (department, period) and per period."""
    by_month = {m: p.label for p in periods for m in range(p.first, p.last + 1)}
    items = [departure_cost(d, model) for d in departures if month_index(d.last_day) in by_month]
    by_group: dict = defaultdict(float)
    by_period: dict = defaultdict(float)
    for item in items:
        label = by_month[month_index(item.departure.last_day)]
        by_group[item.departure.department_code, label] += item.total
        by_period[label] += item.total
    return {"items": items, "by_group": {k: round(v, 2) for k, v in by_group.items()},
            "by_period": {k: round(v, 2) for k, v in by_period.items()},
            "total": round(sum(i.total for i in items), 2)}
