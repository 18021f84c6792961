"""The reason taxonomy: why people leave, grouped, in both languages (workflows/taxonomy/reasons.yaml)."""
from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from app.config import ROOT

LANGUAGES = ("zh_CN", "en")
FILE_NAME = "taxonomy/reasons.yaml"


class ReasonsFileError(ValueError):
    """The taxonomy file is missing, malformed or incomplete."""


class UnknownReasonError(ValueError):
    """One or more reason codes are not in the taxonomy."""

    def __init__(self, codes: Iterable[str]) -> None:
        self.codes = tuple(codes)
        super().__init__(f"unknown reason code(s): {', '.join(self.codes)}")


@dataclass(frozen=True)
class Reason:
    code: str
    group: str
    labels: dict[str, str]


@dataclass(frozen=True)
class Group:
    code: str
    labels: dict[str, str]
    voluntary: bool


def _language(locale: str | None) -> str:
    """Map "zh", "zh-CN", "zh_Hans" and friends to zh_CN; anything else to en."""
    return "zh_CN" if (locale or "").lower().startswith("zh") else "en"


@dataclass(frozen=True)
class Taxonomy:
    """Reason groups and codes, in file order."""

    groups: tuple[Group, ...]
    reasons: tuple[Reason, ...]

    @functools.cached_property
    def _by_code(self) -> dict[str, Reason]:
        return {reason.code: reason for reason in self.reasons}

    @functools.cached_property
    def _groups_by_code(self) -> dict[str, Group]:
        return {group.code: group for group in self.groups}

    @property
    def codes(self) -> tuple[str, ...]:
        """Every reason code, in file order."""
        return tuple(reason.code for reason in self.reasons)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def _reason(self, code: str) -> Reason:
        try:
            return self._by_code[code]
        except KeyError:
            raise UnknownReasonError([code]) from None

    def group_of(self, code: str) -> str:
        """The group code ("personal", "internal", ...) a reason belongs to."""
        return self._reason(code).group

    def is_voluntary(self, code: str) -> bool:
        """True when the reason's group describes the employee's own choice."""
        return self._groups_by_code[self.group_of(code)].voluntary

    def label(self, code: str, locale: str | None = "zh_CN") -> str:
        """The reason's label in the locale's language."""
        return self._reason(code).labels[_language(locale)]

    def group_label(self, group: str, locale: str | None = "zh_CN") -> str:
        """The group's label in the locale's language."""
        return self._groups_by_code[group].labels[_language(locale)]

    def choices(self, locale: str | None = "zh_CN", groups: Iterable[str] | None = None,
                ) -> list[tuple[str, str]]:
        """(code, label) pairs for a select field, optionally limited to some groups."""
        wanted = set(groups) if groups is not None else None
        return [(r.code, r.labels[_language(locale)]) for r in self.reasons
                if wanted is None or r.group in wanted]

    def grouped_choices(self, locale: str | None = "zh_CN") -> dict[str, list[tuple[str, str]]]:
        """{group label: [(code, label), ...]}: WTForms renders this as <optgroup>s."""
        return {self.group_label(g.code, locale): self.choices(locale, [g.code])
                for g in self.groups}

    def validate(self, codes: Iterable[str]) -> list[str]:
        """Return the codes as a list, or raise UnknownReasonError naming every unknown one."""
        codes = list(codes)
        unknown = [code for code in codes if code not in self._by_code]
        if unknown:
            raise UnknownReasonError(unknown)
        return codes


def default_path() -> Path:
    """taxonomy/reasons.yaml in the configured WORKFLOWS_DIR; the repository's outside an app."""
    from flask import current_app, has_app_context

    if has_app_context():
        return Path(current_app.config.get("WORKFLOWS_DIR", ROOT / "workflows")) / FILE_NAME
    return ROOT / "workflows" / FILE_NAME


def load_reasons(path: str | Path | None = None) -> Taxonomy:
    """Read and check the taxonomy; cached until the file changes."""
    path = Path(path) if path is not None else default_path()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise ReasonsFileError(f"{path}: cannot read the reason taxonomy ({exc})") from exc
    return _load(str(path), mtime)


@functools.lru_cache(maxsize=8)
def _load(path: str, _mtime: int) -> Taxonomy:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ReasonsFileError(f"{path}: not valid YAML ({exc})") from exc
    return parse_reasons(data, path)


def parse_reasons(data: object, source: str = "reasons") -> Taxonomy:
    """Build a Taxonomy from plain data, listing every problem at once."""
    problems: list[str] = []
    groups: list[Group] = []
    reasons: list[Reason] = []
    raw_groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(raw_groups, dict) or not raw_groups:
        raise ReasonsFileError(f"{source}: expected a non-empty `groups:` mapping")
    for group_code, raw in raw_groups.items():
        group, group_reasons = _parse_group(str(group_code), raw, problems)
        if group is not None:
            groups.append(group)
            reasons.extend(group_reasons)
    seen: set[str] = set()
    for reason in reasons:
        if reason.code in seen:
            problems.append(f"reason {reason.code!r} appears in more than one group")
        seen.add(reason.code)
    if problems:
        raise ReasonsFileError(f"{source}: " + "; ".join(problems))
    return Taxonomy(tuple(groups), tuple(reasons))


def _parse_group(code: str, raw: object, problems: list[str]) -> tuple[Group | None, list[Reason]]:
    if not isinstance(raw, dict):
        problems.append(f"group {code!r} must be a mapping")
        return None, []
    labels = _labels(raw.get("label"), f"group {code!r}", problems)
    if not isinstance(raw.get("voluntary"), bool):
        problems.append(f"group {code!r} needs `voluntary: true` or `voluntary: false`")
    raw_reasons = raw.get("reasons")
    if not isinstance(raw_reasons, dict) or not raw_reasons:
        problems.append(f"group {code!r} needs a non-empty `reasons:` mapping")
        raw_reasons = {}
    reasons = [Reason(str(rc), code, _labels(rl, f"reason {rc!r}", problems))
               for rc, rl in raw_reasons.items()]
    return Group(code, labels, bool(raw.get("voluntary"))), reasons


def _labels(raw: object, where: str, problems: list[str]) -> dict[str, str]:
    if not isinstance(raw, dict):
        problems.append(f"{where} needs labels for {', '.join(LANGUAGES)}")
        return {}
    missing = [lang for lang in LANGUAGES if not str(raw.get(lang) or "").strip()]
    if missing:
        problems.append(f"{where} has no label for {', '.join(missing)}")
    return {lang: str(raw.get(lang) or "") for lang in LANGUAGES}
