"""Configuration: defaults, then SENDOFF_* / DATABASE_URL / REDIS_URL from the environment."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me", "sendoff-dev-key"}


class ConfigError(RuntimeError):
    """The configuration cannot run safely."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def defaults() -> dict:
    return {
        "ENV": "development",
        "SECRET_KEY": "sendoff-dev-key",
        "DATABASE_URL": f"sqlite:///{INSTANCE / 'sendoff.db'}",
        "REDIS_URL": None,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": ("zh_CN", "en"),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 25,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_DEFAULT_SENDER": "sendoff@localhost",
        "MAIL_ENABLED": False,
        "LOGIN_RATE_LIMIT": "10 per minute",
        # The sign-in throttle (app/modules/auth/throttle.py): after this many failures for a
        # user name or a client address, each further attempt waits 1, 2, 4 ... seconds, at
        # most LOGIN_MAX_DELAY; a key is forgotten LOGIN_FAILURE_WINDOW seconds after its last attempt.
        "LOGIN_FREE_FAILURES": 5,
        "LOGIN_MAX_DELAY": 300,
        "LOGIN_FAILURE_WINDOW": 3600,
        "REMEMBER_DAYS": 14,
        # Web worker processes (gunicorn.conf.py sets SENDOFF_WEB_WORKERS from gunicorn's own
        # count); more than one in production needs Redis for the shared rate limits.
        "WEB_WORKERS": None,
        "WEB_CONCURRENCY": None,
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted.
        "TRUSTED_PROXIES": 0,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # The largest file a form takes (the verification page's 10 MB PDF) and the rest of its form;
        # anything bigger is a 413 page that says the limit (app.errors).
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024 + 256 * 1024,
        "NATIONAL_ID_PEPPER": "sendoff-dev-pepper",
        "WORKFLOWS_DIR": str(ROOT / "workflows"),
        "WAGE_DATA_DIR": str(ROOT / "app" / "law" / "data" / "wages"),
        "SIGNING_KEY_FILE": None,
        "SIGNING_KEY_PASSWORD": None,
        "REQUIRE_PASSWORD_TO_SIGN": True,
        "PAGE_SIZE": 25,
        # Hand slow work (PDFs, mail) to the queue right after each commit; without it
        # only `flask workflows tick` (or the cron job) picks it up.
        "OUTBOX_DISPATCH_AFTER_COMMIT": True,
        "COMPANY_NAME": "兆能资产管理有限公司",
        "PUBLIC_BASE_URL": None,
        "DOCUMENTS_DIR": str(INSTANCE / "documents"),
        "UPLOADS_DIR": str(INSTANCE / "uploads"),
        # The API (app/modules/api): requests per token, how long an Idempotency-Key is kept.
        "API_RATE_LIMIT": "300 per minute",
        "IDEMPOTENCY_HOURS": 24,
        # Webhooks: a delivery times out after this many seconds; private and loopback
        # addresses are refused unless allowed (None: allowed outside production).
        "WEBHOOK_TIMEOUT": 10,
        "WEBHOOK_ALLOW_PRIVATE": None,
        # SCIM deprovisioning: the identity provider's SCIM base URL and its bearer token.
        "SCIM_URL": None,
        "SCIM_TOKEN": None,
        "SCIM_TIMEOUT": 10,
        # Signed checkpoints of the audit chain: written here (keep a copy on another host),
        # every interval while the chain grows (0: only `flask audit checkpoint`), mailed to
        # the auditor when an address is set; the trust file lists earlier certificates.
        "AUDIT_CHECKPOINT_DIR": str(INSTANCE / "audit-checkpoints"),
        "AUDIT_CHECKPOINT_INTERVAL_MINUTES": 60,
        "AUDIT_CHECKPOINT_EMAIL": None,
        "AUDIT_CHECKPOINT_TRUST": None,
    }


ENV_MAP = {
    "SENDOFF_ENV": ("ENV", str),
    "SENDOFF_SECRET_KEY": ("SECRET_KEY", str),
    "DATABASE_URL": ("DATABASE_URL", str),
    "REDIS_URL": ("REDIS_URL", str),
    "SENDOFF_DEFAULT_LOCALE": ("BABEL_DEFAULT_LOCALE", str),
    "SENDOFF_SMTP_HOST": ("MAIL_SERVER", str),
    "SENDOFF_SMTP_PORT": ("MAIL_PORT", int),
    "SENDOFF_SMTP_USER": ("MAIL_USERNAME", str),
    "SENDOFF_SMTP_PASSWORD": ("MAIL_PASSWORD", str),
    "SENDOFF_SMTP_STARTTLS": ("MAIL_USE_TLS", _bool),
    "SENDOFF_SMTP_SSL": ("MAIL_USE_SSL", _bool),
    "SENDOFF_MAIL_FROM": ("MAIL_DEFAULT_SENDER", str),
    "SENDOFF_MAIL_ENABLED": ("MAIL_ENABLED", _bool),
    "SENDOFF_NATIONAL_ID_PEPPER": ("NATIONAL_ID_PEPPER", str),
    "SENDOFF_SIGNING_KEY_FILE": ("SIGNING_KEY_FILE", str),
    "SENDOFF_SIGNING_KEY_PASSWORD": ("SIGNING_KEY_PASSWORD", str),
    "SENDOFF_REQUIRE_PASSWORD_TO_SIGN": ("REQUIRE_PASSWORD_TO_SIGN", _bool),
    "SENDOFF_LOGIN_RATE_LIMIT": ("LOGIN_RATE_LIMIT", str),
    "SENDOFF_LOGIN_FREE_FAILURES": ("LOGIN_FREE_FAILURES", int),
    "SENDOFF_LOGIN_MAX_DELAY": ("LOGIN_MAX_DELAY", int),
    "SENDOFF_REMEMBER_DAYS": ("REMEMBER_DAYS", int),
    "SENDOFF_WEB_WORKERS": ("WEB_WORKERS", int),
    "WEB_CONCURRENCY": ("WEB_CONCURRENCY", int),
    "SENDOFF_TRUSTED_PROXIES": ("TRUSTED_PROXIES", int),
    "SENDOFF_COMPANY_NAME": ("COMPANY_NAME", str),
    "SENDOFF_PUBLIC_BASE_URL": ("PUBLIC_BASE_URL", str),
    "SENDOFF_DOCUMENTS_DIR": ("DOCUMENTS_DIR", str),
    "SENDOFF_UPLOADS_DIR": ("UPLOADS_DIR", str),
    "SENDOFF_API_RATE_LIMIT": ("API_RATE_LIMIT", str),
    "SENDOFF_WEBHOOK_TIMEOUT": ("WEBHOOK_TIMEOUT", int),
    "SENDOFF_WEBHOOK_ALLOW_PRIVATE": ("WEBHOOK_ALLOW_PRIVATE", _bool),
    "SENDOFF_SCIM_URL": ("SCIM_URL", str),
    "SENDOFF_SCIM_TOKEN": ("SCIM_TOKEN", str),
    "SENDOFF_AUDIT_CHECKPOINT_DIR": ("AUDIT_CHECKPOINT_DIR", str),
    "SENDOFF_AUDIT_CHECKPOINT_INTERVAL_MINUTES": ("AUDIT_CHECKPOINT_INTERVAL_MINUTES", int),
    "SENDOFF_AUDIT_CHECKPOINT_EMAIL": ("AUDIT_CHECKPOINT_EMAIL", str),
    "SENDOFF_AUDIT_CHECKPOINT_TRUST": ("AUDIT_CHECKPOINT_TRUST", str),
}


def from_env(environ=os.environ) -> dict:
    """Read the settings that the environment overrides."""
    values = {}
    for var, (key, cast) in ENV_MAP.items():
        if environ.get(var) not in (None, ""):
            values[key] = cast(environ[var])
    return values


def load(overrides: dict | None = None, environ=os.environ) -> dict:
    """Defaults, then the environment, then explicit overrides (tests)."""
    config = defaults() | from_env(environ) | (overrides or {})
    config["REMEMBER_COOKIE_DURATION"] = timedelta(days=config["REMEMBER_DAYS"])
    if config["ENV"] == "production":
        config.setdefault("SESSION_COOKIE_SECURE", True)
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
        config["PREFERRED_URL_SCHEME"] = "https"
    return config


MAX_REMEMBER_DAYS = 14


def validate(config: dict) -> None:
    """Refuse settings that cannot run safely: a long remember-me anywhere; in production a
    missing or weak secret or pepper, or several web workers without a shared store."""
    days = config["REMEMBER_DAYS"]
    if not 1 <= days <= MAX_REMEMBER_DAYS:
        raise ConfigError(f"SENDOFF_REMEMBER_DAYS must be between 1 and {MAX_REMEMBER_DAYS} (it is {days}).")
    if config["ENV"] != "production":
        return
    secret = config.get("SECRET_KEY") or ""
    if secret in WEAK_SECRETS or len(secret) < 32:
        raise ConfigError(
            "SENDOFF_SECRET_KEY must be set to a random value of at least 32 characters "
            "in production (python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    if config.get("NATIONAL_ID_PEPPER") in (None, "", "sendoff-dev-pepper"):
        raise ConfigError("SENDOFF_NATIONAL_ID_PEPPER must be set in production.")
    check_shared_store(config, web_workers(config))


def web_workers(config: dict) -> int:
    """How many web processes serve the app: SENDOFF_WEB_WORKERS (which gunicorn.conf.py sets
    from gunicorn's real worker count), else WEB_CONCURRENCY (gunicorn's default), else 1."""
    return int(config.get("WEB_WORKERS") or config.get("WEB_CONCURRENCY") or 1)


def check_shared_store(config: dict, workers: int) -> None:
    """In production, refuse several web workers whose rate limits would each count alone."""
    if config["ENV"] != "production" or workers <= 1 or config.get("REDIS_URL"):
        return
    raise ConfigError(
        f"Sendoff would run {workers} web workers without REDIS_URL: the rate limits would be "
        "counted in each worker separately, so an attacker gets several times the limit. "
        "Set REDIS_URL=redis://HOST:6379/0 (a shared store for every worker), or run one "
        "worker (gunicorn -w 1, or SENDOFF_WEB_WORKERS=1 for another server)."
    )
