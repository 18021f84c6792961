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


def test_wrong_password_is_refused_in_the_users_language(client, login, make_user):
    make_user("li")
    text = login("li", "wrong password!").get_data(as_text=True)
    assert "用户名或密码不正确" in text  # the default locale is zh_CN
    client.post("/language/en", data={"csrf_token": csrf_from(client.get("/login").get_data(as_text=True))})
    text = login("li", "wrong password!").get_data(as_text=True)
    assert "The user name or password is not correct." in text


def test_account_locks_after_repeated_failures(app, client, login, make_user):
    user = make_user("wang")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login("wang", "not the password")
    assert user.locked_until is not None
    text = login("wang", PASSWORD).get_data(as_text=True)
    assert "锁定" in text  # locked, even with the right password
    assert client.get("/").status_code == 302


def test_lock_expires(session, make_user):
    user = make_user("zhao")
    user.locked_until = utcnow() - timedelta(minutes=1)
    result = operations.authenticate_user("zhao", PASSWORD, max_failures=5, lock_minutes=15)
    assert result.user is user


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
