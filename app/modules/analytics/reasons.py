"""Why people left, by reason group and reason over time: interview-confirmed reasons first."""
from __future__ import annotations

import functools
from collections import Counter, defaultdict

from app.modules.analytics.departures import Departure
from app.modules.analytics.periods import Period, month_index

UNKNOWN = "unknown"


def confirmed_reasons(separation_ids) -> dict[int, list[str]]:
    """Reasons confirmed in exit interviews, by separation id (primary first)."""
    from app.modules.interviews.operations import confirmed_reasons as confirmed

    return confirmed(separation_ids)


@functools.lru_cache(maxsize=1)
def _taxonomy():
    try:
        from app.modules.employees.reasons import load_reasons

        return load_reasons()
    except (ImportError, ValueError):
        return None


def reason_group(code: str | None) -> str:
    """The taxonomy group of a reason code ("personal", "internal", ...), or "unknown"."""
    taxonomy = _taxonomy()
    if not code or taxonomy is None or code not in taxonomy:
        return UNKNOWN
    return taxonomy.group_of(code)


def reason_label(code: str, locale: str, group: bool = False) -> str:
    """The reason's (or group's) label in the locale, or the code itself."""
    taxonomy = _taxonomy()
    try:
        if taxonomy is not None and code != UNKNOWN:
            return taxonomy.group_label(code, locale) if group else taxonomy.label(code, locale)
    except (KeyError, ValueError):
        pass
    return code


def primary_reasons(departures: list[Departure]) -> dict[int, tuple[str | None, str]]:
    """{separation id: (primary reason, "confirmed" | "filed")}."""
    confirmed = confirmed_reasons([d.id for d in departures])
    out = {}
    for d in departures:
        if confirmed.get(d.id):
            out[d.id] = (confirmed[d.id][0], "confirmed")
        else:
            out[d.id] = (d.primary_reason or (d.reason_codes[0] if d.reason_codes else None), "filed")
    return out


def reason_mix(departures: list[Departure], periods: list[Period], by: str = "group") -> dict:
    """{period label: Counter(reason group or code)} plus how many reasons were confirmed."""
    by_month = {m: p.label for p in periods for m in range(p.first, p.last + 1)}
    mix: dict = defaultdict(Counter)
    sources = Counter()
    primaries = primary_reasons(departures)
    for d in departures:
        label = by_month.get(month_index(d.last_day))
        if label is None:
            continue
        code, source = primaries[d.id]
        sources[source] += 1
        mix[label][reason_group(code) if by == "group" else (code or UNKNOWN)] += 1
    return {"mix": dict(mix), "sources": dict(sources)}
