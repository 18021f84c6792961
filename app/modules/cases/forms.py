"""Forms: filing a resignation, opening other separation types, firing workflow events."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.modules.cases.fields import field_for
from app.modules.cases.operations import HR_OPENS
from app.params import DateField

# The types HR may open; the open page offers those `openable_types` gives the user.
OPENABLE_TYPES = HR_OPENS
PROPOSERS = (("employer", _l("The employer proposed it")), ("employee", _l("The employee proposed it")))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ResignationForm(FlaskForm):
    reasons = MultiCheckboxField(_l("Reasons (choose all that apply)"),
                                 validators=[DataRequired(message=_l("Choose at least one reason."))])
    primary_reason = SelectField(_l("Main reason"), validators=[DataRequired()])
    statement = TextAreaField(_l("Anything you want to add"), validators=[Optional(), Length(max=4000)])
    notice_date = DateField(_l("Date of written notice"), validators=[DataRequired(message=_l("Enter a date."))])
    requested_last_day = DateField(_l("Requested last working day"), validators=[
        DataRequired(message=_l("Enter a date."))])
    letter = FileField(_l("Signed resignation letter (PDF or image, optional)"))

    def validate_primary_reason(self, field):
        from wtforms.validators import ValidationError

        if field.data and field.data not in (self.reasons.data or []):
            raise ValidationError(_l("The main reason must be one of the reasons you chose."))


class EditResignationForm(ResignationForm):
    """The filing form again, for a draft, with the version the employee saw."""

    version = HiddenField()


class OpenCaseForm(FlaskForm):
    employee_no = StringField(_l("Employee number"), validators=[DataRequired(), Length(max=20)])
    workflow_id = SelectField(_l("Separation type"), choices=list(OPENABLE_TYPES))
    notice_date = DateField(_l("Notice date"), validators=[Optional()])
    requested_last_day = DateField(_l("Planned last working day"), validators=[
        DataRequired(message=_l("Enter a date."))])
    proposed_by = SelectField(_l("Who proposed the mutual agreement"), choices=list(PROPOSERS))
    reasons = MultiCheckboxField(_l("Reasons"), validators=[Optional()])
    statement = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])


def event_form(event: str, require: tuple[str, ...], data=None, formdata=None) -> FlaskForm:
    """A form with the inputs this transition requires, plus the version the user saw.

    `formdata` (the API's payload as form fields) validates without a request or CSRF token.
    """

    class EventForm(FlaskForm):
        version = HiddenField()

    for name in require:
        setattr(EventForm, name, field_for(name, event))
    if formdata is not None:
        return EventForm(formdata=formdata, prefix=event, meta={"csrf": False})
    return EventForm(data=data, prefix=event)


class EvidenceForm(FlaskForm):
    file = FileField(_l("Evidence file (PDF or image)"))
