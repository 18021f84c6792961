"""Loaded only by scripts/time-travel.sh (on PYTHONPATH there), never by the app.

libfaketime 0.9.10 with FAKETIME_DONT_FAKE_MONOTONIC=1 makes clock_nanosleep(TIMER_ABSTIME),
which Python's time.sleep uses, fail with EINVAL. Sleeping through select() is unaffected, so
time.sleep is swapped for it in the processes of a time-travel run.
"""
import select
import time


def _sleep(seconds: float) -> None:
    select.select([], [], [], max(seconds, 0))


time.sleep = _sleep
