"""The filter form shared by every analytics page (GET, so no CSRF token)."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import NumberRange, Optional, Regexp

from app.clock import today as china_today
from app.modules.analytics.periods import month_index, month_label, parse_month
from app.modules.analytics.rates import AVERAGE_HEADCOUNT, LEAVERS_PLUS_END
from app.params import IntegerField, id_choice

MONTH = Regexp(r"^[0-9]{4}-(0[1-9]|1[0-2])$", message=_l("Write the month as YYYY-MM, e.g. 2024-03."))
MONTH_YEARS = Regexp(r"^((19|2[01])[0-9]{2}|2200)-", message=_l("Choose a month between 1900 and 2200."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _month(label):
    """A YYYY-MM month; blank (even "%20") is no month."""
    return StringField(label, filters=[_strip], validators=[Optional(), MONTH, MONTH_YEARS])


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    start = _month(_l("From month"))
    end = _month(_l("To month"))
    period = SelectField(_l("Period"), default="month", choices=[
        ("month", _l("Month")), ("quarter", _l("Quarter")), ("year", _l("Year"))])
    group_by = SelectField(_l("Group by"), default="department", choices=[
        ("department", _l("Department")), ("position", _l("Position")), ("grade", _l("Grade")),
        ("tenure", _l("Tenure band")), ("city", _l("City")), ("company", _l("Whole company"))])
    formula = SelectField(_l("Formula"), default=LEAVERS_PLUS_END, choices=[
        (LEAVERS_PLUS_END, _l("Leavers / (leavers + headcount at end)")),
        (AVERAGE_HEADCOUNT, _l("Leavers / average headcount"))])
    department = SelectField(_l("Department"), coerce=id_choice, default=None)
    window_days = IntegerField(_l("Contagion window (days)"), default=30,
                               validators=[Optional(), NumberRange(1, 365)])
    min_size = IntegerField(_l("Smallest cluster"), default=3, validators=[Optional(), NumberRange(2, 100)])
    horizon = IntegerField(_l("Forecast months"), default=3, validators=[Optional(), NumberRange(1, 6)])
    compare_start = _month(_l("Compare from"))
    compare_end = _month(_l("Compare to"))

    def months(self, today: date | None = None) -> tuple[int, int]:
        """The chosen range; the last 12 full months by default."""
        today = today or china_today()
        last = parse_month(self.end.data) if self.end.data else month_index(today) - 1
        first = parse_month(self.start.data) if self.start.data else last - 11
        return first, last

    def compare_months(self, first: int, last: int) -> tuple[int, int]:
        """The second period; by default the same length just before the first."""
        if self.compare_start.data and self.compare_end.data:
            return parse_month(self.compare_start.data), parse_month(self.compare_end.data)
        length = last - first + 1
        return first - length, first - 1

    def range_error(self) -> str | None:
        if self.start.data and self.end.data and parse_month(self.end.data) < parse_month(self.start.data):
            return str(_l("The end month is before the start month."))
        first, last = self.months()
        if last - first > 120:
            return str(_l("Choose at most ten years."))
        return None


__all__ = ["FilterForm", "month_label"]
