"""Numbers, ids and dates that arrive as text (URL paths, query strings, forms), with bounds.

One place for the limits, so that an out-of-range or malformed value is a clear 400 (or a
form error in the user's language) and never reaches the database or the date arithmetic:
- whole numbers are digits with an optional minus sign; full-width digits (a Chinese input
  method types "１２") are read as digits, anything else int() would accept ("1_000",
  "٣", "+5") is refused; ids run from 1 to 2**31 - 1 (PostgreSQL's integer);
- decimals are plain digits with a point (no exponent, NaN or infinity), below 10**10
  (the money columns are NUMERIC(12, 2));
- dates run from 1900-01-01 to 2200-12-31: a far date is a typing slip, and
  `date(9999, 12, 31) + 30 days` is an OverflowError, not a notice period.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import wtforms
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter
from wtforms.validators import StopValidation

from app.errors import BadInput

MAX_ID = 2**31 - 1
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2200, 12, 31)
MAX_DECIMAL = Decimal(10) ** 10

_FULL_WIDTH = str.maketrans("０１２３４５６７８９－．", "0123456789-.")
_INTEGER = re.compile(r"-?[0-9]{1,18}")
_DECIMAL = re.compile(r"-?[0-9]{1,18}(\.[0-9]{1,18})?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ParameterError(ValueError):
    """A value that cannot be read; str() is a sentence in the user's language."""


def _digits(text: str | None) -> str:
    return (text or "").strip().translate(_FULL_WIDTH)


def parse_int(text: str | None, *, minimum: int = 1, maximum: int = MAX_ID) -> int:
    """A whole number between minimum and maximum, or ParameterError."""
    value = _digits(text)
    if not _INTEGER.fullmatch(value) or not minimum <= int(value) <= maximum:
        raise ParameterError(_("Write a whole number from %(minimum)d to %(maximum)d.",
                               minimum=minimum, maximum=maximum))
    return int(value)


def parse_decimal(text: str | None, *, maximum: Decimal = MAX_DECIMAL) -> Decimal:
    """A plain decimal (digits, an optional point) whose size is below maximum, or ParameterError."""
    value = _digits(text)
    try:
        number = Decimal(value) if _DECIMAL.fullmatch(value) else None
    except InvalidOperation:
        number = None
    if number is None or abs(number) >= maximum:
        raise ParameterError(_("Write a number below %(maximum)s, with a point for decimals.",
                               maximum=f"{maximum:,}"))
    return number


def check_date(day: date) -> date:
    """The date if it lies between MIN_DATE and MAX_DATE, else ParameterError."""
    if not MIN_DATE <= day <= MAX_DATE:
        raise ParameterError(_("Enter a date between %(first)s and %(last)s.",
                               first=MIN_DATE.isoformat(), last=MAX_DATE.isoformat()))
    return day


def parse_date(text: str | None) -> date:
    """A date written YYYY-MM-DD between MIN_DATE and MAX_DATE, or ParameterError."""
    value = _digits(text)
    try:
        day = date.fromisoformat(value) if _ISO_DATE.fullmatch(value) else None
    except ValueError:
        day = None
    if day is None:
        raise ParameterError(_("Write the date as YYYY-MM-DD, e.g. 2025-03-31."))
    return check_date(day)


# ---------------------------------------------------------------- query strings


class BadParameter(BadInput):
    """A query-string value that cannot be read: a 400 that names the parameter."""

    def __init__(self, name: str, problem: str):
        super().__init__(_l("The address has a value for “%(name)s” that cannot be used. %(problem)s",
                            name=name, problem=problem))
        self.parameter = name


def _arg(name: str) -> str | None:
    value = request.args.get(name)
    return None if value is None or not value.strip() else value


def int_arg(name: str, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """The query parameter as a bounded whole number; missing or blank -> default; else 400."""
    value = _arg(name)
    if value is None:
        return default
    try:
        return parse_int(value, minimum=minimum, maximum=maximum)
    except ParameterError as error:
        raise BadParameter(name, str(error)) from error


def page_arg(name: str = "page") -> int:
    """The page number of a list (1 when missing)."""
    return int_arg(name, 1, maximum=1_000_000)


def date_arg(name: str, default: date | None = None) -> date | None:
    """The query parameter as a bounded YYYY-MM-DD date; missing or blank -> default; else 400."""
    value = _arg(name)
    if value is None:
        return default
    try:
        return parse_date(value)
    except ParameterError as error:
        raise BadParameter(name, str(error)) from error


# ---------------------------------------------------------------- URL paths


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits up to MAX_ID, so /cases/99999999999999999999 is a
    404 and not an integer overflow in the database."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


# ---------------------------------------------------------------- form fields


def id_choice(value) -> int | None:
    """SelectField coerce for an id: None for empty; ValueError (an invalid choice) out of range."""
    if value in (None, ""):
        return None
    if isinstance(value, int):
        return value
    return parse_int(str(value), minimum=1, maximum=MAX_ID)


class IntegerField(wtforms.IntegerField):
    """A whole number within ±MAX_ID (validators narrow it); full-width digits are read."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_int(valuelist[0], minimum=-MAX_ID, maximum=MAX_ID)
        except ParameterError as error:
            self.data = None
            raise ValueError(str(error)) from error


class DecimalField(wtforms.DecimalField):
    """A plain decimal below 10**10 (no exponent, NaN or infinity)."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_decimal(valuelist[0])
        except ParameterError as error:
            self.data = None
            raise ValueError(str(error)) from error


class _BoundedDate:
    """A date outside MIN_DATE..MAX_DATE leaves `data` None (so no view computes with it) and is
    the field's one error; raised in pre_validate so that DataRequired does not replace it."""

    range_error: str | None = None

    def _check_range(self, day: date | None) -> None:
        self.range_error = None
        if day is None:
            return
        try:
            check_date(day)
        except ParameterError as error:
            self.data = None
            self.range_error = str(error)

    def pre_validate(self, form):
        if self.range_error:
            raise StopValidation(self.range_error)
        super().pre_validate(form)


class DateField(_BoundedDate, wtforms.DateField):
    """A date between MIN_DATE and MAX_DATE."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self._check_range(self.data)


class DateTimeLocalField(_BoundedDate, wtforms.DateTimeLocalField):
    """A local date and time whose date lies between MIN_DATE and MAX_DATE."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self._check_range(self.data.date() if isinstance(self.data, datetime) else self.data)
