"""Who plays the demo cases: people whose history makes the case possible on any load day."""
from datetime import date, timedelta

from app.demo.casting import cast_people
from app.demo.company import SeatSpec
from app.demo.history import Person, Spell

TODAY = date(2028, 1, 7)


def _person(no: str, hired: date, *, moved: date | None = None) -> Person:
    seat = SeatSpec(key=f"S-{no}", department="COL1", position="collector", grade="P1", wage=4000,
                    manager="S-lead", kind="collector")
    spells = [Spell(seat, hired)]
    if moved:
        spells.append(Spell(seat, moved, start_kind="transfer"))
    return Person(index=int(no[2:]), name=no, female=True, birth_date=date(1990, 1, 1),
                  hire_date=hired, spells=spells, probation_end=hired + timedelta(days=60),
                  employee_no=no, manager_no="ZN00001")


def test_a_colleague_who_changed_seat_after_the_notice_window_plays_no_case():
    moved_lately = _person("ZN00010", date(2024, 3, 1), moved=TODAY - timedelta(days=5))
    settled = [_person(f"ZN000{n}", date(2024, 3, 1)) for n in (20, 21, 22)]
    cast = cast_people([("case", "others")], [moved_lately, *settled], None, 1, TODAY)
    assert cast["case"].leaver != "ZN00010"
    assert cast["case"].successor != "ZN00010"


def test_a_colleague_who_changed_seat_long_ago_may_leave():
    moved_long_ago = _person("ZN00010", date(2024, 3, 1), moved=TODAY - timedelta(days=200))
    cast = cast_people([("case", "others")], [moved_long_ago, _person("ZN00020", date(2024, 3, 1))],
                       None, 1, TODAY)
    assert {cast["case"].leaver, cast["case"].successor} == {"ZN00010", "ZN00020"}
