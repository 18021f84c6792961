"""Named guards, actions, role resolvers, date resolvers and outbox handlers.

Definitions refer to behaviour only by name; each name is registered here with a JSON
Schema for its parameters. `registry` is the app-wide default; `new_registry()` builds an
isolated one for tests.

Call conventions:
- guard(ctx, **params) -> True when it passes, otherwise the reason (any object;
  the app passes lazy translatable strings). False means "failed" with no reason.
- action(ctx, **params) -> None; runs inside the event's transaction. A `slow` action is
  not called at all: the runtime records an outbox job of that kind instead.
- role resolver(ctx) -> set of employee ids holding the role for this instance.
- date resolver(ctx) -> date | None, used by timers with `at: {date: name}`.
- outbox handler(payload: dict) -> None, run after commit by a worker.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from app.engine.errors import RegistryError

KINDS = ("guard", "action", "role", "date", "outbox")


@dataclass
class Context:
    """What behaviour functions see: the transaction, the instance, who acts and when."""

    session: Any
    instance: Any
    definition: Any
    actor: Any
    clock: Any
    calendar: Any
    registry: Registry
    payload: dict = field(default_factory=dict)
    event: str = ""
    state_path: str | None = None
    request_id: str | None = None
    cache: dict = field(default_factory=dict)

    @property
    def subject(self) -> str | None:
        """What the instance is about, e.g. "case:12"."""
        return self.instance.subject

    def now(self):
        """The injected clock's time."""
        return self.clock.now()


@dataclass(frozen=True)
class Registered:
    kind: str
    name: str
    fn: Callable
    schema: dict | None = None
    slow: bool = False


class Registry:
    """A set of named behaviour functions, one namespace per kind."""

    def __init__(self) -> None:
        self._items: dict[str, dict[str, Registered]] = {k: {} for k in KINDS}

    def register(self, kind: str, name: str, fn: Callable, schema=None, slow=False) -> Callable:
        """Register `fn` under `name`; registering a name again replaces it."""
        if kind not in KINDS:
            raise RegistryError(f"unknown kind {kind!r}")
        if schema is not None:
            jsonschema.Draft202012Validator.check_schema(schema)
        self._items[kind][name] = Registered(kind, name, fn, schema, slow)
        return fn

    def _decorator(self, kind, name, schema=None, slow=False):
        return lambda fn: self.register(kind, name, fn, schema, slow)

    def guard(self, name: str, schema: dict | None = None):
        """Decorator registering a guard."""
        return self._decorator("guard", name, schema)

    def action(self, name: str, schema: dict | None = None, *, slow: bool = False):
        """Decorator registering an action; `slow=True` routes it through the outbox."""
        return self._decorator("action", name, schema, slow)

    def role_resolver(self, name: str):
        """Decorator registering a role resolver."""
        return self._decorator("role", name)

    def date_resolver(self, name: str):
        """Decorator registering a date resolver for timers."""
        return self._decorator("date", name)

    def outbox_handler(self, kind: str):
        """Decorator registering the worker function for an outbox job kind."""
        return self._decorator("outbox", kind)

    def has(self, kind: str, name: str) -> bool:
        """True when `name` is registered for `kind`."""
        return name in self._items[kind]

    def get(self, kind: str, name: str) -> Registered:
        """The registration, or RegistryError naming what is missing."""
        try:
            return self._items[kind][name]
        except KeyError:
            raise RegistryError(f"no {kind} named {name!r} is registered") from None

    def names(self, kind: str) -> list[str]:
        """Registered names of one kind, sorted."""
        return sorted(self._items[kind])

    def param_problems(self, kind: str, name: str, params: dict) -> list[str]:
        """Sentences describing why `params` do not fit the registered schema."""
        item = self._items[kind].get(name)
        if item is None or item.schema is None:
            return []
        validator = jsonschema.Draft202012Validator(item.schema)
        return [e.message for e in validator.iter_errors(dict(params or {}))]

    def copy(self) -> Registry:
        """An independent registry with the same registrations."""
        other = Registry()
        other._items = {k: dict(v) for k, v in self._items.items()}
        return other


REASSIGN_SCHEMA = {
    "type": "object",
    "required": ["role"],
    "additionalProperties": False,
    "properties": {"role": {"type": "string"}, "from": {"type": "array", "items": {"type": "string"}}},
}


def reassign(ctx: Context, role: str, **params) -> None:
    """Let holders of `role` also hold the roles awaited in the current state."""
    awaited = params.get("from") or _awaited_roles(ctx.definition, ctx.state_path)
    delegations = {k: list(v) for k, v in (ctx.instance.delegations or {}).items()}
    for awaited_role in awaited:
        holders = delegations.setdefault(awaited_role, [])
        if role not in holders and role != awaited_role:
            holders.append(role)
    ctx.instance.delegations = delegations


def _awaited_roles(definition, state_path: str | None) -> list[str]:
    if state_path is None:
        return []
    state = definition.state(state_path)
    return sorted({r for t in state.transitions for r in t.allowed})


SET_DATA_SCHEMA = {
    "type": "object",
    "required": ["values"],
    "additionalProperties": False,
    "properties": {"values": {"type": "object"}},
}
DATA_IS_SCHEMA = {
    "type": "object",
    "required": ["key"],
    "additionalProperties": False,
    "properties": {"key": {"type": "string"}, "value": {}, "in": {"type": "array"}},
}


def set_data(ctx: Context, values: dict) -> None:
    """Record fixed facts on the instance, e.g. which article a dismissal relies on."""
    ctx.instance.data = {**(ctx.instance.data or {}), **values}


def data_is(ctx: Context, key: str, **params):
    """Pass when an instance fact (or the event's payload) equals `value` or is `in` a list."""
    data = {**(ctx.instance.data or {}), **ctx.payload}
    actual = data.get(key)
    wanted = params["in"] if "in" in params else [params.get("value")]
    return True if actual in wanted else f"{key} is {actual!r}, not {' or '.join(map(repr, wanted))}"


def install_builtins(reg: Registry) -> Registry:
    """Register the engine's own behaviour: reassign, set_data and the data_is guard."""
    reg.register("action", "reassign", reassign, REASSIGN_SCHEMA)
    reg.register("action", "set_data", set_data, SET_DATA_SCHEMA)
    reg.register("guard", "data_is", data_is, DATA_IS_SCHEMA)
    return reg


def new_registry() -> Registry:
    """A fresh registry holding only the engine's builtins."""
    return install_builtins(Registry())


registry = new_registry()
