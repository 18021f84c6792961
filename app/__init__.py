"""Sendoff: the application factory, built from small ordered configure_* steps."""
from __future__ import annotations

import importlib
import importlib.util
import logging

from flask import Flask

from app import config as app_config
from app.config import ROOT

FEATURES = (
    "auth", "home", "employees", "workflows", "cases", "settlement", "handover", "interviews",
    "alumni", "documents", "analytics", "disputes", "notifications", "api", "admin", "health",
    "audit",
)


def create_app(config: dict | None = None) -> Flask:
    """Build the app; no database query runs here."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "app" / "static"),
        instance_path=str(app_config.INSTANCE),
    )
    configure_settings(app, config)
    configure_proxies(app)
    configure_logging(app)
    configure_database(app)
    configure_extensions(app)
    configure_i18n(app)
    configure_security(app)
    configure_requests(app)
    configure_features(app)
    configure_errors(app)
    configure_startup_checks(app)
    return app


def configure_settings(app: Flask, overrides: dict | None) -> None:
    settings = app_config.load(overrides)
    app_config.validate(settings)
    app.config.update(settings)
    app.config["BOOTSTRAP_SERVE_LOCAL"] = True
    # Flask-Limiter shares its counters through Redis when there is one; in memory they are
    # per worker, which validate() refuses in production with several workers.
    app.config["RATELIMIT_STORAGE_URI"] = settings.get("REDIS_URL") or "memory://"
    app.config["RATELIMIT_KEY_PREFIX"] = "sendoff"
    app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = bool(settings.get("REDIS_URL"))
    app.config.setdefault("RATELIMIT_ENABLED", True)
    if settings["DATABASE_URL"].startswith("sqlite:///"):
        app_config.INSTANCE.mkdir(exist_ok=True)


def configure_proxies(app: Flask) -> None:
    """Trust X-Forwarded-For/-Proto from the configured number of reverse proxies."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("weasyprint", "fontTools"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


def configure_database(app: Flask) -> None:
    from app.db import db
    from app.engine.outbox import enable_dispatch_after_commit
    from app.jobs import dispatch_outbox_job

    db.init_app(app)
    if app.config["OUTBOX_DISPATCH_AFTER_COMMIT"] and not db.dispatch_enabled:
        enable_dispatch_after_commit(db.session.session_factory, dispatch_outbox_job)
        db.dispatch_enabled = True


def configure_extensions(app: Flask) -> None:
    from app.extensions import bootstrap, csrf, limiter, login_manager, login_throttle

    limiter.init_app(app)  # before CSRF, so refused forms still count against the limit
    csrf.init_app(app)
    bootstrap.init_app(app)
    login_manager.init_app(app)
    login_throttle.init_app(app)


def configure_i18n(app: Flask) -> None:
    from app.i18n import init_i18n

    init_i18n(app)


def configure_security(app: Flask) -> None:
    from app.security import init_security

    init_security(app)


def configure_requests(app: Flask) -> None:
    from app.navigation import init_navigation
    from app.requests import init_requests

    init_requests(app)
    init_navigation(app)


def configure_features(app: Flask) -> None:
    """Import each feature's hooks, blueprint and CLI when the feature has them."""
    for feature in FEATURES:
        for part in ("models", "hooks", "views", "cli"):
            module = _import_if_present(f"app.modules.{feature}.{part}")
            if module is None:
                continue
            if part == "views":
                app.register_blueprint(module.bp)
            elif part == "cli":
                module.register_cli(app)
    from app.cli import register_cli

    register_cli(app)


def configure_errors(app: Flask) -> None:
    from app.errors import init_errors

    init_errors(app)


def configure_startup_checks(app: Flask) -> None:
    from app.fonts import pdf_font_problems

    for problem in pdf_font_problems():
        app.logger.warning("PDF rendering: %s", problem)


def _import_if_present(name: str):
    try:
        if importlib.util.find_spec(name) is None:
            return None
    except ModuleNotFoundError:
        return None
    return importlib.import_module(name)
