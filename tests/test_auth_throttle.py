"""The sign-in throttle: delays per user name and per address, one answer for every refusal.

Each web test runs on the database store and on the Redis store (the real Redis named by
SENDOFF_TEST_REDIS_URL; skipped when it is not set). Delays are tested by moving the app
clock, never by sleeping.
"""
from __future__ import annotations

import os
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.clock import travel
from app.db import db, utcnow
from app.extensions import login_throttle
from app.modules.auth import operations
from app.modules.auth.models import LoginThrottleEntry
from app.modules.auth.throttle import RedisStore, throttle_key
from tests.conftest import PASSWORD, csrf_from

REFUSED = "用户名或密码不正确，或尝试次数过多。多次尝试后，请等几分钟再试。"
HOME = "198.51.100.7"
OFFICE = "198.51.100.20"
REDIS_URL = os.environ.get("SENDOFF_TEST_REDIS_URL")


def _redis_store():
    if not REDIS_URL:
        pytest.skip("SENDOFF_TEST_REDIS_URL is not set")
    from redis import Redis

    return RedisStore(Redis.from_url(REDIS_URL), prefix=f"sendoff-test:{uuid.uuid4().hex}:")


def _drop_keys(store: RedisStore) -> None:
    keys = list(store.client.scan_iter(store.prefix + "*"))
    if keys:
        store.client.delete(*keys)


@pytest.fixture(params=["database", "redis"])
def store(request, session, monkeypatch):
    """The throttle's store for the test: the database (in the test's transaction) or Redis."""
    if request.param == "database":
        yield login_throttle.database
        return
    redis_store = _redis_store()
    monkeypatch.setattr(login_throttle, "store", redis_store)
    yield redis_store
    _drop_keys(redis_store)


def attempt(client, username: str, password: str, address: str = HOME):
    """One sign-in through the real form; the client stays at that address afterwards."""
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def alerts(response) -> list[str]:
    return re.findall(r'<div class="alert[^"]*" role="alert">(.*?)</div>', response.get_data(as_text=True))


def refused(response) -> bool:
    return response.status_code == 200 and alerts(response) == [REFUSED]


def signed_in(client, response) -> bool:
    """True when the attempt signed in; the client is signed out again for the next one."""
    ok = response.status_code == 302 and client.get("/").status_code == 200
    client.delete_cookie("session", domain="localhost")
    return ok


def test_delays_double_up_to_the_cap_and_early_attempts_do_not_count(app, client, make_user, store,
                                                                      monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_DELAY", 8)
    make_user("wang")
    key = throttle_key("account", "wang")
    with travel(utcnow()) as clock:
        for _ in range(5):
            assert refused(attempt(client, "wang", "not the password"))
        for wait in (1, 2, 4, 8, 8):
            assert store.wait_until(key) == clock.now() + timedelta(seconds=wait)
            clock.advance(seconds=wait - 0.5)
            assert refused(attempt(client, "wang", PASSWORD))  # too early, even with the right password
            assert store.wait_until(key) == clock.now() + timedelta(seconds=0.5)  # and not pushed out
            clock.advance(seconds=0.5)
            assert refused(attempt(client, "wang", "not the password"))  # on time: checked and counted
        clock.advance(seconds=8)  # the wait is bounded: the owner gets in
        assert signed_in(client, attempt(client, "wang", PASSWORD))


def test_a_name_tried_from_many_addresses_is_slowed_down_for_every_address(client, make_user, store):
    make_user("zhao")
    with travel(utcnow()) as clock:
        for n in range(5):
            assert refused(attempt(client, "zhao", "guess", address=f"203.0.113.{n}"))
        assert refused(attempt(client, "zhao", PASSWORD, address=OFFICE))
        clock.advance(seconds=1)
        assert signed_in(client, attempt(client, "zhao", PASSWORD, address=OFFICE))


def test_an_address_trying_many_names_is_slowed_down_and_others_are_not(client, make_user, store):
    make_user("li")
    with travel(utcnow()) as clock:
        for n in range(5):
            assert refused(attempt(client, f"nobody{n}", "guess", address=HOME))
        assert refused(attempt(client, "li", PASSWORD, address=HOME))  # this address must wait
        assert signed_in(client, attempt(client, "li", PASSWORD, address=OFFICE))  # another need not
        clock.advance(seconds=1)
        assert signed_in(client, attempt(client, "li", PASSWORD, address=HOME))


def test_a_successful_sign_in_resets_the_name(client, make_user, store):
    make_user("qian")
    with travel(utcnow()):
        for _ in range(4):
            assert refused(attempt(client, "qian", "guess", address=HOME))
        assert signed_in(client, attempt(client, "qian", PASSWORD, address=HOME))
        for _ in range(4):  # four more free failures for the name, from another address
            assert refused(attempt(client, "qian", "guess", address=OFFICE))
        assert signed_in(client, attempt(client, "qian", PASSWORD, address=OFFICE))


def test_unknown_wrong_disabled_and_throttled_answers_look_the_same(client, make_user, store):
    make_user("sun")
    operations.disable_user(make_user("gone"))
    with travel(utcnow()):
        answers = [attempt(client, "ghost", "guess", address="192.0.2.1"),
                   attempt(client, "sun", "guess", address="192.0.2.2"),
                   attempt(client, "gone", PASSWORD, address="192.0.2.3")]
        for n in range(5):
            attempt(client, "sun", "guess", address=f"203.0.113.{n}")
            attempt(client, "ghost", "guess", address=f"203.0.113.{n + 10}")
        answers += [attempt(client, "sun", PASSWORD, address="192.0.2.4"),  # throttled account
                    attempt(client, "ghost", PASSWORD, address="192.0.2.5")]  # throttled unknown name
    shapes = {(r.status_code, tuple(alerts(r)), tuple(sorted(set(r.headers.keys()) - {"Content-Length"})))
              for r in answers}
    assert len(shapes) == 1
    assert next(iter(shapes))[:2] == (200, (REFUSED,))


def test_every_refusal_checks_exactly_one_password(client, make_user, store, monkeypatch):
    real = operations.verify_password
    checked = []
    monkeypatch.setattr(operations, "verify_password", lambda hash_, password: checked.append(hash_) or
                        real(hash_, password))
    make_user("zhou")
    operations.disable_user(make_user("left"))
    with travel(utcnow()):
        for n in range(5):
            attempt(client, "zhou", "guess", address=f"203.0.113.{n}")
        cases = {"unknown": ("nobody", "guess"), "wrong": ("left", "guess"), "disabled": ("left", PASSWORD),
                 "throttled": ("zhou", PASSWORD)}
        counts = {}
        for name, (username, password) in cases.items():
            checked.clear()
            assert refused(attempt(client, username, password, address=f"192.0.2.{len(counts) + 1}"))
            counts[name] = len(checked)
    assert counts == {"unknown": 1, "wrong": 1, "disabled": 1, "throttled": 1}


def test_english_users_read_the_same_refusal_in_english(client, make_user, store):
    client.post("/language/en", data={"csrf_token": csrf_from(client.get("/login").get_data(as_text=True))})
    text = attempt(client, "nobody", "guess").get_data(as_text=True)
    assert ("The user name or password is not correct, or there have been too many attempts. "
            "After several attempts, wait a few minutes before trying again.") in text


def test_rows_of_quiet_keys_are_pruned(app, session):
    def rows() -> int:
        return session.scalar(select(func.count()).select_from(LoginThrottleEntry))

    start = utcnow()
    before = rows()
    login_throttle.claim("old name", "192.0.2.50", start)
    assert rows() == before + 2
    window = timedelta(seconds=app.config["LOGIN_FAILURE_WINDOW"])
    login_throttle.claim("new name", "192.0.2.51", start + window + timedelta(seconds=1))
    keys = set(session.scalars(select(LoginThrottleEntry.key)))
    assert throttle_key("account", "old name") not in keys and throttle_key("address", "192.0.2.50") not in keys
    assert throttle_key("account", "new name") in keys


def test_redis_keys_expire_after_the_window(app, session, monkeypatch):
    redis_store = _redis_store()
    monkeypatch.setattr(login_throttle, "store", redis_store)
    try:
        login_throttle.claim("expiring", "192.0.2.60", utcnow())
        ttl = redis_store.client.ttl(redis_store.prefix + throttle_key("account", "expiring"))
        assert 0 < ttl <= app.config["LOGIN_FAILURE_WINDOW"]
        assert session.scalar(select(func.count()).select_from(LoginThrottleEntry)
                              .where(LoginThrottleEntry.key == throttle_key("account", "expiring"))) == 0
    finally:
        _drop_keys(redis_store)


def test_when_redis_does_not_answer_the_database_throttles(client, make_user, session, monkeypatch):
    from redis import Redis

    monkeypatch.setattr(login_throttle, "store", RedisStore(Redis.from_url(
        "redis://127.0.0.1:1/0", socket_connect_timeout=0.2)))
    make_user("fallback")
    with travel(utcnow()):
        for _ in range(5):
            assert refused(attempt(client, "fallback", "guess"))
        assert refused(attempt(client, "fallback", PASSWORD))
    assert login_throttle.database.wait_until(throttle_key("account", "fallback")) is not None


def _burst(app, attempts: int) -> int:
    """Claim `attempts` sign-ins at one instant from parallel threads, each holding its
    transaction for a moment as the password check does; how many were let through."""
    start = threading.Barrier(attempts)
    now = utcnow()

    def one() -> bool:
        with app.app_context():
            try:
                start.wait()
                allowed = login_throttle.claim("burst", "192.0.2.99", now).allowed
                time.sleep(0.05)
                db.session.commit()
                return allowed
            finally:
                db.session.remove()

    with ThreadPoolExecutor(attempts) as pool:
        return sum(pool.map(lambda _: one(), range(attempts)))


def test_parallel_attempts_let_only_the_free_ones_through_on_the_database(app, fresh_db):
    db.session.remove()
    original = dict(db.session.session_factory.kw)
    db.session.configure(bind=fresh_db.kw["bind"])
    try:
        assert _burst(app, 10) == app.config["LOGIN_FREE_FAILURES"]
    finally:
        db.session.remove()
        db.session.session_factory.kw.clear()
        db.session.session_factory.kw.update(original)


def test_parallel_attempts_let_only_the_free_ones_through_on_redis(app, monkeypatch):
    redis_store = _redis_store()
    monkeypatch.setattr(login_throttle, "store", redis_store)
    try:
        assert _burst(app, 10) == app.config["LOGIN_FREE_FAILURES"]
    finally:
        _drop_keys(redis_store)


def test_client_address_groups_an_ipv6_subscriber_and_trusts_only_configured_proxies():
    from flask import Flask

    from app import configure_proxies
    from app.security import client_address

    def address_seen(trusted: int, **environ) -> str:
        bare = Flask("probe")
        bare.config["TRUSTED_PROXIES"] = trusted
        bare.add_url_rule("/", view_func=client_address)
        configure_proxies(bare)
        return bare.test_client().get("/", **environ).get_data(as_text=True)

    assert address_seen(0, environ_base={"REMOTE_ADDR": "2001:db8:1:2::17"}) == "2001:db8:1:2::/64"
    assert address_seen(0, environ_base={"REMOTE_ADDR": "::ffff:192.0.2.8"}) == "192.0.2.8"
    forwarded = {"environ_base": {"REMOTE_ADDR": "10.0.0.2"}, "headers": {"X-Forwarded-For": "192.0.2.9"}}
    assert address_seen(0, **forwarded) == "10.0.0.2"  # a client cannot pick its own address
    assert address_seen(1, **forwarded) == "192.0.2.9"
