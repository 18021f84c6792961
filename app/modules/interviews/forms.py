"""Interview forms: schedule, answers, reasons and outcome, not held; the anonymous survey."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.modules.interviews.operations import link_problem, place_problem
from app.params import DateTimeLocalField, IntegerField

YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]
SCORES = [(str(n), str(n)) for n in range(1, 6)]
OUTCOME_LABELS = {"exit_confirmed": _l("Exit confirmed"),
                  "retained": _l("Retained: the employee stays")}


def _refuse(problem_of):
    """A field validator from an operations check that says what is wrong, or None."""
    def check(form, field):
        problem = problem_of((field.data or "").strip()) if field.data else None
        if problem:
            raise ValidationError(str(problem))
    return check


class ScheduleForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Date and time (China time)"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired()])
    minutes = IntegerField(_l("Length in minutes"), default=45,
                           validators=[InputRequired(), NumberRange(10, 240)])
    location = StringField(_l("Place"), validators=[Optional(), Length(max=200), _refuse(place_problem)])
    video_link = StringField(_l("Video link"), validators=[Optional(), Length(max=300),
                                                           _refuse(link_problem)])
    interviewer = SelectField(_l("Interviewer"), coerce=int, validators=[InputRequired()])
    version = HiddenField()


class AnswersForm(FlaskForm):
    """The answers themselves are fields named answer_<question key>, one per outline question."""

    notes = TextAreaField(_l("Confidential notes (HR only)"), validators=[Length(max=10000)])
    version = HiddenField()


class ConfirmForm(FlaskForm):
    reasons = SelectMultipleField(_l("Reasons"), validators=[DataRequired()])
    primary = SelectField(_l("Primary reason"), validators=[DataRequired()])
    voluntary = RadioField(_l("Voluntary"), choices=YES_NO, validators=[InputRequired()])
    regrettable = RadioField(_l("Regrettable loss"), choices=YES_NO, validators=[InputRequired()])
    avoidable = RadioField(_l("Avoidable"), choices=YES_NO, validators=[InputRequired()])
    # Only the outcomes the case's workflow has are offered: see offer_outcomes.
    outcome = RadioField(_l("Outcome"), choices=[], validators=[InputRequired()])
    version = HiddenField()

    def offer_outcomes(self, outcomes) -> None:
        """Offer these outcomes; a single one is chosen already."""
        self.outcome.choices = [(o, OUTCOME_LABELS[o]) for o in outcomes]
        if len(self.outcome.choices) == 1 and not self.outcome.data:
            self.outcome.data = outcomes[0]


class CancelForm(FlaskForm):
    version = HiddenField()


class AddendumForm(FlaskForm):
    text = TextAreaField(_l("Correction or addition"), validators=[DataRequired(), Length(max=4000)])


class NotHeldForm(FlaskForm):
    reason = TextAreaField(_l("Why the interview could not be held"),
                           validators=[DataRequired(), Length(max=2000)])


class SurveyForm(FlaskForm):
    """One 1-5 field per dimension is added by the view; `overall` is always asked."""

    overall = RadioField(_l("Overall, how satisfied were you working here?"), choices=SCORES,
                         validators=[InputRequired()])
