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


def state_code(names) -> str:
    """One filter value for several state names: sorted, comma-separated, without blanks."""
    return ",".join(sorted({name.strip() for name in names if name and name.strip()}))


def queue_states() -> list[tuple[str, str]]:
    """One option per state title: workflows naming the same step differently share it."""
    locale, names_by_title = current_locale(), {}
    for definition in latest_definitions():
        for name in definition.top:
            names_by_title.setdefault(definition.state_title(name, locale), set()).add(name)
    return sorted(((state_code(names), title) for title, names in names_by_title.items()),
                  key=lambda item: item[1])
