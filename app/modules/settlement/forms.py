"""Forms: HR's settlement facts and a line override, each carrying the sheet version."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.params import DecimalField, IntegerField


class FactsForm(FlaskForm):
    version = HiddenField()
    leave_days_taken = DecimalField(
        _l("Annual leave days taken this year"), places=1,
        validators=[Optional(), NumberRange(min=0, max=366, message=_l("Enter 0 to 366 days."))])
    cumulative_work_years = DecimalField(
        _l("Cumulative years of work (all employers)"), places=1,
        description=_l("Decides the annual leave entitlement: 5, 10 or 15 days (Paid Annual "
                       "Leave Regulations Art 3)."),
        validators=[Optional(), NumberRange(min=0, max=60, message=_l("Enter 0 to 60 years."))])
    non_compete_agreed = BooleanField(_l("A non-compete is agreed"))
    non_compete_months = IntegerField(
        _l("Non-compete months"),
        validators=[Optional(), NumberRange(min=1, max=24, message=_l(
            "A non-compete lasts 1 to 24 months (LCL Art 24)."))])

    def validate(self, extra_validators=None) -> bool:
        # Checks across fields run here: Optional() stops a field's own inline validators.
        ok = super().validate(extra_validators)
        if self.non_compete_agreed.data and not self.non_compete_months.data:
            self.non_compete_months.errors.append(_l("Enter how many months the non-compete lasts."))
            ok = False
        if (self.cumulative_work_years.data is None) != (self.leave_days_taken.data is None):
            self.cumulative_work_years.errors.append(
                _l("Enter both the leave taken and the years of work, or neither."))
            ok = False
        return ok


class OverrideForm(FlaskForm):
    version = HiddenField()
    amount = DecimalField(
        _l("New amount"), places=2,
        description=_l("Leave empty to go back to the computed amount."),
        validators=[Optional(), NumberRange(min=0, message=_l("The amount cannot be negative."))])
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(message=_l("Give a reason for the change.")), Length(max=2000)])
