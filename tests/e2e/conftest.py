"""Browser tests: a real server process on a scratch database, driven by Debian's chromium.

The server runs as `flask run` in a subprocess with its own SQLite file, migrated with
Alembic and seeded through the CLI, exactly as an operator would do it. Each journey
module gets its own server and database, so journeys cannot see each other's cases.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
E2E_PASSWORD = "e2e-Password-2026"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _flask(env: dict, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def server_env(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("e2e")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'e2e.db'}",
           "SENDOFF_SECRET_KEY": "e2e-secret", "SENDOFF_DOCUMENTS_DIR": str(folder / "docs"),
           "REDIS_URL": "", "FLASK_DEBUG": "0"}
    env.pop("SENDOFF_TEST_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    _flask(env, "workflows", "deploy")
    return env


@pytest.fixture(scope="module")
def live_server(server_env):
    """Serve the app on a free port until the session ends."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port), "--no-reload"],
        cwd=ROOT, env=server_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/login", timeout=1)  # noqa: S310 - loopback only
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the server did not start:\n" + (proc.stdout.read() if proc.stdout else ""))
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def _real_clock_env() -> dict:
    """The browser's environment without libfaketime (scripts/time-travel.sh): chromium hangs
    under it, and the dates under test are the server's, which keeps the faked clock."""
    return {k: v for k, v in os.environ.items()
            if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium through Playwright; never a browser downloaded by Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install the Debian package 'chromium' "
                    "(scripts/system-packages.sh --test does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                                             env=_real_clock_env())
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context in Chinese; a screenshot is kept for every test."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture(scope="module")
def create_login(server_env):
    """Create a login through the CLI, as an operator would."""
    def _create(username: str, *roles: str, employee_no: str | None = None) -> str:
        args = ["users", "create", username, "--password", E2E_PASSWORD]
        for role in roles:
            args += ["--role", role]
        if employee_no:
            args += ["--employee-no", employee_no]
        _flask(server_env, *args)
        return username
    return _create


__all__ = ["E2E_PASSWORD", "shutil"]
