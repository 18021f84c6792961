"""Checklist forms; signing forms ask for the password again unless switched off."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.params import DateField

CATEGORY_LABELS = {
    "documents": _l("Documents"), "systems": _l("Systems and accounts"), "assets": _l("Assets"),
    "customers": _l("Customers and cases"), "knowledge": _l("Knowledge"), "money": _l("Money"),
}
RECEIVER_LABELS = {
    "successor": _l("Successor"), "supervisor": _l("Supervisor"), "it": _l("IT"),
    "finance": _l("Finance"), "admin": _l("Administration"),
}
REASON = [DataRequired(message=_l("Give a reason.")), Length(max=2000)]


def password_required() -> bool:
    return bool(current_app.config.get("REQUIRE_PASSWORD_TO_SIGN", True))


class VersionedForm(FlaskForm):
    version = HiddenField()

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class SignForm(VersionedForm):
    password = PasswordField(_l("Your password, to sign"))

    def validate_password(self, field):
        from app.modules.auth.passwords import verify_password

        if not password_required():
            return
        if not field.data or not verify_password(current_user.password_hash, field.data):
            raise ValidationError(_l("The password is not correct; the item was not signed."))


class HandOverForm(SignForm):
    note = TextAreaField(_l("Note for the receiver"), validators=[Optional(), Length(max=4000)])
    evidence = FileField(_l("Evidence (PDF or image)"))


class ConfirmForm(SignForm):
    pass


class DisputeForm(VersionedForm):
    reason = TextAreaField(_l("What is missing or wrong"), validators=REASON)


def _choices(labels):
    return [(key, label) for key, label in labels.items()]


class ItemForm(FlaskForm):
    title_zh = StringField(_l("Title (Chinese)"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200)])
    category = SelectField(_l("Category"), choices=_choices(CATEGORY_LABELS))
    receiver_role = SelectField(_l("Receiver"), choices=_choices(RECEIVER_LABELS))
    receiver_no = StringField(_l("Receiver's employee number (successor or supervisor)"),
                              validators=[Optional(), Length(max=20)])
    due_on = DateField(_l("Due date"), validators=[Optional()])
    evidence_required = BooleanField(_l("Evidence required"))
    reason = StringField(_l("Reason for the change"), validators=REASON)


class EditItemForm(ItemForm, VersionedForm):
    pass


class RemoveItemForm(VersionedForm):
    reason = StringField(_l("Reason for removing"), validators=REASON)


class SuccessorForm(FlaskForm):
    employee_no = StringField(_l("Successor's employee number"), validators=[DataRequired(), Length(max=20)])


class ReportsForm(FlaskForm):
    employee_no = StringField(_l("New manager's employee number"), validators=[DataRequired(), Length(max=20)])


class BulkReceiverForm(FlaskForm):
    from_no = StringField(_l("Current receiver's employee number"), validators=[DataRequired(), Length(max=20)])
    to_no = StringField(_l("New receiver's employee number"), validators=[DataRequired(), Length(max=20)])
    reason = StringField(_l("Reason"), validators=REASON)


