"""What each analytics page shows, built from the filters (views stay thin)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.db import db
from app.modules.analytics import charts, contagion, cost, evaluation, forecast, queries, rates, reasons
from app.modules.analytics.departures import departures_between
from app.modules.analytics.periods import Period, first_day, last_day, month_label, split_periods
from app.modules.employees.models import Department

MAX_LINES = 8
RATE_HEADERS = ("period", "group", "headcount_start", "headcount_end", "leavers", "voluntary",
                "involuntary", "regrettable", "rate", "hires", "new_hire_turnover", "retention")


def formula_note(formula: str) -> str:
    info = rates.FORMULA_INFO[formula]
    return _("Formula: %(expr)s (%(source)s)", expr=info.expression, source=info.source)


def department_choices(locale: str) -> list[tuple[str, str]]:
    rows = db.session.execute(select(Department.id, Department.path, Department.name_zh, Department.name_en)
                              .order_by(Department.path)).all()
    return [("", _("All departments"))] + [
        (str(r.id), "· " * (r.path.count("/") - 2) + (r.name_zh if locale.startswith("zh") else r.name_en))
        for r in rows]


def rate_table(form, locale: str) -> tuple[queries.Table, list[list]]:
    """The turnover table and its full rows (every figure) for the filters."""
    first, last = form.months()
    table = queries.turnover_table(first=first, last=last, group_by=form.group_by.data,
                                   period=form.period.data, department_id=form.department.data, locale=locale)
    formula = form.formula.data
    rows = []
    for p in table.periods:
        for key, label in table.labels.items():
            c = table.cells.get((key, p.label))
            if c is None or not (c.headcount_start or c.headcount_end or c.leavers):
                continue
            rows.append([p.label, label, c.headcount_start, c.headcount_end, c.leavers, c.voluntary,
                         c.involuntary, c.regrettable, _round(c.rate(formula)), c.hires,
                         _round(rates.new_hire_turnover(c.new_hire_leavers, c.hires)),
                         _round(rates.retention_rate(c.headcount_start, c.start_cohort_leavers))])
    return table, rows


def _round(value):
    return None if value is None else round(value, 6)


def rates_page(form, locale: str) -> dict:
    table, rows = rate_table(form, locale)
    note = formula_note(form.formula.data)
    top = sorted(table.labels.items(), key=lambda kv: -sum(
        c.leavers for (k, _p), c in table.cells.items() if k == kv[0]))[:MAX_LINES]
    series = {label: [table.cells[key, p.label].rate(form.formula.data) if (key, p.label) in table.cells
                      else None for p in table.periods] for key, label in top}
    chart = charts.line_chart(_("Turnover rate"), note, [p.label for p in table.periods], series)
    return {"chart": chart, "headers": RATE_HEADERS, "rows": rows, "note": note}


def _departures(form):
    first, last = form.months()
    prefix = queries._department_prefix(db.session, form.department.data)
    return first, last, departures_between(first_day(first), last_day(last), prefix=prefix)


def reasons_page(form, locale: str) -> dict:
    first, last, departures = _departures(form)
    periods = split_periods(first, last, form.period.data)
    result = reasons.reason_mix(departures, periods, by="group")
    groups = sorted({g for counter in result["mix"].values() for g in counter})
    series = {reasons.reason_label(g, locale, group=True): [result["mix"].get(p.label, {}).get(g, 0)
                                                           for p in periods] for g in groups}
    note = _("Interview-confirmed reasons first, filed reasons otherwise (confirmed: %(c)d, filed: %(f)d)",
             c=result["sources"].get("confirmed", 0), f=result["sources"].get("filed", 0))
    chart = charts.line_chart(_("Leavers by reason group"), note, [p.label for p in periods], series, percent=False)
    codes = reasons.reason_mix(departures, [Period("all", first, last)], by="reason")["mix"].get("all", {})
    bars = charts.bar_chart(_("Leavers by reason"), note,
                            [reasons.reason_label(c, locale) for c in codes], list(codes.values()))
    return {"chart": chart, "bars": bars}


def contagion_page(form) -> dict:
    _first, _last, departures = _departures(form)
    clusters = contagion.find_clusters(departures, form.window_days.data or 30, form.min_size.data or 3)
    return {"clusters": clusters}


def cost_page(form) -> dict:
    first, last, departures = _departures(form)
    periods = split_periods(first, last, form.period.data)
    result = cost.cost_totals(departures, periods)
    model = cost.load_cost_model()
    note = _("Cost model: %(defaults)s", defaults=", ".join(f"{k}={v}" for k, v in model["defaults"].items()))
    chart = charts.bar_chart(_("Cost of turnover (CNY)"), note, [p.label for p in periods],
                             [result["by_period"].get(p.label, 0) for p in periods])
    return {"result": result, "chart": chart, "note": note, "model": model}


def forecast_page(form, locale: str) -> dict:
    first, last = form.months()
    first = min(first, last - 35)  # the backtest needs history: use at least three years
    table = queries.turnover_table(first=first, last=last, group_by="department", period="month",
                                   department_id=form.department.data, locale=locale)
    paths = dict(db.session.execute(select(Department.id, Department.path)).all())
    depth = min((paths.get(k, "/").count("/") for k in table.labels), default=0)
    table.labels = {k: v for k, v in table.labels.items() if paths.get(k, "/").count("/") <= depth + 1}
    horizon = form.horizon.data or 3
    results = forecast.department_forecasts(table, horizon)
    months = [month_label(last + i) for i in range(1, horizon + 1)]
    plan = forecast.backfill_plan(results, {}, months)
    return {"results": results, "months": months, "plan": plan, "history_from": month_label(first)}


def compare_page(form) -> dict:
    first, last = form.months()
    other = form.compare_months(first, last)
    result = evaluation.compare_periods((first, last), other, form.formula.data, form.department.data)
    return {"a_label": f"{month_label(first)} – {month_label(last)}",
            "b_label": f"{month_label(other[0])} – {month_label(other[1])}", **result,
            "note": formula_note(form.formula.data), "survey_k": evaluation.survey_k()}
