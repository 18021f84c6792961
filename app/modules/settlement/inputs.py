"""Gather what a settlement is computed from: the case, its events' data, wages, HR's facts."""
from __future__ import annotations

import calendar as _stdcal
from datetime import date
from decimal import Decimal
from functools import lru_cache

from flask import current_app
from sqlalchemy import select

from app.db import db
from app.law import ChinaCalendar, MissingWageData, UnknownCalendarYear, WageFigure, WageTable, add_months
from app.law import average_monthly_wage as law_average
from app.modules.cases.models import Case
from app.modules.employees.models import WageRecord
from app.modules.settlement.models import SettlementSheet
from app.modules.settlement.rules import AverageWage, Inputs, money, month_workdays, note
from app.modules.settlement.termination import pay_in_lieu_chosen, termination_type


@lru_cache(maxsize=4)
def _table(directory: str) -> WageTable:
    return WageTable.load(directory)


def wage_table() -> WageTable:
    """The per-city wage figures the app is configured with (read once per directory)."""
    directory = current_app.config.get("WAGE_DATA_DIR")
    return _table(directory) if directory else WageTable.load()


def wage_window(last_day: date) -> tuple[date, date]:
    """First and last month of the 12 months before the end (LCL Art 47 para 3).

    The month of the last day counts only when the last day is that month's last day;
    a part month would pull the average down.
    """
    month = last_day.replace(day=1)
    if last_day.day != _stdcal.monthrange(last_day.year, last_day.month)[1]:
        month = add_months(month, -1)
    return add_months(month, -11), month


def _figure(lookup, city: str, on: date):
    try:
        return lookup(city, on)
    except MissingWageData:
        return None


def _records(employee_id: int, first: date, last: date) -> list[WageRecord]:
    return list(db.session.scalars(
        select(WageRecord).where(WageRecord.employee_id == employee_id,
                                 WageRecord.month >= first, WageRecord.month <= last)
        .order_by(WageRecord.month)))


def average_wage(case: Case, last_day: date, minimum: WageFigure | None) -> AverageWage:
    """The 12-month average (fewer months if worked fewer), floored at the minimum (Reg Art 27)."""
    first, last = wage_window(last_day)
    records = _records(case.employee_id, first, last)
    if records:
        raw = law_average([r.amount for r in records])
        notes = [note("wage_average", n=len(records), first=records[0].month.strftime("%Y-%m"),
                      last=records[-1].month.strftime("%Y-%m"), amount=money(raw))]
    elif case.monthly_wage is not None:
        raw = law_average([case.monthly_wage])
        notes = [note("wage_contract", amount=money(raw))]
    else:
        return AverageWage(None, None)
    floored = law_average([raw], minimum.monthly if minimum else None)
    if floored != raw:
        notes.append(note("wage_minimum", minimum=money(floored), source=minimum.source))
    return AverageWage(raw, floored, tuple(notes))


def previous_month_wage(case: Case, last_day: date) -> tuple[date, Decimal] | None:
    """The latest monthly wage paid before the month of the last day (Reg Art 20)."""
    record = db.session.scalars(
        select(WageRecord).where(WageRecord.employee_id == case.employee_id,
                                 WageRecord.month < last_day.replace(day=1))
        .order_by(WageRecord.month.desc()).limit(1)).first()
    return (record.month, record.amount) if record else None


def workdays_in_last_month(hire_date: date, last_day: date) -> tuple[int, date, bool]:
    """Working days worked in the last day's month on the official calendar, from, estimated?"""
    first = max(last_day.replace(day=1), hire_date)
    try:
        return month_workdays(ChinaCalendar(), first, last_day), first, False
    except UnknownCalendarYear:
        return month_workdays(ChinaCalendar(strict=False), first, last_day), first, True


def gather_inputs(case: Case, sheet: SettlementSheet | None) -> Inputs:
    """Everything the sheet needs, read from the case, the wage history and HR's facts."""
    data = dict(case.instance.data or {}) if case.instance else {}
    last_day, hire_date = case.last_day, case.hire_date
    table = wage_table()
    dated = last_day is not None
    minimum = _figure(table.minimum_wage_figure, case.city, last_day) if dated else None
    usable = dated and hire_date is not None and hire_date <= last_day
    return Inputs(
        termination=termination_type(case.workflow_id, data, dict(case.facts or {})),
        hire_date=hire_date, last_day=last_day, city=case.city, contract_wage=case.monthly_wage,
        average=average_wage(case, last_day, minimum) if dated
        else AverageWage(None, None),
        previous_month_wage=previous_month_wage(case, last_day) if dated else None,
        average_figure=_figure(table.average_wage_figure, case.city, last_day) if dated else None,
        minimum_figure=minimum,
        pay_in_lieu=pay_in_lieu_chosen(case.workflow_id, data),
        workdays=workdays_in_last_month(hire_date, last_day) if usable else None,
        leave_days_taken=sheet.leave_days_taken if sheet else None,
        cumulative_work_years=sheet.cumulative_work_years if sheet else None,
        non_compete_months=(sheet.non_compete_months if sheet and sheet.non_compete_agreed
                            else None),
    )
