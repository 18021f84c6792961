"""Departure contagion (离职传染效应): departures that cluster in a team after a first one."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.modules.analytics.departures import Departure


@dataclass(frozen=True)
class Cluster:
    team: str
    first: Departure
    chain: tuple  # every departure in the window, the first included, by date

    @property
    def size(self) -> int:
        return len(self.chain)


def find_clusters(departures: list[Departure], window_days: int = 30, min_size: int = 3,
                  voluntary_only: bool = False) -> list[Cluster]:
    """Per team (department), a first departure and everyone who left within `window_days`
    after it; flagged when the chain has at least `min_size` people. Chains do not overlap:
    the next chain starts at the first departure after the window."""
    if window_days < 1 or min_size < 2:
        raise ValueError("the window must be at least 1 day and a cluster at least 2 people")
    teams: dict = {}
    for d in sorted(departures, key=lambda d: (d.last_day, d.id)):
        if voluntary_only and not d.voluntary:
            continue
        teams.setdefault(d.department_code, []).append(d)
    clusters = []
    for team, items in teams.items():
        i = 0
        while i < len(items):
            limit = items[i].last_day + timedelta(days=window_days)
            j = i
            while j + 1 < len(items) and items[j + 1].last_day <= limit:
                j += 1
            if j - i + 1 >= min_size:
                clusters.append(Cluster(team, items[i], tuple(items[i:j + 1])))
            i = j + 1
    return sorted(clusters, key=lambda c: (-c.size, c.first.last_day))
