"""The workflow engine: definitions, pure semantics, durable runtime, audit and outbox.

Imports nothing from Flask or app.modules; `app.db` is the only app import.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    """Who fires an event: a user (maybe linked to an employee) and the groups they hold."""

    user_id: int | None
    employee_id: int | None
    groups: frozenset[str] = field(default_factory=frozenset)
    name: str = ""

    @property
    def is_system(self) -> bool:
        """True for the scheduler's actor."""
        return self.user_id is None and "system" in self.groups


SYSTEM = Actor(user_id=None, employee_id=None, groups=frozenset({"system"}), name="system")

__all__ = ["Actor", "SYSTEM"]
