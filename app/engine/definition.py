"""Workflow definitions: load YAML, validate against schema.json, canonicalise, hash, parse.

A parsed `Definition` is immutable. State paths name states uniquely: a top-level
state is "handover", a state inside a region is "handover.leaver.pending".
"""
from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from app.engine.errors import DefinitionError

SCHEMA_PATH = Path(__file__).with_name("schema.json")


@dataclass(frozen=True)
class Call:
    """A registered name with its parameters, as written in the definition."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Transition:
    event: str
    to: str
    source: str  # path of the state that owns it; "*" for global transitions
    allowed: tuple[str, ...] = ()
    guards: tuple[Call, ...] = ()
    require: tuple[str, ...] = ()
    actions: tuple[Call, ...] = ()


@dataclass(frozen=True)
class Timer:
    id: str
    after: str | None = None
    at_date: str | None = None
    at_offset: str | None = None
    at_time: str | None = None
    business: bool = False
    repeat_every: str | None = None
    repeat_max: int = 0
    to: str | None = None
    interrupting: bool = False
    actions: tuple[Call, ...] = ()


@dataclass(frozen=True)
class State:
    name: str
    path: str
    kind: str = "normal"  # normal | final | parallel
    parent: str | None = None  # path of the parallel state owning the region
    region: str | None = None
    title: Mapping[str, str] = field(default_factory=dict)
    on_enter: tuple[Call, ...] = ()
    on_exit: tuple[Call, ...] = ()
    transitions: tuple[Transition, ...] = ()
    timers: tuple[Timer, ...] = ()
    regions: tuple[Region, ...] = ()
    on_done: Transition | None = None

    @property
    def is_final(self) -> bool:
        return self.kind == "final"

    @property
    def is_parallel(self) -> bool:
        return self.kind == "parallel"


@dataclass(frozen=True)
class Region:
    name: str
    path: str  # "<parallel>.<region>", also the signature slot
    initial: str
    states: tuple[str, ...]  # state names inside the region


@dataclass(frozen=True)
class Role:
    name: str
    resolver: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class Definition:
    id: str
    version: int
    initial: str
    title: Mapping[str, str]
    roles: Mapping[str, Role]
    states: Mapping[str, State]  # every state by path, top-level and in regions
    top: tuple[str, ...]  # top-level state names in file order
    global_transitions: tuple[Transition, ...]
    event_titles: Mapping[str, Mapping[str, str]]
    canonical: str
    sha256: str

    def state(self, path: str) -> State:
        """The state at `path`; KeyError when absent."""
        return self.states[path]

    def region(self, path: str) -> Region:
        """The region at "<parallel>.<region>"."""
        parallel, _, name = path.rpartition(".")
        return next(r for r in self.states[parallel].regions if r.name == name)

    def event_title(self, event: str, locale: str = "en") -> str:
        """Localized title of an event, falling back to English and then to the name."""
        return _pick(self.event_titles.get(event, {}), locale) or event

    def state_title(self, path: str, locale: str = "en") -> str:
        """Localized title of a state, falling back to English and then to its name."""
        state = self.states[path]
        return _pick(state.title, locale) or state.name

    def shown_title(self, path: str, locale: str = "en") -> str:
        """Title of the state or of its nearest titled ancestor (region leaves are rarely titled)."""
        parts = path.split(".")
        for end in range(len(parts), 0, -1):
            state = self.states.get(".".join(parts[:end]))
            title = _pick(state.title, locale) if state is not None else None
            if title:
                return title
        return self.state_title(path, locale)


def _pick(title: Mapping[str, str], locale: str) -> str | None:
    return title.get(locale) or title.get(locale.split("_")[0]) or title.get("en")


@functools.cache
def schema() -> dict:
    """The JSON Schema shipped with the app."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def canonical_json(data: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    """Hex SHA-256 of a UTF-8 string."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_yaml(path: str | Path) -> dict:
    """Read a YAML definition file into plain data."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DefinitionError([f"the file is not valid YAML ({exc})"], str(path)) from exc
    if not isinstance(data, dict):
        raise DefinitionError(["the file does not contain a mapping"], str(path))
    return data


def schema_problems(data: dict) -> list[str]:
    """Every schema violation as '<where>: <message>'."""
    validator = jsonschema.Draft202012Validator(schema())
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        problems.append(f"{where}: {error.message}")
    return problems


def parse(data: dict, source: str = "") -> Definition:
    """Validate plain data against the schema and build an immutable Definition."""
    problems = schema_problems(data)
    if problems:
        raise DefinitionError(problems, source)
    canonical = canonical_json(data)
    states: dict[str, State] = {}
    for name, raw in data["states"].items():
        _parse_state(name, name, raw, None, None, states)
    return Definition(
        id=data["id"],
        version=data["version"],
        initial=data["initial"],
        title=data.get("title", {}),
        roles={n: Role(n, r.get("resolver"), r.get("group")) for n, r in data["roles"].items()},
        states=states,
        top=tuple(data["states"]),
        global_transitions=tuple(_transition(t, "*") for t in data.get("transitions", [])),
        event_titles={e: v.get("title", {}) for e, v in data.get("events", {}).items()},
        canonical=canonical,
        sha256=sha256_hex(canonical),
    )


def load(path: str | Path) -> Definition:
    """Load, validate and parse a definition file."""
    return parse(load_yaml(path), str(path))


@functools.lru_cache(maxsize=256)
def from_canonical(canonical: str) -> Definition:
    """Parse a stored canonical JSON definition (cached: definitions are immutable)."""
    return parse(json.loads(canonical))


def _parse_state(name, path, raw, parent, region, out: dict[str, State]) -> None:
    raw = raw or {}
    regions = []
    for rname, rraw in (raw.get("regions") or {}).items():
        rpath = f"{path}.{rname}"
        regions.append(Region(rname, rpath, rraw["initial"], tuple(rraw["states"])))
        for sname, sraw in rraw["states"].items():
            _parse_state(sname, f"{rpath}.{sname}", sraw, path, rname, out)
    on_done = raw.get("on_done")
    out[path] = State(
        name=name,
        path=path,
        kind=raw.get("type", "normal"),
        parent=parent,
        region=region,
        title=raw.get("title", {}),
        on_enter=_calls(raw.get("on_enter")),
        on_exit=_calls(raw.get("on_exit")),
        transitions=tuple(_transition(t, path) for t in raw.get("transitions", [])),
        timers=tuple(_timer(t) for t in raw.get("timers", [])),
        regions=tuple(regions),
        on_done=_transition({"event": "done", **on_done}, path) if on_done else None,
    )


def _calls(items) -> tuple[Call, ...]:
    return tuple(Call(n, p or {}) for item in items or () for n, p in item.items())


def _guards(raw) -> tuple[Call, ...]:
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    return tuple(Call(i, {}) if isinstance(i, str) else _calls([i])[0] for i in items)


def _transition(raw: dict, source: str) -> Transition:
    return Transition(
        event=raw["event"],
        to=raw["to"],
        source=source,
        allowed=tuple(raw.get("allowed", ())),
        guards=_guards(raw.get("guard")),
        require=tuple(raw.get("require", ())),
        actions=_calls(raw.get("actions")),
    )


def _timer(raw: dict) -> Timer:
    at = raw.get("at") or {}
    repeat = raw.get("repeat") or {}
    return Timer(
        id=raw["id"],
        after=raw.get("after"),
        at_date=at.get("date"),
        at_offset=at.get("offset"),
        at_time=at.get("time"),
        business=raw.get("business", False),
        repeat_every=repeat.get("every"),
        repeat_max=repeat.get("max", 0),
        to=raw.get("to"),
        interrupting=raw.get("interrupting", raw.get("to") is not None),
        actions=_calls(raw.get("actions")),
    )
