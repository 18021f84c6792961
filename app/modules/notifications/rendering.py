"""Render e-mail templates in a given language, without a request (workers call it too)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from app.modules.auth.models import User

FALLBACK_TEMPLATE = "step_needed"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


def user_locale(user: User) -> str:
    """The user's language: their choice, else their employee record's, else the default."""
    languages = current_app.config["LANGUAGES"]
    for locale in (user.locale, user.employee.locale if user.employee else None):
        if locale in languages:
            return locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def user_address(user: User) -> tuple[str, str] | None:
    """(display name, e-mail) of the user's employee record, or None without an address."""
    email = user.employee.email if user.employee else None
    return (user.display_name, email) if email else None


def render_message(template: str, context: dict, locale: str) -> Rendered:
    """Render templates/emails/<template>.txt (with its `subject`) and .html in `locale`."""
    env = current_app.jinja_env
    with force_locale(locale):
        text_module = env.get_template(f"emails/{template}.txt").make_module(context)
        subject = " ".join(str(getattr(text_module, "subject", "")).split())
        try:
            html_template = env.get_template(f"emails/{template}.html")
        except TemplateNotFound:
            html = None
        else:
            html = html_template.render({**context, "subject": subject})
    return Rendered(subject, tidy_text(str(text_module)), html)


def tidy_text(text: str) -> str:
    """Trim trailing spaces (keeping the "-- " signature line) and runs of blank lines."""
    lines = [line if line == "-- " else line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def template_exists(template: str) -> bool:
    """True when templates/emails/<template>.txt exists."""
    try:
        current_app.jinja_env.get_template(f"emails/{template}.txt")
    except TemplateNotFound:
        return False
    return True


def absolute_url(path: str | None) -> str | None:
    """`path` on the app's public address (PUBLIC_BASE_URL, else SERVER_NAME), else as given."""
    if not path or "://" in path:
        return path
    config = current_app.config
    base = config.get("PUBLIC_BASE_URL")
    if not base and config.get("SERVER_NAME"):
        base = f"{config.get('PREFERRED_URL_SCHEME', 'http')}://{config['SERVER_NAME']}"
    return f"{base.rstrip('/')}{path}" if base else path


def case_path(case_id: int) -> str:
    """Where a case is shown; built without a request so that workers can call it."""
    adapter = current_app.url_map.bind("localhost",
                                       script_name=current_app.config.get("APPLICATION_ROOT"))
    if "cases.show" in current_app.view_functions:
        return adapter.build("cases.show", {"case_id": case_id})
    return f"/cases/{case_id}"
