"""Migrations: empty -> head -> base -> head, and the models match the migrations."""
from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.db import make_engine
from app.models import load_all_models
from tests.conftest import drop_scratch, scratch_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def scratch_engine(db_url, tmp_path_factory):
    url, kwargs = scratch_url(db_url, tmp_path_factory)
    engine = make_engine(url, **{k: v for k, v in kwargs.items() if not k.startswith("_")})
    yield engine
    engine.dispose()
    drop_scratch(db_url, kwargs)


def run(engine, *args) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, args[0])(config, *args[1:])


def tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade_and_check(scratch_engine):
    metadata = load_all_models()
    run(scratch_engine, "upgrade", "head")
    assert tables(scratch_engine) == set(metadata.tables)
    run(scratch_engine, "downgrade", "base")
    assert tables(scratch_engine) == set()
    run(scratch_engine, "upgrade", "head")
    with scratch_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []  # what `alembic check` verifies
