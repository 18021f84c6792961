"""Pictures of a definition: Mermaid stateDiagram-v2 text and Graphviz SVG."""
from __future__ import annotations

import shutil
import subprocess

from app.engine.definition import Definition


def _label(defn: Definition, transition) -> str:
    roles = f" [{', '.join(transition.allowed)}]" if transition.allowed else ""
    return f"{transition.event}{roles}"


def _node(path: str) -> str:
    return path.replace(".", "__")


def mermaid(defn: Definition) -> str:
    """Mermaid stateDiagram-v2 source for a definition."""
    lines = ["stateDiagram-v2", f"    [*] --> {defn.initial}"]
    for name in defn.top:
        lines.extend(_mermaid_state(defn, name, "    "))
    if defn.global_transitions:
        for transition in defn.global_transitions:
            lines.append(f"    note right of {transition.to}: {_label(defn, transition)} "
                         "from any open state")
    return "\n".join(lines) + "\n"


def _mermaid_state(defn: Definition, name: str, indent: str) -> list[str]:
    state = defn.state(name)
    lines = []
    if state.is_final:
        lines.append(f"{indent}{name} --> [*]")
    for transition in state.transitions:
        lines.append(f"{indent}{name} --> {transition.to}: {_label(defn, transition)}")
    for timer in state.timers:
        if timer.to and timer.interrupting:
            lines.append(f"{indent}{name} --> {timer.to}: timer {timer.id}")
    if state.is_parallel:
        lines.append(f"{indent}state {name} {{")
        for index, region in enumerate(state.regions):
            if index:
                lines.append(f"{indent}    --")
            lines.extend(_mermaid_region(defn, region, indent + "    "))
        lines.append(f"{indent}}}")
        if state.on_done:
            lines.append(f"{indent}{name} --> {state.on_done.to}: all regions done")
    return lines


def _mermaid_region(defn: Definition, region, indent: str) -> list[str]:
    lines = [f"{indent}[*] --> {_node(region.path + '.' + region.initial)}"]
    for sname in region.states:
        path = f"{region.path}.{sname}"
        state = defn.state(path)
        lines.append(f"{indent}state \"{sname}\" as {_node(path)}")
        if state.is_final:
            lines.append(f"{indent}{_node(path)} --> [*]")
        for transition in state.transitions:
            target = f"{region.path}.{transition.to}"
            target = target if target in defn.states else transition.to
            lines.append(f"{indent}{_node(path)} --> {_node(target)}: {_label(defn, transition)}")
    return lines


def dot(defn: Definition, locale: str = "en") -> str:
    """Graphviz DOT source for a definition."""
    out = ["digraph workflow {", "  rankdir=LR; node [shape=box, style=rounded, fontsize=10];",
           "  edge [fontsize=9]; __start [shape=point];", f"  __start -> {defn.initial};"]
    for name in defn.top:
        state = defn.state(name)
        if state.is_parallel:
            out.append(f"  subgraph cluster_{name} {{ label=\"{defn.state_title(name, locale)}\";")
            out.append(f"    {name} [shape=diamond, label=\"join\"];")
            for region in state.regions:
                for sname in region.states:
                    path = f"{region.path}.{sname}"
                    shape = "doublecircle" if defn.state(path).is_final else "box"
                    out.append(f"    {_node(path)} [label=\"{region.name}: {sname}\", shape={shape}];")
            out.append("  }")
            if state.on_done:
                out.append(f"  {name} -> {state.on_done.to} [label=\"all done\"];")
            for region in state.regions:
                out.append(f"  {name} -> {_node(region.path + '.' + region.initial)} [style=dashed];")
        else:
            shape = "doublecircle" if state.is_final else "box"
            out.append(f"  {name} [label=\"{defn.state_title(name, locale)}\", shape={shape}];")
    for path, state in defn.states.items():
        for transition in state.transitions:
            target = f"{state.parent}.{state.region}.{transition.to}" if state.parent else ""
            target = target if target in defn.states else transition.to
            out.append(f"  {_node(path)} -> {_node(target)} [label=\"{_label(defn, transition)}\"];")
        for timer in state.timers:
            if timer.to and timer.interrupting:
                out.append(f"  {_node(path)} -> {timer.to} [label=\"timer {timer.id}\", style=dotted];")
    out.append("}")
    return "\n".join(out) + "\n"


def svg(defn: Definition, locale: str = "en") -> str:
    """SVG rendered by Graphviz `dot`; raises RuntimeError when dot is missing."""
    binary = shutil.which("dot")
    if binary is None:
        raise RuntimeError("Graphviz 'dot' is not installed (apt-get install graphviz)")
    result = subprocess.run([binary, "-Tsvg"], input=dot(defn, locale).encode("utf-8"),
                            capture_output=True, timeout=30, check=True)
    return result.stdout.decode("utf-8")
