"""Pure semantics: (definition, configuration, actor's roles, event, payload) -> decision.

A configuration is the tuple of active leaf state paths: ("supervisor_review",) or
("handover.leaver.pending", "handover.receiver.signed"). No I/O happens here: the
caller passes `has_role(role) -> bool` and `check_guard(call) -> True | reason`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.engine.definition import Call, Definition, Timer, Transition
from app.engine.errors import Refusal

Config = tuple[str, ...]
HasRole = Callable[[str], bool]
CheckGuard = Callable[[Call], Any]


@dataclass(frozen=True)
class Step:
    """An action to run, with the state whose definition it came from."""

    call: Call
    state_path: str | None


@dataclass(frozen=True)
class Decision:
    """An accepted event: the new configuration and everything the runtime must do."""

    event: str
    transition: Transition
    source: Config
    target: Config
    exited: tuple[str, ...]
    entered: tuple[str, ...]
    steps: tuple[Step, ...]
    signatures: tuple[str, ...]
    joined: str | None
    finished: bool


def enter_state(defn: Definition, name: str) -> tuple[Config, tuple[str, ...]]:
    """Leaves and entered paths (outer first) when entering top-level state `name`."""
    state = defn.state(name)
    if not state.is_parallel:
        return (name,), (name,)
    leaves = tuple(f"{r.path}.{r.initial}" for r in state.regions)
    return leaves, (name, *leaves)


def initial_configuration(defn: Definition) -> tuple[Config, tuple[Step, ...]]:
    """The configuration of a new instance and the on_enter steps to run."""
    leaves, entered = enter_state(defn, defn.initial)
    return leaves, _enter_steps(defn, entered)


def top_state(config: Config) -> str:
    """The top-level state of a configuration."""
    return config[0].split(".", 1)[0]


def active_paths(defn: Definition, config: Config) -> tuple[str, ...]:
    """Every active state path, parents before their leaves."""
    top = top_state(config)
    return (top,) if config == (top,) else (top, *config)


def is_finished(defn: Definition, config: Config) -> bool:
    """True when the instance rests in a top-level final state."""
    return len(config) == 1 and defn.state(config[0]).is_final and "." not in config[0]


def candidates(defn: Definition, config: Config) -> list[Transition]:
    """Transitions available from the configuration, innermost first, globals last."""
    found: list[Transition] = []
    for leaf in config:
        if "." in leaf:
            found.extend(defn.state(leaf).transitions)
    top = defn.state(top_state(config))
    found.extend(top.transitions)
    if not top.is_final:
        found.extend(defn.global_transitions)
    return found


def missing_fields(transition: Transition, payload: dict | None) -> list[str]:
    """Required fields the payload leaves empty."""
    payload = payload or {}
    return [f for f in transition.require if payload.get(f) in (None, "", [], {})]


def decide(
    defn: Definition,
    config: Config,
    event: str,
    *,
    has_role: HasRole,
    check_guard: CheckGuard,
    payload: dict | None = None,
) -> Decision | Refusal:
    """Decide whether `event` applies and what it does; never raises for a refusal."""
    if is_finished(defn, config):
        return Refusal("final_state", "The case is closed; nothing more can happen.",
                       {"state": config[0]})
    matching, applied = _memo(defn, config, event)
    if not matching:
        return Refusal("unknown_event", f"'{event}' is not possible in the current state.",
                       {"event": event, "states": list(config)})
    permitted = [(i, t) for i, t in enumerate(matching)
                 if not t.allowed or any(has_role(r) for r in t.allowed)]
    if not permitted:
        roles = sorted({r for t in matching for r in t.allowed})
        return Refusal("not_allowed", f"Only {', '.join(roles)} may do '{event}'.",
                       {"event": event, "roles": roles})
    first_refusal: Refusal | None = None
    for index, transition in permitted:
        refusal = _check(transition, payload, check_guard)
        if refusal is None:
            decision = applied.get(index)
            if decision is None:
                decision = applied[index] = apply(defn, config, transition)
            return decision
        first_refusal = first_refusal or refusal
    return first_refusal


# What an event can do from a configuration depends only on the definition, which never
# changes for a given sha256: the candidate transitions and the decision of each are
# computed once per (definition, configuration, event). Roles, fields and guards are
# still checked on every call. Decisions are immutable, so sharing them is safe.
_MEMO: dict[tuple[str, Config, str], tuple[tuple[Transition, ...], dict[int, Decision]]] = {}
_MEMO_LIMIT = 50_000


def _memo(defn: Definition, config: Config, event: str):
    key = (defn.sha256, config if type(config) is tuple else tuple(config), event)
    found = _MEMO.get(key)
    if found is None:
        if len(_MEMO) >= _MEMO_LIMIT:
            _MEMO.clear()
        found = _MEMO[key] = (
            tuple(t for t in candidates(defn, config) if t.event == event), {})
    return found


def _check(transition: Transition, payload, check_guard: CheckGuard) -> Refusal | None:
    missing = missing_fields(transition, payload)
    if missing:
        return Refusal("missing_field", f"Please fill in: {', '.join(missing)}.",
                       {"fields": missing})
    for guard in transition.guards:
        result = check_guard(guard)
        if result is not True:
            reason = f"The check '{guard.name}' failed." if result in (False, None) else result
            return Refusal("guard_failed", reason, {"guard": guard.name})
    return None


def apply(defn: Definition, config: Config, transition: Transition) -> Decision:
    """Apply a transition already known to be allowed."""
    source_state = defn.state(transition.source) if transition.source != "*" else None
    if source_state is not None and source_state.parent is not None:
        local = f"{source_state.parent}.{source_state.region}.{transition.to}"
        if local in defn.states:
            return _apply_in_region(defn, config, transition, local)
    return _apply_top(defn, config, transition)


def _exit_all(defn: Definition, config: Config) -> tuple[str, ...]:
    leaves = tuple(p for p in config if "." in p)
    return (*leaves, top_state(config))


def _apply_top(defn: Definition, config: Config, transition: Transition,
               extra_before: tuple[Step, ...] = ()) -> Decision:
    exited = _exit_all(defn, config)
    leaves, entered = enter_state(defn, transition.to)
    context = transition.source if transition.source != "*" else top_state(config)
    steps = (
        *extra_before,
        *_exit_steps(defn, exited),
        *(Step(c, context) for c in transition.actions),
        *_enter_steps(defn, entered),
    )
    return Decision(transition.event, transition, config, leaves, exited, entered, steps,
                    (), None, is_finished(defn, leaves))


def _apply_in_region(defn: Definition, config: Config, transition: Transition,
                     target: str) -> Decision:
    source = transition.source
    new_config = tuple(target if p == source else p for p in config)
    steps = (
        *_exit_steps(defn, (source,)),
        *(Step(c, source) for c in transition.actions),
        *_enter_steps(defn, (target,)),
    )
    target_state = defn.state(target)
    signatures = (f"{target_state.parent}.{target_state.region}",) if target_state.is_final else ()
    parallel = defn.state(target_state.parent)
    if signatures and all(defn.state(p).is_final for p in new_config):
        join = apply(defn, new_config, parallel.on_done)
        return Decision(transition.event, transition, config, join.target,
                        (source, *join.exited), (target, *join.entered), steps + join.steps,
                        signatures, parallel.path, join.finished)
    return Decision(transition.event, transition, config, new_config, (source,), (target,),
                    steps, signatures, None, False)


def timer_transition(state_path: str, timer: Timer) -> Transition:
    """The synthetic transition a timer fires (a self-loop without exit when not interrupting)."""
    name = state_path.rsplit(".", 1)[-1]
    return Transition(event=f"timer:{timer.id}", to=timer.to or name, source=state_path,
                      actions=timer.actions)


def decide_timer(defn: Definition, config: Config, state_path: str, timer_id: str) -> Decision | None:
    """What a due timer does, or None when its state is no longer active."""
    if state_path not in active_paths(defn, config) or is_finished(defn, config):
        return None
    timer = next((t for t in defn.state(state_path).timers if t.id == timer_id), None)
    if timer is None:
        return None
    transition = timer_transition(state_path, timer)
    if timer.interrupting and timer.to:
        return apply(defn, config, transition)
    steps = tuple(Step(c, state_path) for c in timer.actions)
    return Decision(transition.event, transition, config, config, (), (), steps, (), None, False)


def _exit_steps(defn: Definition, exited) -> tuple[Step, ...]:
    return tuple(Step(c, p) for p in exited for c in defn.state(p).on_exit)


def _enter_steps(defn: Definition, entered) -> tuple[Step, ...]:
    return tuple(Step(c, p) for p in entered for c in defn.state(p).on_enter)
