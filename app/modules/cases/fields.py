"""Form fields for what a workflow transition `require`s, by name.

A definition may require any field; the known ones get a proper input and validation,
an unknown one gets a text box, so definitions written elsewhere still work.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.params import DateField

# Art 39 grounds (LCL Art 39 (1)-(6)).
ART39_GROUNDS = (
    ("probation_unfit", _l("Art 39(1): not meeting the hiring conditions during probation")),
    ("serious_violation", _l("Art 39(2): serious violation of the employer's rules")),
    ("serious_dereliction", _l("Art 39(3): serious dereliction of duty or graft causing major damage")),
    ("concurrent_employment", _l("Art 39(4): concurrent employment seriously affecting the work")),
    ("fraud_contract", _l("Art 39(5): contract void for fraud or coercion (Art 26(1))")),
    ("criminal_liability", _l("Art 39(6): criminal liability")),
)
# Art 40 grounds (LCL Art 40 (1)-(3)).
ART40_GROUNDS = (
    ("medical_unfit", _l("Art 40(1): cannot resume work after the medical treatment period")),
    ("incompetent", _l("Art 40(2): incompetent even after training or a change of post")),
    ("circumstances_changed", _l("Art 40(3): objective circumstances changed, no agreement on a new contract")),
)
NOTICE_MODES = (
    ("notice", _l("30 days' written notice")),
    ("pay_in_lieu", _l("One month's wage in lieu of notice (Reg Art 20)")),
)
OFFER_TERMS = (
    ("equal_or_better", _l("Equal or better terms than the current contract")),
    ("lower", _l("Lower terms than the current contract")),
)
RENEWAL_ANSWERS = (
    ("employee_declined", _l("The employer offered renewal on equal or better terms; the employee declined")),
    ("employer_declined", _l("The employer did not offer renewal")),
    ("offered_worse_terms", _l("The employer offered renewal on worse terms; the employee declined")),
)


def _date(label):
    return lambda: DateField(label, validators=[DataRequired(message=_l("Enter a date."))])


def _choice(label, choices):
    return lambda: SelectField(label, choices=list(choices),
                               validators=[DataRequired(message=_l("Choose one."))])


FIELDS = {
    "comment": lambda: TextAreaField(_l("Comment"), validators=[
        DataRequired(message=_l("Please write a comment.")), Length(max=4000)]),
    "agreed_last_day": _date(_l("Agreed last working day")),
    "union_notified_on": _date(_l("Date the union was notified")),
    "ground": _choice(_l("Legal ground"), ART39_GROUNDS + ART40_GROUNDS),
    "notice_mode": _choice(_l("Notice"), NOTICE_MODES),
    "renewal_answer": _choice(_l("Renewal offer and answer"), RENEWAL_ANSWERS),
    "offer_terms": _choice(_l("Terms of the renewal offer (Art 46(5))"), OFFER_TERMS),
    "pension_reference": lambda: StringField(_l("Pension approval reference"), validators=[
        DataRequired(message=_l("Enter the reference.")), Length(max=100)]),
}


# Where the event decides the choices (the dismissal's two legal bases).
EVENT_FIELDS = {
    ("ground", "file_with_cause"): _choice(_l("Legal ground (Art 39)"), ART39_GROUNDS),
    ("ground", "file_without_fault"): _choice(_l("Legal ground (Art 40)"), ART40_GROUNDS),
}


def field_for(name: str, event: str = ""):
    """An unbound WTForms field for a required input."""
    factory = EVENT_FIELDS.get((name, event)) or FIELDS.get(name)
    if factory is not None:
        return factory()
    return StringField(name.replace("_", " ").capitalize(), validators=[DataRequired(), Length(max=500)])
