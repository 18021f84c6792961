"""Factory, configuration, health, error pages and the language switch."""
from __future__ import annotations

import os
import shutil

import pytest

from app import config as app_config


def test_production_refuses_weak_secret():
    with pytest.raises(app_config.ConfigError):
        app_config.validate(app_config.load({"ENV": "production", "SECRET_KEY": "dev"}, environ={}))


def test_production_accepts_strong_secret_and_sets_secure_cookies():
    settings = app_config.load({"ENV": "production", "SECRET_KEY": "x" * 40,
                                "NATIONAL_ID_PEPPER": "p" * 40}, environ={})
    app_config.validate(settings)
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]


STRONG = {"ENV": "production", "SECRET_KEY": "x" * 40, "NATIONAL_ID_PEPPER": "p" * 40}


@pytest.mark.parametrize("environ", [{"SENDOFF_WEB_WORKERS": "4"}, {"WEB_CONCURRENCY": "3"}])
def test_production_refuses_several_workers_without_redis(environ):
    settings = app_config.load(STRONG, environ=environ)
    with pytest.raises(app_config.ConfigError, match="without REDIS_URL.*Set REDIS_URL="):
        app_config.validate(settings)


@pytest.mark.parametrize("environ", [
    {"SENDOFF_WEB_WORKERS": "4", "REDIS_URL": "redis://cache:6379/0"},
    {"WEB_CONCURRENCY": "4", "SENDOFF_WEB_WORKERS": "1"},  # gunicorn.conf.py's real count wins
    {},
])
def test_production_runs_one_worker_or_several_with_redis(environ):
    app_config.validate(app_config.load(STRONG, environ=environ))


def test_development_allows_several_workers_without_redis():
    app_config.validate(app_config.load(environ={"SENDOFF_WEB_WORKERS": "4"}))


def test_environment_overrides():
    settings = app_config.load(environ={
        "DATABASE_URL": "postgresql://u@db:5432/x", "SENDOFF_DEFAULT_LOCALE": "en",
        "SENDOFF_SMTP_PORT": "2525", "REDIS_URL": "redis://r:6379/0"})
    assert settings["DATABASE_URL"] == "postgresql://u@db:5432/x"
    assert settings["BABEL_DEFAULT_LOCALE"] == "en" and settings["MAIL_PORT"] == 2525
    assert settings["REDIS_URL"] == "redis://r:6379/0"


def test_default_database_is_sqlite_under_instance():
    assert app_config.load(environ={})["DATABASE_URL"].endswith("instance/sendoff.db")


def test_sqlite_uses_wal_and_foreign_keys(tmp_path):
    from sqlalchemy import text

    from app.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_healthz(client):
    # `make test` installs the CJK font and HarfBuzz subsetting, so the app is healthy here.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok", "queue": "in-process", "pdf_fonts": "ok"}


def test_healthz_says_what_is_missing_for_pdfs(client, monkeypatch):
    import app.modules.health.views as health

    monkeypatch.setattr(health, "pdf_font_problems", lambda: ("no CJK font (install fonts-noto-cjk)",))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unhealthy" and "fonts-noto-cjk" in body["pdf_fonts"]


def test_healthz_reports_a_dead_queue(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["queue"] == "unavailable"


@pytest.mark.parametrize("locale,text", [("zh_CN", "页面不存在"), ("en", "does not exist")])
def test_404_page_in_both_languages(client, locale, text):
    response = client.get("/no-such-page", headers={"Accept-Language": locale.replace("_", "-")})
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_language_switch_is_remembered(client, login, make_user, session):
    user = make_user("lang")
    login("lang")
    from tests.conftest import csrf_from

    token = csrf_from(client.get("/").get_data(as_text=True))
    client.post("/language/en", data={"csrf_token": token, "next": "/"})
    assert user.locale == "en"
    assert "Sign out" in client.get("/").get_data(as_text=True)


def test_home_shows_empty_states_per_role(client, login, make_user, make_employee):
    boss = make_employee(name="王经理")
    make_employee(name="小李", manager_id=boss.id)
    make_user("boss", employee=boss)
    make_user("hrperson", roles=("hr",))
    login("boss")
    page = client.get("/").get_data(as_text=True)
    assert "我的团队" in page and "团队中没有人离职" in page
    from tests.conftest import csrf_from

    client.post("/logout", data={"csrf_token": csrf_from(page)})
    login("hrperson")
    page = client.get("/").get_data(as_text=True)
    assert "没有进行中的离职案件" in page and "我的团队" not in page


def test_the_test_run_compiles_missing_or_stale_catalogs(tmp_path):
    from tests.conftest import ROOT_TRANSLATIONS, compile_catalogs

    folder = tmp_path / "translations"
    shutil.copytree(ROOT_TRANSLATIONS, folder, ignore=shutil.ignore_patterns("*.mo"))
    compiled = compile_catalogs(folder)
    assert {mo.parts[-3] for mo in compiled} == {"en", "zh"}
    assert compile_catalogs(folder) == []  # up to date now
    po = folder / "zh" / "LC_MESSAGES" / "messages.po"
    later = po.with_suffix(".mo").stat().st_mtime + 10
    os.utime(po, (later, later))  # edited after it was compiled
    assert [mo.parts[-3] for mo in compile_catalogs(folder)] == ["zh"]
