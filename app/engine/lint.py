"""Lint definitions (DESIGN.md rule 7); each problem names the file, the state and says why."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path

from app.engine.definition import Call, Definition, DefinitionError, load_yaml, parse
from app.engine.registry import Registry


@dataclass(frozen=True)
class Problem:
    file: str
    state: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.state}: {self.message}"


def definition_files(paths) -> list[Path]:
    """Files named directly, plus the workflow definitions directly inside directories.

    A directory may hold other YAML data (workflows/reasons.yaml); only files declaring
    `schema: sendoff-workflow/...` are definitions.
    """
    files: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            files.append(path)
            continue
        for file in sorted(path.glob("*.yaml")):
            head = file.read_text(encoding="utf-8")
            if any(line.startswith("schema: sendoff-workflow/") for line in head.splitlines()):
                files.append(file)
    return files


def lint_paths(paths, registry: Registry) -> list[Problem]:
    """Lint definition files and the definitions inside directories."""
    problems: list[Problem] = []
    for file in definition_files(paths):
        problems.extend(lint_file(file, registry))
    return problems


def lint_file(path, registry: Registry) -> list[Problem]:
    """Lint one definition file."""
    try:
        data = load_yaml(path)
    except DefinitionError as exc:
        return [Problem(str(path), "-", p) for p in exc.problems]
    return lint_data(data, str(path), registry)


def lint_data(data: dict, source: str, registry: Registry) -> list[Problem]:
    """Lint plain definition data: schema first, then structure and names."""
    try:
        defn = parse(data, source)
    except DefinitionError as exc:
        return [Problem(source, _where(p), f"does not match the schema: {p}") for p in exc.problems]
    checker = _Linter(defn, source, registry)
    checker.run()
    return checker.problems


def _where(problem: str) -> str:
    parts = problem.split(":", 1)[0].split("/")
    return parts[1] if len(parts) > 1 and parts[0] == "states" else "-"


class _Linter:
    def __init__(self, defn: Definition, source: str, registry: Registry) -> None:
        self.defn, self.source, self.registry = defn, source, registry
        self.problems: list[Problem] = []

    def say(self, state: str, message: str) -> None:
        self.problems.append(Problem(self.source, state, message))

    def run(self) -> None:
        self.check_roles()
        if self.defn.initial not in self.defn.top:
            self.say("-", f"the initial state '{self.defn.initial}' is not defined.")
        for transition in self.defn.global_transitions:
            self.check_transition("(any state)", transition, None)
        for path, state in self.defn.states.items():
            self.check_state(path, state)
        self.check_graph()

    def check_roles(self) -> None:
        for role in self.defn.roles.values():
            if role.resolver and not self.registry.has("role", role.resolver):
                self.say("-", f"role '{role.name}' uses the resolver '{role.resolver}', "
                              "which is not registered.")

    def check_state(self, path: str, state) -> None:
        if state.is_final and (state.transitions or state.timers or state.regions):
            self.say(path, "is final but has transitions, timers or regions; "
                           "a final state cannot be left.")
        if state.is_parallel:
            self.check_parallel(path, state)
        elif state.regions:
            self.say(path, "has regions but is not 'type: parallel'.")
        if state.parent and state.is_parallel:
            self.say(path, "is a parallel state inside a region; nesting is not supported.")
        for call in (*state.on_enter, *state.on_exit):
            self.check_call("action", path, call)
        for transition in state.transitions:
            self.check_transition(path, transition, state)
        for timer in state.timers:
            self.check_timer(path, state, timer)

    def check_parallel(self, path: str, state) -> None:
        if len(state.regions) < 2:
            self.say(path, "is parallel but has fewer than two regions.")
        if state.on_done is None:
            self.say(path, "is parallel but has no 'on_done'; the case would never leave it.")
        else:
            self.check_target(path, state.on_done.to, None)
            for call in state.on_done.actions:
                self.check_call("action", path, call)
        for region in state.regions:
            if region.initial not in region.states:
                self.say(region.path, f"the initial state '{region.initial}' is not in the region.")
            if not any(self.defn.state(f"{region.path}.{s}").is_final for s in region.states):
                self.say(region.path, "has no final state, so the join can never happen.")

    def check_transition(self, path: str, transition, state) -> None:
        if not transition.allowed:
            self.say(path, f"event '{transition.event}' does not say which roles are allowed.")
        for role in transition.allowed:
            if role not in self.defn.roles:
                self.say(path, f"event '{transition.event}' allows the role '{role}', "
                               "which is not declared under 'roles'.")
        self.check_target(path, transition.to, state, transition.event)
        for call in transition.guards:
            self.check_call("guard", path, call)
        for call in transition.actions:
            self.check_call("action", path, call)

    def check_timer(self, path: str, state, timer) -> None:
        if timer.interrupting and not timer.to:
            self.say(path, f"timer '{timer.id}' is interrupting but has no 'to' state.")
        if timer.to and not timer.interrupting:
            self.say(path, f"timer '{timer.id}' names a 'to' state but is not interrupting; "
                           "drop 'to' or set 'interrupting: true'.")
        if timer.to:
            self.check_target(path, timer.to, state, f"timer:{timer.id}")
        if timer.at_date and not self.registry.has("date", timer.at_date):
            self.say(path, f"timer '{timer.id}' counts from the date '{timer.at_date}', "
                           "which no registered date resolver provides.")
        for call in timer.actions:
            self.check_call("action", path, call)

    def check_target(self, path: str, target: str, state, event: str = "on_done") -> None:
        if self.resolve(state, target) is None:
            self.say(path, f"'{event}' goes to '{target}', which does not exist.")

    def check_call(self, kind: str, path: str, call: Call) -> None:
        if not self.registry.has(kind, call.name):
            self.say(path, f"the {kind} '{call.name}' is not registered.")
            return
        for problem in self.registry.param_problems(kind, call.name, call.params):
            self.say(path, f"the {kind} '{call.name}' has a wrong parameter: {problem}.")

    def resolve(self, state, target: str) -> str | None:
        if state is not None and state.parent is not None:
            local = f"{state.parent}.{state.region}.{target}"
            if local in self.defn.states:
                return local
        return target if target in self.defn.top else None

    def edges(self) -> dict[str, set[str]]:
        graph: dict[str, set[str]] = {p: set() for p in self.defn.states}
        for path, state in self.defn.states.items():
            targets = [t.to for t in state.transitions]
            targets += [t.to for t in state.timers if t.to and t.interrupting]
            for target in targets:
                resolved = self.resolve(state, target)
                if resolved:
                    graph[path].add(resolved)
            for region in state.regions:
                graph[path].add(f"{region.path}.{region.initial}")
                if state.on_done and state.on_done.to in self.defn.top:
                    for name in region.states:
                        if self.defn.state(f"{region.path}.{name}").is_final:
                            graph[f"{region.path}.{name}"].add(state.on_done.to)
        return graph

    def check_graph(self) -> None:
        graph = self.edges()
        reachable = _closure(graph, [self.defn.initial] if self.defn.initial in graph else [])
        if reachable:
            reachable |= _closure(graph, [self.resolve(None, t.to) or "" for t in
                                          self.defn.global_transitions if t.to in graph])
        for path in self.defn.states:
            if path not in reachable:
                self.say(path, "cannot be reached from the initial state.")
        finals = {p for p in self.defn.top if self.defn.state(p).is_final}
        reverse: dict[str, set[str]] = {p: set() for p in graph}
        for source, targets in graph.items():
            for target in targets:
                reverse[target].add(source)
        finishing = _closure(reverse, finals)
        for path, state in self.defn.states.items():
            if not state.is_final and path not in finishing:
                self.say(path, "is a dead end: no way leads from it to a final state.")
        if not finals:
            self.say("-", "there is no top-level final state, so a case can never end.")


def _closure(graph: dict[str, set[str]], starts) -> set[str]:
    seen = set(starts)
    queue = deque(seen)
    while queue:
        for nxt in graph.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
