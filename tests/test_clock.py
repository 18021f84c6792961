"""One clock: `app.clock` is the only reader of the system time, and "today" is China's."""
from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path

from app import clock

APP = Path(__file__).resolve().parents[1] / "app"
CLOCK_READERS = {"app/clock.py", "app/engine/clock.py"}
FORBIDDEN = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
             ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime")}


def _clock_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if (func.value.id, func.attr) in FORBIDDEN:
                found.append(f"{func.value.id}.{func.attr}() on line {node.lineno}")
        if isinstance(func, ast.Name) and func.id == "SystemClock":
            found.append(f"SystemClock() on line {node.lineno}")
    return found


def test_nothing_in_the_app_reads_the_clock_but_app_clock():
    offenders = {}
    for path in sorted(APP.rglob("*.py")):
        rel = path.relative_to(APP.parent).as_posix()
        if rel in CLOCK_READERS or rel.startswith("app/engine/"):
            continue  # the engine takes a clock as an argument; its default is its own
        calls = _clock_calls(path)
        if calls:
            offenders[rel] = calls
    assert offenders == {}, "use app.clock.now() / app.clock.today() instead"


def test_the_scan_finds_a_direct_clock_call(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from datetime import date\nx = date.today()\n", encoding="utf-8")
    assert _clock_calls(sample) == ["date.today() on line 2"]


def test_today_is_the_date_in_china_not_on_the_server():
    # 16:30 UTC on 31 December is already 00:30 on 1 January in Beijing.
    with clock.travel(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)):
        assert clock.today() == date(2027, 1, 1)
        assert clock.now() == datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    with clock.travel(datetime(2026, 12, 31, 15, 59, tzinfo=UTC)):
        assert clock.today() == date(2026, 12, 31)


def test_travel_moves_the_engine_clock_too():
    with clock.travel(datetime(2027, 3, 15, 9, 30, tzinfo=UTC)) as fixed:
        assert clock.AppClock().now() == datetime(2027, 3, 15, 9, 30, tzinfo=UTC)
        fixed.advance(days=1)
        assert clock.AppClock().now().date() == date(2027, 3, 16)
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 60


def test_stored_naive_instants_are_utc_and_shown_in_china_time():
    shown = clock.china_time(datetime(2026, 12, 2, 16, 30))
    assert shown.isoformat() == "2026-12-03T00:30:00+08:00"
    assert clock.china_time(None) is None
