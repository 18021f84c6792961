"""Import every feature's models so that Base.metadata knows all tables (Alembic, tests)."""
from __future__ import annotations

from app import FEATURES, _import_if_present
from app.db import Base


def load_all_models():
    """Import the engine's and every feature's models; returns the metadata."""
    import app.engine.models  # noqa: F401

    for feature in FEATURES:
        _import_if_present(f"app.modules.{feature}.models")
    return Base.metadata
