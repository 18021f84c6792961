"""Titles of the deployed workflows and their states, for lists and filters."""
from __future__ import annotations

import functools

from flask import g
from sqlalchemy import func, select

from app.db import db
from app.engine.definition import Definition, from_canonical
from app.engine.models import WorkflowDefinition
from app.i18n import current_locale, localized


@functools.lru_cache(maxsize=256)
def _parsed(sha256: str, canonical: str) -> Definition:
    return from_canonical(canonical)


def latest_definitions() -> list[Definition]:
    """The newest deployed version of every workflow (read once per request)."""
    if "latest_definitions" not in g:
        g.latest_definitions = _load_latest()
    return g.latest_definitions


def _load_latest() -> list[Definition]:
    newest = (select(WorkflowDefinition.workflow_id, func.max(WorkflowDefinition.version).label("v"))
              .group_by(WorkflowDefinition.workflow_id).subquery())
    rows = db.session.scalars(select(WorkflowDefinition).join(
        newest, (WorkflowDefinition.workflow_id == newest.c.workflow_id)
        & (WorkflowDefinition.version == newest.c.v)).order_by(WorkflowDefinition.workflow_id))
    return [_parsed(r.sha256, r.canonical) for r in rows]


def workflow_choices() -> list[tuple[str, str]]:
    return [(d.id, localized(d.title)) for d in latest_definitions()]


def workflow_title(workflow_id: str) -> str:
    return dict(workflow_choices()).get(workflow_id, workflow_id)


def queue_states() -> list[tuple[str, str]]:
    """Every top-level state of the deployed workflows, once, with its title."""
    locale, seen = current_locale(), {}
    for definition in latest_definitions():
        for name in definition.top:
            seen.setdefault(name, definition.state_title(name, locale))
    return sorted(seen.items(), key=lambda item: item[1])
