"""Who plays which demo case: chosen from the simulated company, not from the database, so
the choice is the same on every run (archived leavers drop out of the active staff, the
cast does not change) and a second `flask demo load` finds every case already there.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

from app.demo.history import Person

# No demo case gave notice longer ago than this: before it, the settled staff were past probation.
EARLIEST_NOTICE = timedelta(days=90)


@dataclass(frozen=True)
class Cast:
    """The employee numbers of a case's leaver and of the colleague who takes the work over."""

    leaver: str
    successor: str | None


def cast_people(wanted: Iterable[tuple[str, str]], people: Iterable[Person],
                supervisor_no: str | None, seed: int, today: date) -> dict[str, Cast]:
    """{case key: Cast} for (case key, pool) pairs; a case is left out when its pool runs dry.

    Leavers are current staff without reports and without a login; the supervisor
    login's team gets the cases of the "team" pool. Successors are teammates who stay.
    """
    current = [p for p in people if p.departure is None]
    managers = {p.manager_no for p in current if p.manager_no}
    staff = sorted((p for p in current if not p.pinned and p.manager_no
                    and p.employee_no not in managers and _seated(p, today)),
                   key=lambda p: p.employee_no)
    pools = _pools(staff, supervisor_no, seed, today)
    settled = [p for p in staff if _settled(p, today)]
    taken: set[str] = set()  # leavers
    kept: set[str] = set()  # colleagues taking work over: they do not leave
    cast: dict[str, Cast] = {}
    for key, pool in wanted:
        for person in pools[pool]:
            if person.employee_no in taken or person.employee_no in kept:
                continue
            stays = [p for p in settled if p.employee_no not in taken and p is not person]
            successor = _successor(person, stays)
            if successor is not None:  # every leaver has a teammate to hand over to
                taken.add(person.employee_no)
                kept.add(successor)
                cast[key] = Cast(person.employee_no, successor)
                break
    return cast


def _seated(person: Person, today: date) -> bool:
    # The history moves people between seats up to today; a case's leaver (or successor) must
    # hold their seat since before the case's notice, or the departure would end an
    # assignment that began after the last day. A hire's seat is as old as the person.
    seat = person.spells[-1]
    return seat.start_kind == "hire" or seat.start < today - EARLIEST_NOTICE


def _in_probation(person: Person, today: date) -> bool:
    return person.probation_end is not None and person.probation_end >= today


def _settled(person: Person, today: date) -> bool:
    return person.probation_end is None or person.probation_end < today - EARLIEST_NOTICE


def _pools(staff: list[Person], supervisor_no: str | None, seed: int,
           today: date) -> dict[str, list[Person]]:
    settled = [p for p in staff if _settled(p, today)]
    others = [p for p in settled if p.manager_no != supervisor_no]
    Random(seed).shuffle(others)  # spread the cases over the departments
    return {
        "team": [p for p in settled if supervisor_no and p.manager_no == supervisor_no],
        "others": others,
        "probation": [p for p in staff if _in_probation(p, today)],
        "expiring": sorted((p for p in settled if p.contract_type == "fixed" and p.contract_end
                            and p.contract_end > today),
                           key=lambda p: (p.contract_end, p.employee_no)),
        "senior": sorted(settled, key=lambda p: (p.birth_date, p.employee_no)),
    }


def _successor(leaver: Person, settled: list[Person]) -> str | None:
    """The first teammate (same manager) who is not leaving."""
    return next((p.employee_no for p in settled if p.manager_no == leaver.manager_no), None)
