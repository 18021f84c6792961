"""Checklist templates (workflows/checklists/*.yaml): load, lint, choose for a case and merge.

A template applies to every case (`match: all`) or to cases whose position or department
(or a parent department) names one of its keywords. The generic template comes first; a
later template's item with the same `id` replaces the earlier one, new ids are appended.
"""
from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import yaml

from app.modules.handover.models import CATEGORIES, RECEIVER_ROLES

CHECKLISTS = Path(__file__).resolve().parents[3] / "workflows" / "checklists"
SCHEMA_ID = "sendoff-checklist/1"
_TITLE = {"type": "object", "required": ["zh_CN", "en"], "additionalProperties": False,
          "properties": {"zh_CN": {"type": "string", "minLength": 1, "maxLength": 200},
                         "en": {"type": "string", "minLength": 1, "maxLength": 200}}}
_KEYWORDS = {"type": "array", "items": {"type": "string", "minLength": 1}}
SCHEMA = {
    "type": "object", "required": ["schema", "id", "title", "match", "items"],
    "additionalProperties": False,
    "properties": {
        "schema": {"const": SCHEMA_ID},
        "id": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
        "title": _TITLE,
        "match": {"oneOf": [{"const": "all"}, {
            "type": "object", "additionalProperties": False, "minProperties": 1,
            "properties": {"positions": _KEYWORDS, "departments": _KEYWORDS}}]},
        "items": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["id", "title", "category", "receiver"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                "title": _TITLE,
                "category": {"enum": list(CATEGORIES)},
                "receiver": {"enum": list(RECEIVER_ROLES)},
                "due": {"type": "integer", "minimum": -60, "maximum": 30},
                "evidence": {"type": "boolean"}}}}},
}


@dataclass(frozen=True)
class Problem:
    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}"


@dataclass(frozen=True)
class TemplateItem:
    key: str
    title_zh: str
    title_en: str
    category: str
    receiver: str
    due: int  # business days relative to the last working day (0 = that day, -2 = two before)
    evidence: bool
    source: str  # the template it came from


def template_files(paths=None) -> list[Path]:
    """The checklist files named (files or folders), by default every one shipped."""
    found: list[Path] = []
    for raw in paths or [CHECKLISTS]:
        path = Path(raw)
        found += sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    return found


def lint_file(path: Path) -> list[Problem]:
    """Problems with one template file, each as a sentence a person reads."""
    name = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return [Problem(name, "-", f"cannot be read as YAML ({exc.__class__.__name__})")]
    return lint_data(data, name)


def lint_data(data, name: str) -> list[Problem]:
    """Schema problems first; then duplicate item ids."""
    validator = jsonschema.Draft202012Validator(SCHEMA)
    problems = [Problem(name, "/".join(str(p) for p in error.absolute_path) or "-", error.message)
                for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))]
    if problems:
        return problems
    seen: set[str] = set()
    for item in data["items"]:
        if item["id"] in seen:
            problems.append(Problem(name, f"items/{item['id']}", "the item id is used twice"))
        seen.add(item["id"])
    if Path(name).stem != data["id"]:
        problems.append(Problem(name, "id", f"the id {data['id']!r} differs from the file name"))
    return problems


def lint_paths(paths=None) -> list[Problem]:
    """Lint every template file named (default: all shipped), plus a generic one must exist."""
    files = template_files(paths)
    problems = [p for path in files for p in lint_file(path)]
    if paths is None and not any(f.stem == "generic" for f in files):
        problems.append(Problem("generic.yaml", "-", "the generic checklist is missing"))
    return problems


def load_all(folder: Path = CHECKLISTS) -> list[dict]:
    """Every valid template, generic first, then by file name."""
    templates = [copy.deepcopy(t) for t in _valid_templates(*_versions(template_files([folder])))]
    return sorted(templates, key=lambda t: (t["match"] != "all", t["id"]))


def _versions(paths: list[Path]) -> tuple[tuple[str, int], ...]:
    return tuple((str(path), path.stat().st_mtime_ns) for path in paths)


@functools.lru_cache(maxsize=8)
def _valid_templates(*versions: tuple[str, int]) -> tuple[dict, ...]:
    """Parsed and linted once per set of file versions: an edited file is read again."""
    templates = []
    for name, _mtime in versions:
        path = Path(name)
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not lint_data(data, path.name):
            templates.append(data)
    return tuple(templates)


def load_template(name: str = "generic", folder: Path = CHECKLISTS) -> dict:
    """One template by id."""
    return yaml.safe_load((folder / f"{name}.yaml").read_text(encoding="utf-8"))


def _names(text: str, keyword: str) -> bool:
    # Latin keywords match whole words ("IT" must not match "Credit"); Chinese ones any substring.
    if keyword.isascii():
        return re.search(rf"\b{re.escape(keyword.lower())}\b", text.lower()) is not None
    return keyword in text


def _contains_any(texts: list[str], keywords: list[str]) -> bool:
    return any(_names(t, k) for k in keywords for t in texts if t)


def matches(template: dict, positions: list[str], departments: list[str]) -> bool:
    """True when the template applies to a case with these position and department names."""
    rule = template["match"]
    if rule == "all":
        return True
    return (_contains_any(positions, rule.get("positions", []))
            or _contains_any(departments, rule.get("departments", [])))


def merge(templates: list[dict]) -> list[TemplateItem]:
    """Items of the templates in order; a later item with the same id replaces the earlier one."""
    merged: dict[str, TemplateItem] = {}
    for template in templates:
        for raw in template["items"]:
            merged[raw["id"]] = TemplateItem(
                key=raw["id"], title_zh=raw["title"]["zh_CN"], title_en=raw["title"]["en"],
                category=raw["category"], receiver=raw["receiver"], due=raw.get("due", 0),
                evidence=bool(raw.get("evidence", False)), source=template["id"])
    return list(merged.values())


def choose(positions: list[str], departments: list[str], folder: Path = CHECKLISTS,
           names: list[str] | None = None) -> tuple[list[str], list[TemplateItem]]:
    """(template ids used, merged items) for a case; `names` forces the templates."""
    templates = load_all(folder)
    if names:
        chosen = [t for t in templates if t["id"] in names]
    else:
        chosen = [t for t in templates if matches(t, positions, departments)]
    return [t["id"] for t in chosen], merge(chosen)
