"""Sign-in limits across real server processes: two gunicorn servers (two workers each) on
one database, with attempts spread over both, are throttled together; with Redis the request
rate limit is shared too; production refuses several workers without a shared store.

These tests wait in real time (a few seconds): the servers run on the real clock.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("SENDOFF_TEST_REDIS_URL")
REFUSED = "用户名或密码不正确，或尝试次数过多"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(fresh_db) -> str:
    """The scratch database as a URL a separate process can use (the schema in the URL)."""
    options = fresh_db.engine_kwargs.get("connect_args", {}).get("options")
    if not options:
        return fresh_db.url
    joiner = "&" if "?" in fresh_db.url else "?"
    return f"{fresh_db.url}{joiner}options={urllib.parse.quote(options)}"


def _server_env(database_url: str, **settings: str) -> dict:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SENDOFF_", "WEB_CONCURRENCY", "GUNICORN"))}
    env.update({"DATABASE_URL": database_url, "SENDOFF_SECRET_KEY": secrets.token_urlsafe(40),
                "SENDOFF_LOGIN_RATE_LIMIT": "1000 per minute", "REDIS_URL": "", "FLASK_DEBUG": "0"})
    env.update(settings)
    return env


class Servers:
    """Gunicorn masters on free ports, all on the same database and settings."""

    def __init__(self, env: dict, count: int = 2, workers: int = 2) -> None:
        self.procs, self.urls = [], []
        for _ in range(count):
            port = _free_port()
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "wsgi:app"],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
            self.urls.append(f"http://127.0.0.1:{port}")
        for proc, url in zip(self.procs, self.urls, strict=True):
            self._wait(proc, url)

    def _wait(self, proc, url: str) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail("a server stopped:\n" + proc.stdout.read())
            try:
                urllib.request.urlopen(url + "/login", timeout=2)  # noqa: S310 - loopback only
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        pytest.fail("a server did not start in time")

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One cookie jar for every server (cookies ignore the port), redirects not followed."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def request(self, url: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, data=body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self, server: str, username: str, password: str) -> int:
        """Post the real form to one server; 302 signs in, 200 is the refusal, 429 the limit."""
        _, page = self.request(server + "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        status, page = self.request(server + "/login", {"username": username, "password": password,
                                                        "csrf_token": token})
        assert status != 200 or REFUSED in page
        return status


def _add_user(fresh_db, username: str) -> None:
    from app.modules.auth.models import User
    from app.modules.auth.passwords import hash_password

    with fresh_db() as session:
        session.add(User(username=username, password_hash=hash_password(PASSWORD)))
        session.commit()


def _drop_redis_keys() -> None:
    from redis import Redis

    client = Redis.from_url(REDIS_URL)
    for pattern in ("*LIMITER/sendoff/*", "sendoff:login-throttle:*"):
        keys = list(client.scan_iter(pattern))
        if keys:
            client.delete(*keys)


def _hammer_then_owner(servers: Servers) -> None:
    """Seven wrong passwords spread over both servers, then the owner's right one."""
    a, b = servers.urls
    browser = Browser()
    statuses = []
    for n, wait in enumerate((0, 0, 0, 0, 0, 1.1, 2.1)):  # five free failures, then on time for 1 s, 2 s
        time.sleep(wait)
        statuses.append(browser.sign_in((a, b)[n % 2], "owner", "a wrong guess"))
    assert statuses == [200] * 7
    assert browser.sign_in(b, "owner", PASSWORD) == 200  # the server that saw the 6th: must wait 4 s
    assert browser.sign_in(a, "owner", PASSWORD) == 200  # and so must the other
    time.sleep(4.2)
    assert browser.sign_in(b, "owner", PASSWORD) == 302  # the wait is over: the owner is in


def test_attempts_spread_over_two_servers_are_throttled_together_in_the_database(fresh_db):
    _add_user(fresh_db, "owner")
    servers = Servers(_server_env(_database_url(fresh_db)))
    try:
        _hammer_then_owner(servers)
    finally:
        servers.stop()


@pytest.mark.skipif(not REDIS_URL, reason="SENDOFF_TEST_REDIS_URL is not set")
def test_with_redis_the_throttle_and_the_rate_limit_are_shared_by_the_servers(fresh_db):
    _add_user(fresh_db, "owner")
    _drop_redis_keys()
    servers = Servers(_server_env(_database_url(fresh_db), REDIS_URL=REDIS_URL,
                                  SENDOFF_LOGIN_RATE_LIMIT="10 per minute"))
    try:
        _hammer_then_owner(servers)  # ten sign-in posts, five to each server
        # Counted in each worker, no worker would have seen more than five of the ten.
        assert Browser().sign_in(servers.urls[1], "someone", "guess") == 429
    finally:
        servers.stop()
        _drop_redis_keys()


def test_production_refuses_several_workers_without_a_shared_store(tmp_path):
    env = _server_env(f"sqlite:///{tmp_path / 'refused.db'}", SENDOFF_ENV="production",
                      SENDOFF_NATIONAL_ID_PEPPER=secrets.token_urlsafe(32))
    result = subprocess.run([sys.executable, "-m", "gunicorn", "-w", "3", "-b", f"127.0.0.1:{_free_port()}",
                             "wsgi:app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "3 web workers without REDIS_URL" in result.stderr
    assert "Set REDIS_URL=" in result.stderr
