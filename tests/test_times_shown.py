"""Every time a person reads is China time with its zone: pages, PDFs and files."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import render_template_string

from app.i18n import format_instant, iso_instant
from app.modules.documents.kinds import Formatter

# 16:30 UTC is already half past midnight of the next day in Beijing.
LATE_UTC = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
NAIVE_UTC = datetime(2026, 12, 31, 16, 30)  # as SQLite gives it back


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_pages_show_china_time_with_its_zone(app, locale):
    with app.test_request_context(headers={"Accept-Language": locale.replace("_", "-")}):
        for value in (LATE_UTC, NAIVE_UTC):
            shown = render_template_string("{{ at|datetimeformat('short') }}", at=value)
            assert "00:30" in shown and "(UTC+08:00)" in shown
            assert shown.startswith("2027-01-01 00:30")  # not 2026-12-31
            assert "16:30" not in shown


def test_long_form_names_the_zone_itself(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        shown = format_instant(LATE_UTC, "full")
    assert "January 1, 2027" in shown and "China" in shown


def test_a_stored_instant_read_as_a_china_date(app):
    with app.test_request_context():
        assert render_template_string("{{ at|china_date }}", at=NAIVE_UTC) == "2027-01-01"


def test_pdfs_print_china_time_with_its_zone():
    for bilingual in (False, True):
        assert Formatter("zh_CN", bilingual).datetime(NAIVE_UTC) == "2027-01-01 00:30 (UTC+08:00)"


def test_files_carry_iso_8601_with_the_offset():
    assert iso_instant(NAIVE_UTC) == "2027-01-01T00:30:00+08:00"
    assert iso_instant(None) == ""


def test_an_instant_given_in_china_time_is_stored_as_that_instant(session):
    """SQLite keeps no zone: a China-time value must not come back eight hours off."""
    from sqlalchemy import select

    from app.clock import CHINA_TZ
    from app.engine.models import OutboxJob
    from app.engine.outbox import PENDING_KEY, record

    at = datetime(2027, 1, 1, 0, 30, tzinfo=CHINA_TZ)
    job = record(session, "test.kind", {}, now=at)
    session.info.pop(PENDING_KEY, None)
    stored = session.scalars(select(OutboxJob).where(OutboxJob.id == job.id)
                             .execution_options(populate_existing=True)).one()
    assert stored.available_at == LATE_UTC and stored.available_at.tzinfo is not None
