"""Exceptions and the structured refusal the engine returns instead of raising."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REFUSAL_CODES = (
    "unknown_event",
    "not_allowed",
    "guard_failed",
    "missing_field",
    "stale_version",
    "final_state",
)


@dataclass(frozen=True)
class Refusal:
    """Why an event was not applied; `message` may be a lazy (translatable) string."""

    code: str
    message: Any
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class EngineError(Exception):
    """Base class of the engine's exceptions."""


class DefinitionError(EngineError):
    """A definition file does not load or does not match the schema."""

    def __init__(self, problems: list[str], source: str = "") -> None:
        self.problems = problems
        self.source = source
        super().__init__(f"{source}: " + "; ".join(problems) if source else "; ".join(problems))


class DeployConflict(EngineError):
    """An (id, version) is already deployed with different content."""


class NotDeployed(EngineError):
    """No deployed definition matches the requested id/version."""


class RegistryError(EngineError):
    """A guard, action or resolver name is unknown or its parameters are invalid."""


class MigrationError(EngineError):
    """A migration request cannot be carried out as asked."""
