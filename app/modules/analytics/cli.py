"""`flask analytics turnover`: the API's rows on the command line, as JSON or CSV."""
from __future__ import annotations

import json

import click
from flask import Flask

from app.modules.analytics import exports, queries, rates
from app.modules.analytics.periods import PERIODS, PeriodError


def register_cli(app: Flask) -> None:
    app.cli.add_command(analytics)


@click.group(help="Turnover analytics.")
def analytics():
    pass


@analytics.command("turnover")
@click.option("--from", "start", required=True, help="First month, YYYY-MM.")
@click.option("--to", "end", required=True, help="Last month, YYYY-MM.")
@click.option("--group-by", default="department", type=click.Choice(queries.GROUP_BY))
@click.option("--formula", default=rates.LEAVERS_PLUS_END, type=click.Choice(rates.FORMULAS))
@click.option("--period", default="month", type=click.Choice(PERIODS))
@click.option("--department", type=int, help="Only this department and its sub-departments.")
@click.option("--format", "fmt", default="json", type=click.Choice(("json", "csv")))
def turnover_command(start, end, group_by, formula, period, department, fmt):
    """Print {period, group, headcount_start, headcount_end, leavers, rate} rows (rate as a fraction)."""
    try:
        rows = queries.turnover_rows(start=start, end=end, group_by=group_by, formula=formula,
                                     period=period, department_id=department)
    except (PeriodError, ValueError, LookupError) as exc:
        raise click.BadParameter(str(exc)) from exc
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        click.echo(exports.to_csv(list(queries.ROW_KEYS), exports.rows_as_lists(rows, queries.ROW_KEYS)), nl=False)
