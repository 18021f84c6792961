"""Accounts: sign in and out, lock-out, disabled users, CSRF, role checks, tokens."""
from __future__ import annotations

from datetime import timedelta

from app.db import utcnow
from app.modules.auth import operations
from tests.conftest import PASSWORD, csrf_from


def test_login_and_logout(client, login, make_user, make_employee):
    make_user("zhang", employee=make_employee(name="张三"))
    response = login("zhang")
    assert response.status_code == 200
    assert "张三" in response.get_data(as_text=True)
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302  # back to the sign-in page


REFUSED_ZH = "用户名或密码不正确，或尝试次数过多"
REFUSED_EN = "The user name or password is not correct, or there have been too many attempts."


def test_wrong_password_is_refused_in_the_users_language(client, login, make_user):
    make_user("li")
    text = login("li", "wrong password!").get_data(as_text=True)
    assert REFUSED_ZH in text  # the default locale is zh_CN
    client.post("/language/en", data={"csrf_token": csrf_from(client.get("/login").get_data(as_text=True))})
    text = login("li", "wrong password!").get_data(as_text=True)
    assert REFUSED_EN in text


def _remember_login(client, username):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": PASSWORD, "remember": "y",
                                       "csrf_token": token})


def _client_with_cookie(app, name, value):
    other = app.test_client()
    other.set_cookie(name, value, domain="localhost")
    return other


def _is_anonymous(some_client) -> bool:
    response = some_client.get("/")
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_ends_copied_session_and_remember_cookies(app, client, make_user):
    make_user("copied")
    _remember_login(client, "copied")
    session_cookie = client.get_cookie("session").value
    remember_cookie = client.get_cookie("remember_token").value
    assert not _is_anonymous(_client_with_cookie(app, "session", session_cookie))  # they work before
    assert not _is_anonymous(_client_with_cookie(app, "remember_token", remember_cookie))
    response = client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    assert response.status_code == 302
    assert client.get_cookie("remember_token") is None  # the browser is told to drop it
    assert _is_anonymous(client)
    assert _is_anonymous(_client_with_cookie(app, "session", session_cookie))
    assert _is_anonymous(_client_with_cookie(app, "remember_token", remember_cookie))
    assert "您已在所有设备上退出登录" in client.get("/login").get_data(as_text=True)


def test_remember_cookie_lasts_at_most_14_days(client, make_user):
    make_user("fortnight")
    _remember_login(client, "fortnight")
    expires = client.get_cookie("remember_token").expires
    assert expires is not None
    assert timedelta(days=13) < expires - utcnow() <= timedelta(days=14)


def test_remember_days_is_configurable_up_to_14():
    import pytest

    from app import config as app_config

    settings = app_config.load(environ={"SENDOFF_REMEMBER_DAYS": "3"})
    app_config.validate(settings)
    assert settings["REMEMBER_COOKIE_DURATION"] == timedelta(days=3)
    with pytest.raises(app_config.ConfigError, match="SENDOFF_REMEMBER_DAYS"):
        app_config.validate(app_config.load(environ={"SENDOFF_REMEMBER_DAYS": "365"}))


def test_a_copied_remember_cookie_dies_after_the_remember_days(app, client, make_user):
    from app.clock import travel

    make_user("stolen")
    _remember_login(client, "stolen")
    remember_cookie = client.get_cookie("remember_token").value
    with travel(utcnow() + timedelta(days=13)):
        assert not _is_anonymous(_client_with_cookie(app, "remember_token", remember_cookie))
    with travel(utcnow() + timedelta(days=14, minutes=1)):  # the browser has dropped it; a thief has not
        assert _is_anonymous(_client_with_cookie(app, "remember_token", remember_cookie))
        assert _is_anonymous(client)  # the browser session of that sign-in has ended too


def test_signing_in_after_the_token_expired_issues_a_fresh_one(app, client, login, make_user, session):
    user = make_user("returning")
    user.session_token_issued_at = None  # as the migration leaves every account: expired
    old_token = user.session_token
    session.commit()
    login("returning")
    assert user.session_token != old_token
    assert not _is_anonymous(client)


def test_disabled_users_open_session_is_rejected_on_next_request(client, login, make_user, session):
    user = make_user("chen", employee=None)
    login("chen")
    assert client.get("/").status_code == 200
    operations.disable_user(user, reason="left the company")
    session.commit()
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_remember_cookie_dies_with_rotation(app, client, make_user, session):
    user = make_user("remember")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "remember", "password": PASSWORD, "remember": "y",
                                "csrf_token": token})
    assert client.get_cookie("remember_token") is not None
    operations.disable_user(user)
    session.commit()
    client.delete_cookie("session")  # only the remember-cookie is left
    assert client.get("/").status_code == 302


def test_form_without_csrf_token_is_refused(client, make_user):
    make_user("sun")
    response = client.post("/login", data={"username": "sun", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_role_restricted_page_gives_403(app, client, login, make_user):
    if "workflows.index" not in app.view_functions:
        import pytest

        pytest.skip("workflow admin page not present")
    make_user("plain")
    login("plain")
    assert client.get("/admin/workflows/").status_code == 403


def test_change_password_ends_other_sessions(app, client, login, make_user, post_form):
    make_user("zhou")
    login("zhou")
    other = app.test_client()  # an IsolatedClient too (set by the client fixture)
    token = csrf_from(other.get("/login").get_data(as_text=True))
    other.post("/login", data={"username": "zhou", "password": PASSWORD, "csrf_token": token})
    assert other.get("/").status_code == 200
    response = post_form("/account/password", {"current": PASSWORD, "new": "a much better secret",
                                               "confirm": "a much better secret"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session continues
    assert other.get("/").status_code == 302  # the other one ended


def test_change_password_wrong_current_keeps_old_password(client, login, make_user, post_form):
    user = make_user("wu")
    login("wu")
    old_hash = user.password_hash
    response = post_form("/account/password", {"current": "nope nope nope", "new": "a much better secret",
                                               "confirm": "a much better secret"})
    assert response.status_code == 200
    assert "当前密码不正确" in response.get_data(as_text=True)
    assert user.password_hash == old_hash


def test_login_rate_limit(app, client, make_user):
    from app.extensions import limiter

    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        limiter.reset()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        codes = [client.post("/login", data={"username": "x", "password": "y", "csrf_token": token})
                 .status_code for _ in range(4)]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
        limiter.reset()
    assert codes == [200, 200, 200, 429]


def test_open_redirect_is_refused(client, make_user):
    make_user("redirect")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=https://evil.example/", data={
        "username": "redirect", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_api_token_is_stored_hashed_and_expires(session, make_user):
    user = make_user("api")
    token, secret = operations.create_api_token(user, "tests", days=1)
    assert secret.startswith("sdo_") and secret not in token.token_hash
    assert operations.user_for_api_token(secret) is user
    assert operations.user_for_api_token(secret, now=utcnow() + timedelta(days=2)) is None
    operations.disable_user(user)
    assert operations.user_for_api_token(secret) is None


def test_security_headers_and_no_store(client, login, make_user):
    response = client.get("/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    make_user("headers")
    login("headers")
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_weak_password_refused(session):
    import pytest

    with pytest.raises(operations.AccountError):
        operations.check_password_strength("short")
