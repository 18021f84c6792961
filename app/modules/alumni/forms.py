"""Alumni forms: look-up, eligibility decision, performance summary, re-hire, self-service."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from app.params import DateField, DecimalField, IntegerField

ELIGIBILITY_LABELS = {"undecided": _l("Not decided"), "eligible": _l("Eligible"),
                      "conditional": _l("Conditional"), "not_eligible": _l("Not eligible")}
REASON_LABELS = {"performance": _l("Performance"), "conduct": _l("Conduct"),
                 "skills": _l("Skills"), "attendance": _l("Attendance"),
                 "compliance": _l("Compliance"), "good_record": _l("Good record"),
                 "key_talent": _l("Key talent"), "other": _l("Other")}


class SearchForm(FlaskForm):
    """Posted, never a GET: a query (an ID number, a phone) must not end up in URLs and logs."""

    q = StringField(_l("Name, pinyin, initials, phone, e-mail, employee number or ID number"),
                    validators=[DataRequired(), Length(max=100)])
    page = IntegerField(validators=[Optional(), NumberRange(min=1)])


class EligibilityForm(FlaskForm):
    eligibility = SelectField(_l("Re-hire eligibility"), choices=[
        (k, v) for k, v in ELIGIBILITY_LABELS.items() if k != "undecided"])
    reason_code = SelectField(_l("Reason code"), choices=list(REASON_LABELS.items()))
    justification = TextAreaField(_l("Justification"), validators=[DataRequired(), Length(max=4000)])
    approver = SelectField(_l("Approved by"), coerce=int, validators=[InputRequired()])
    review_date = DateField(_l("Review date"), validators=[Optional()])
    version = HiddenField()


class SummaryForm(FlaskForm):
    summary = TextAreaField(_l("Performance summary"), validators=[Length(max=4000)])
    version = HiddenField()


class RehireForm(FlaskForm):
    start_date = DateField(_l("First day of the new employment"), validators=[DataRequired()])
    department = SelectField(_l("Department"), coerce=int, validators=[InputRequired()])
    position = SelectField(_l("Position"), coerce=int, validators=[Optional()])
    monthly_wage = DecimalField(_l("Monthly wage"), places=2, validators=[Optional()])


class ContactForm(FlaskForm):
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])


class ConsentForm(FlaskForm):
    consent = BooleanField(_l("I agree to be contacted with re-employment offers"))
