"""Locale selection: the user's choice, then the session, then the browser, then the default."""
from __future__ import annotations

from datetime import date, datetime

import flask_babel
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from app.clock import china_time
from app.extensions import babel

# One unambiguous form in both languages (en's "1/2/27, 12:30 AM" reads wrongly in China).
_PATTERNS = {"short": "yyyy-MM-dd HH:mm", "medium": "yyyy-MM-dd HH:mm EEEE"}
ZONE = "UTC+08:00"  # China has one zone and no daylight saving; shown beside every time


def supported_locales() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """Pick the request's locale."""
    choices = supported_locales()
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in choices:
        return current_user.locale
    if session.get("locale") in choices:
        return session["locale"]
    best = request.accept_languages.best_match(["zh_CN", "zh", "en"])
    if best == "zh":
        best = "zh_CN"
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    """The request's locale as the app names it: "zh_CN" or "en"."""
    locale = get_locale()
    if locale is None:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return "zh_CN" if locale.language == "zh" else locale.language


def localized(value: dict | str | None) -> str:
    """Pick the current locale's text from a {"en": ..., "zh_CN": ...} mapping."""
    if not isinstance(value, dict):
        return value or ""
    locale = current_locale()
    return value.get(locale) or value.get(locale.split("_")[0]) or value.get("en") or next(
        iter(value.values()), ""
    )


def format_instant(value: datetime | None, width: str = "short") -> str:
    """A stored instant as China time with its zone, in the reader's language."""
    local = china_time(value)
    if local is None:
        return ""
    if width == "full":  # Babel's full form names the zone itself
        return flask_babel.format_datetime(local, "full")
    pattern = _PATTERNS.get(width, width)
    return f"{flask_babel.format_datetime(local, pattern)} ({ZONE})"


def china_date(value: datetime | None) -> date | None:
    """The calendar day in China of a stored instant."""
    local = china_time(value)
    return local.date() if local is not None else None


def iso_instant(value: datetime | None) -> str:
    """ISO 8601 in China time with its offset, for files (CSV, XLSX, JSON)."""
    local = china_time(value)
    return local.isoformat(timespec="seconds") if local is not None else ""


# Babel expands zh_CN to zh_Hans_CN, so the Chinese catalog lives in translations/zh.
def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(app.root_path + "/translations"))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(current_locale=current_locale, localized=localized)
    # Every time on a page is China time with its zone (flask-babel's filter omits the zone).
    app.jinja_env.filters.update(datetimeformat=format_instant, china_date=china_date,
                                 iso_instant=iso_instant)
