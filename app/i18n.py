"""Locale selection: the user's choice, then the session, then the browser, then the default."""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from app.extensions import babel


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


# Babel expands zh_CN to zh_Hans_CN, so the Chinese catalog lives in translations/zh.
def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(app.root_path + "/translations"))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(current_locale=current_locale, localized=localized)
