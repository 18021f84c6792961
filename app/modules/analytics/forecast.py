"""Departures per month ahead: the method is chosen by backtest on the company's own history.

Candidates: a seasonal naive baseline (the same month last year; the last month when there
is less than a year) and exponential smoothing (statsmodels ETS: Holt-Winters additive
seasonality with 3+ years of history, simple smoothing otherwise). Rolling-origin backtest
(Hyndman & Athanasopoulos, Forecasting: Principles and Practice, 3rd ed., section 5.10):
for each of the last `origins` months, fit on the history before it and forecast `horizon`
months; the error is the mean absolute error over all those forecasts. The candidate with
the lower error wins; a tie goes to the baseline, so the chosen error is never worse.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

NAIVE = "seasonal_naive"
ETS = "ets"
METHODS = (NAIVE, ETS)
Z80 = 1.2816  # two-sided 80 % normal interval


@dataclass
class Forecast:
    method: str
    points: list[float]
    lower: list[float]
    upper: list[float]
    errors: dict[str, float | None] = field(default_factory=dict)  # backtest MAE per method

    @property
    def error(self) -> float | None:
        return self.errors.get(self.method)

    @property
    def baseline_error(self) -> float | None:
        return self.errors.get(NAIVE)


def seasonal_naive(history: list[float], horizon: int) -> list[float]:
    """y[t+h] = y[t+h-12]; with less than a year of history, the last value."""
    if not history:
        return [0.0] * horizon
    if len(history) < 12:
        return [float(history[-1])] * horizon
    return [float(history[len(history) - 12 + (h % 12)]) for h in range(horizon)]


def ets(history: list[float], horizon: int) -> list[float]:
    """statsmodels exponential smoothing; falls back to the baseline when it cannot fit."""
    if len(history) < 6 or not any(history):
        return seasonal_naive(history, horizon)
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    seasonal = "add" if len(history) >= 36 else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ExponentialSmoothing([float(v) for v in history], trend=None, seasonal=seasonal,
                                         seasonal_periods=12 if seasonal else None,
                                         initialization_method="estimated").fit()
            values = [max(0.0, float(v)) for v in model.forecast(horizon)]
    except (ValueError, ArithmeticError, TypeError):
        return seasonal_naive(history, horizon)
    return values if all(math.isfinite(v) for v in values) else seasonal_naive(history, horizon)


_FUNCTIONS = {NAIVE: seasonal_naive, ETS: ets}


def backtest(history: list[float], method: str, horizon: int, origins: int = 6) -> tuple[float | None, float | None]:
    """(MAE, RMSE) of rolling-origin forecasts over the last `origins` months."""
    errors = []
    for origin in range(len(history) - origins, len(history)):
        if origin < 3:
            continue
        predicted = _FUNCTIONS[method](history[:origin], horizon)
        actual = history[origin:origin + horizon]
        errors.extend(p - a for p, a in zip(predicted, actual, strict=False))
    if not errors:
        return None, None
    mae = sum(abs(e) for e in errors) / len(errors)
    rmse = math.sqrt(sum(e * e for e in errors) / len(errors))
    return mae, rmse


def forecast(history: list[float], horizon: int = 3, origins: int = 6) -> Forecast:
    """Pick the method with the lower backtest MAE (baseline on a tie) and forecast with it."""
    if not 1 <= horizon <= 6:
        raise ValueError("the horizon must be 1 to 6 months")
    scores = {m: backtest(history, m, horizon, origins) for m in METHODS}
    errors = {m: s[0] for m, s in scores.items()}
    chosen = NAIVE
    if errors[ETS] is not None and errors[NAIVE] is not None and errors[ETS] < errors[NAIVE]:
        chosen = ETS
    points = _FUNCTIONS[chosen](history, horizon)
    spread = Z80 * (scores[chosen][1] or 0.0)
    return Forecast(chosen, [round(p, 2) for p in points], [round(max(0.0, p - spread), 2) for p in points],
                    [round(p + spread, 2) for p in points], errors)


def backfill_plan(forecasts: dict, open_positions: dict, months: list[str]) -> list[dict]:
    """Suggested hires per group and month: predicted departures (rounded up from the point
    forecast) plus today's open positions, which are all placed in the first month."""
    plan = []
    for group, result in forecasts.items():
        for i, month in enumerate(months):
            hires = math.ceil(result.points[i] - 1e-9) if i < len(result.points) else 0
            if i == 0:
                hires += int(open_positions.get(group, 0) or 0)
            plan.append({"group": group, "month": month, "suggested_hires": hires,
                         "predicted_departures": result.points[i] if i < len(result.points) else 0})
    return plan


def department_forecasts(table, horizon: int = 3) -> dict:
    """A forecast per group of a monthly turnover table (leavers per month)."""
    out = {}
    for key, label in table.labels.items():
        history = [table.cells[key, p.label].leavers if (key, p.label) in table.cells else 0
                   for p in table.periods]
        out[label] = forecast(history, horizon)
    return out
