"""Turnover analytics pages, exports, the monthly PDF report and the JSON API (HR and auditors)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import get_locale

from app.errors import BadInput
from app.modules.analytics import exports, pages, report
from app.modules.analytics.forms import FilterForm
from app.modules.auth.permissions import require_roles

bp = Blueprint("analytics", __name__, template_folder="templates")
ROLES = ("hr", "auditor")
PAGES = {"index": "rates", "reasons": "reasons", "contagion": "contagion", "cost": "cost",
         "forecast": "forecast", "compare": "compare"}


def _locale() -> str:
    return str(get_locale() or "zh_CN")


def _form() -> tuple[FilterForm, str | None]:
    form = FilterForm(request.args)
    form.department.choices = pages.department_choices(_locale())
    if not form.validate():
        return form, "; ".join(str(e) for errors in form.errors.values() for e in errors)
    return form, form.range_error()


def _page(name: str, build):
    form, error = _form()
    if error:
        return render_template(f"analytics/{name}.html", form=form, error=error, data=None), 400
    return render_template(f"analytics/{name}.html", form=form, error=None, data=build(form))


@bp.route("/analytics/")
@require_roles(*ROLES)
def index():
    """Turnover rates by the chosen grouping and period, with the formula named."""
    return _page("rates", lambda form: pages.rates_page(form, _locale()))


@bp.route("/analytics/reasons")
@require_roles(*ROLES)
def reasons():
    """Reasons for leaving by group and over time."""
    return _page("reasons", lambda form: pages.reasons_page(form, _locale()))


@bp.route("/analytics/contagion")
@require_roles(*ROLES)
def contagion():
    """Teams where departures clustered after a first one."""
    return _page("contagion", pages.contagion_page)


@bp.route("/analytics/cost")
@require_roles(*ROLES)
def cost():
    """Cost of each departure and totals, next to the assumptions."""
    return _page("cost", pages.cost_page)


@bp.route("/analytics/forecast")
@require_roles(*ROLES)
def forecast():
    """Departures forecast per department with the backtest error and a backfill plan."""
    return _page("forecast", lambda form: pages.forecast_page(form, _locale()))


@bp.route("/analytics/compare")
@require_roles(*ROLES)
def compare():
    """Two periods side by side."""
    return _page("compare", pages.compare_page)


@bp.route("/analytics/export.<fmt>")
@require_roles(*ROLES)
def export(fmt: str):
    """The rates table as CSV or XLSX, the formula in the first line."""
    form, error = _form()
    if fmt not in ("csv", "xlsx"):
        abort(404)
    if error:
        raise BadInput(error)
    _table, rows = pages.rate_table(form, _locale())
    note = pages.formula_note(form.formula.data)
    if fmt == "csv":
        return Response(exports.to_csv(list(pages.RATE_HEADERS), rows, note), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=turnover.csv"})
    body = exports.to_xlsx([("turnover", list(pages.RATE_HEADERS), rows, note)])
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=turnover.xlsx"})


@bp.route("/analytics/report.pdf")
@require_roles(*ROLES)
def monthly_report():
    """The monthly PDF report for the `month` parameter (default: last month)."""
    form, error = _form()
    if error:
        raise BadInput(error)
    pdf = report.monthly_report_pdf(form, _locale())
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": "attachment; filename=turnover-report.pdf"})
