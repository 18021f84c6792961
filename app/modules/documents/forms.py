"""Forms of the documents feature."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class UploadForm(FlaskForm):
    """Upload a PDF to check that it is one we issued."""

    file = FileField(_l("PDF file"), validators=[FileRequired(_l("Choose a PDF file."))])
