"""Simulate two years of the demo company's staffing, month by month, from a fixed seed.

Every seat has one holder at a time. Each month a holder may leave (a hazard that
depends on the job, the season, time in the job and, for one team, a contagion wave);
the seat is then refilled by a hire after a vacancy gap, or by promoting someone from
the team (a transfer). Fixed-term contracts that end are renewed or not (contract
expiry). The output is a list of people with their spells, departure and monthly wages;
`app.demo.loader` writes it through the employee operations.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from random import Random

from app.demo import company
from app.demo.company import NamedPerson, SeatSpec
from app.demo.dates import DemoDates, add_months
from app.modules.employees.operations import pinyin_of

MONTHLY_HAZARD = {"collector": 0.022, "lead": 0.010, "office": 0.009, "manager": 0.004}
# Leavers wait for the Spring Festival bonus (late Jan / Feb) and go in Feb-Apr.
SEASON = {1: 0.6, 2: 1.7, 3: 2.3, 4: 1.3, 5: 1.0, 6: 0.9, 7: 1.2, 8: 1.0, 9: 0.9, 10: 0.8,
          11: 0.8, 12: 0.7}
CONTAGION_FACTOR = 6.0
RENEWAL_REFUSED = 0.18  # share of fixed-term contracts not renewed at expiry
LATERAL_MOVE = 0.08  # share of collector vacancies filled from another team (调组)

# Reason weights for a collection business: pay and pressure first (the journal, part 5).
VOLUNTARY_REASONS = {
    "pay_benefits": 28, "workload": 22, "development": 14, "competition": 12, "environment": 10,
    "family": 7, "career": 6, "management": 6, "health": 4, "policy": 3, "economy": 3,
    "study": 2,
}
CONTAGION_REASONS = {"competition": 30, "management": 25, "environment": 20, "workload": 15,
                     "pay_benefits": 10}
DISMISSAL_REASONS = {"compliance": 40, "misconduct": 30, "performance": 30}

CITY_WAGE_FACTOR = {"hohhot": Decimal("1"), "guangzhou": Decimal("1.25")}
REGIONS = {
    "hohhot": ("150102", "150103", "150104", "150105", "150203", "150602", "152502", "150121"),
    "guangzhou": ("440103", "440104", "440105", "440106", "440111", "430103", "360102"),
}
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


@dataclass
class Spell:
    seat: SeatSpec
    start: date
    end: date | None = None
    start_kind: str = "hire"


@dataclass
class Departure:
    last_day: date
    separation_type: str
    reasons: tuple[str, ...]
    voluntary: bool
    regrettable: bool | None


@dataclass
class Person:
    """One employee of the demo, past or present."""

    index: int
    name: str
    female: bool
    birth_date: date
    hire_date: date
    spells: list[Spell]
    pinned: bool = False  # a named person: never leaves unless scripted
    contract_type: str = "fixed"
    contract_start: date | None = None
    contract_end: date | None = None
    fixed_terms: int = 1
    probation_end: date | None = None
    wage_factor: Decimal = Decimal("1")
    departure: Departure | None = None
    employee_no: str = ""
    manager_no: str | None = None
    email: str = ""
    phone: str = ""
    national_id: str = ""
    wages: list[tuple[date, Decimal]] = field(default_factory=list)
    raise_years: tuple[int, ...] = ()  # the Aprils with a pay raise, up to today

    @property
    def seat(self) -> SeatSpec:
        return self.spells[-1].seat

    @property
    def city(self) -> str:
        return self.seat.city

    def base_wage(self, on: date) -> Decimal:
        """Monthly base on a date: the seat's wage, the person's factor, yearly April raises."""
        seat = next((s.seat for s in reversed(self.spells) if s.start <= on), self.spells[0].seat)
        raises = sum(1 for year in self.raise_years if on >= date(year, 4, 1))
        amount = (Decimal(seat.wage) * self.wage_factor * CITY_WAGE_FACTOR[seat.city]
                  * Decimal("1.04") ** raises / Decimal("1.04") ** len(self.raise_years))
        return amount.quantize(Decimal("10"), ROUND_HALF_UP)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def months_between(start: date, stop: date) -> list[date]:
    """First days of the months from start's month up to and including stop's month."""
    months, current = [], start.replace(day=1)
    while current <= stop:
        months.append(current)
        current = add_months(current, 1)
    return months


def weighted(rng: Random, weights: dict[str, int], k: int) -> tuple[str, ...]:
    """k distinct keys drawn by weight; the first is the primary reason."""
    pool, chosen = dict(weights), []
    for _ in range(min(k, len(pool))):
        key = rng.choices(list(pool), weights=list(pool.values()))[0]
        chosen.append(key)
        del pool[key]
    return tuple(chosen)


class Simulation:
    """Runs the months; `run()` returns every person, numbered and with wages."""

    def __init__(self, seed: int, dates: DemoDates) -> None:
        self.rng = Random(seed)
        self.dates = dates
        self.named_people = company.named_people(dates)
        self.seats = company.build_seats()
        self.seat_index = {seat.key: i for i, seat in enumerate(self.seats)}
        self.seats_by_key = {seat.key: seat for seat in self.seats}
        self.named = {person.seat: person for person in self.named_people}
        self.holder: dict[str, Person | None] = {}
        self.pending: dict[str, date] = {}
        self.history: dict[str, list[tuple[date, date | None, Person]]] = {}
        self.people: list[Person] = []
        self.used_names = {person.name for person in self.named_people}

    # --- people ----------------------------------------------------------------------

    def _name(self, female: bool) -> str:
        while True:
            if self.rng.random() < 0.06:
                name = self.rng.choice(company.MONGOLIAN_NAMES)
                if name in self.used_names:
                    name = self.rng.choice(company.SURNAMES) + name[:2]
            else:
                chars = company.GIVEN_FEMALE if female else company.GIVEN_MALE
                given = "".join(self.rng.choice(chars) for _ in range(self.rng.choice((1, 2, 2))))
                name = self.rng.choice(company.SURNAMES) + given
            if name not in self.used_names:
                self.used_names.add(name)
                return name

    def _hire_age(self, seat: SeatSpec) -> int:
        low, high = {"collector": (20, 36), "lead": (25, 38), "manager": (30, 48)}.get(
            seat.kind, (22, 45))
        return self.rng.randint(low, high)

    def new_person(self, seat: SeatSpec, hire_date: date,
                   named: NamedPerson | None = None) -> Person:
        female = named.female if named else self.rng.random() < 0.55
        name = named.name if named else self._name(female)
        birth = named.birth_date if named else hire_date - timedelta(
            days=365 * self._hire_age(seat) + self.rng.randint(0, 364))
        person = Person(
            index=len(self.people), name=name, female=female, birth_date=birth,
            hire_date=hire_date, spells=[Spell(seat, hire_date)], pinned=named is not None,
            wage_factor=Decimal(str(round(self.rng.uniform(0.92, 1.12), 3))),
            raise_years=self.dates.raise_years,
        )
        self._first_contract(person, seat)
        self.people.append(person)
        self._occupy(seat, person, hire_date)
        return person

    def _first_contract(self, person: Person, seat: SeatSpec) -> None:
        # Collectors sign 2 years (probation at most 2 months, LCL Art 19), others 3 years
        # (3 months' probation). After two fixed terms the next contract is open-ended (Art 14).
        years, probation = (2, 2) if seat.kind == "collector" else (3, 3)
        person.contract_start = person.hire_date
        person.contract_end = add_months(person.hire_date, 12 * years) - timedelta(days=1)
        person.probation_end = add_months(person.hire_date, probation) - timedelta(days=1)
        while person.contract_end is not None and person.contract_end < self.dates.history_start:
            self._renew(person)

    @staticmethod
    def _renew(person: Person) -> None:
        start = person.contract_end + timedelta(days=1)
        person.contract_start = start
        if person.fixed_terms >= 2:
            person.contract_type, person.contract_end = "open_ended", None
        else:
            person.fixed_terms += 1
            person.contract_end = add_months(start, 36) - timedelta(days=1)

    def _occupy(self, seat: SeatSpec, person: Person, start: date) -> None:
        self.holder[seat.key] = person
        self.pending.pop(seat.key, None)
        self.history.setdefault(seat.key, []).append((start, None, person))

    def _vacate(self, seat: SeatSpec, last_day: date) -> None:
        start, _, person = self.history[seat.key][-1]
        self.history[seat.key][-1] = (start, last_day, person)
        self.holder[seat.key] = None

    # --- the months ------------------------------------------------------------------

    def staff_initial(self) -> None:
        """Fill every seat on the first day of the history with someone hired before it."""
        for seat in self.seats:
            named = self.named.get(seat.key)
            hire = named.hire_date if named else self._initial_hire_date(seat)
            self.new_person(seat, hire, named)

    def _initial_hire_date(self, seat: SeatSpec) -> date:
        mean_days = {"collector": 420, "lead": 1300, "manager": 1600}.get(seat.kind, 1000)
        days = 30 + int(self.rng.expovariate(1 / mean_days))
        return max(self.dates.history_start - timedelta(days=days),
                   company.FOUNDED + timedelta(days=1 + self.seat_index[seat.key] % 60))

    def run(self) -> list[Person]:
        """Simulate, then number, link and pay everyone."""
        self.staff_initial()
        today = self.dates.today
        for month in months_between(self.dates.history_start, today):
            last = min(month_end(month), today - timedelta(days=1))
            self.fill_vacancies(last)
            moved: set[int] = set()
            self.scripted_departures(month, last, moved)
            self.contract_ends(month, last, moved)
            self.random_departures(month, last, moved)
        self.fill_vacancies(today)
        self.finish()
        return self.people

    def fill_vacancies(self, until: date) -> None:
        for key, day in sorted(self.pending.items(), key=lambda item: (item[1], item[0])):
            if day <= until:
                self.new_person(self.seats_by_key[key], day)

    def scripted_departures(self, month: date, last: date, moved: set[int]) -> None:
        for named in self.named_people:
            if named.leaves and named.leaves[0].replace(day=1) == month:
                person = self.holder[named.seat]
                last_day, kind, reasons = named.leaves
                voluntary = kind == "voluntary_resignation"
                self.depart(person, Departure(last_day, kind, reasons, voluntary, voluntary))
                moved.add(person.index)

    def contract_ends(self, month: date, last: date, moved: set[int]) -> None:
        for person in self._holders(moved):
            end = person.contract_end
            if end is None or not (month <= end <= last):
                continue
            if person.pinned or self.rng.random() >= RENEWAL_REFUSED:
                self._renew(person)
                continue
            declined = self.rng.random() < 0.5  # the employee turned the renewal down
            reasons = ("contract_end",) + (weighted(self.rng, VOLUNTARY_REASONS, 1) if declined
                                           else ())
            self.depart(person, Departure(end, "contract_expiry", reasons, declined, False))
            moved.add(person.index)

    def random_departures(self, month: date, last: date, moved: set[int]) -> None:
        for person in self._holders(moved):
            if person.pinned or person.spells[-1].start >= month:
                continue
            if self.rng.random() < self._hazard(person, month):
                earliest = max(month, person.spells[-1].start + timedelta(days=14))
                if earliest > last:
                    continue
                day = earliest + timedelta(days=self.rng.randint(0, (last - earliest).days))
                self.depart(person, self._departure(person, day, month))
                moved.add(person.index)

    def _holders(self, moved: set[int]) -> list[Person]:
        return [p for key in list(self.holder) if (p := self.holder[key]) is not None
                and p.index not in moved]

    def _in_wave(self, person: Person, month: date) -> bool:
        return (person.seat.department == company.CONTAGION_TEAM
                and (month.year, month.month) in self.dates.contagion_months)

    def _hazard(self, person: Person, month: date) -> float:
        seat = person.seat
        rate = MONTHLY_HAZARD[seat.kind] * SEASON[month.month]
        tenure_months = (month - person.hire_date).days / 30.4
        if person.probation_end and month <= person.probation_end:
            rate *= 2.2
        elif tenure_months < 12:
            rate *= 1.3
        elif tenure_months > 36:
            rate *= 0.6
        if self._in_wave(person, month) and seat.kind == "collector":
            rate *= CONTAGION_FACTOR
        return rate

    def _departure(self, person: Person, day: date, month: date) -> Departure:
        rng = self.rng
        if person.probation_end and day <= person.probation_end:
            if rng.random() < 0.82:
                return Departure(day, "probation_resignation",
                                 weighted(rng, VOLUNTARY_REASONS, rng.randint(1, 2)), True, False)
            return Departure(day, "dismissal", ("probation_failed",), False, False)
        roll = rng.random()
        if roll < 0.07:
            return Departure(day, "dismissal", weighted(rng, DISMISSAL_REASONS, 1), False, False)
        if roll < 0.16:
            if rng.random() < 0.6:  # proposed by the company: severance is owed (Art 36, 46)
                reason = rng.choice(("redundancy", "performance"))
                return Departure(day, "mutual_agreement", (reason,), False, False)
            return Departure(day, "mutual_agreement", weighted(rng, VOLUNTARY_REASONS, 1),
                             True, rng.random() < 0.3)
        weights = CONTAGION_REASONS if self._in_wave(person, month) else VOLUNTARY_REASONS
        return Departure(day, "voluntary_resignation", weighted(rng, weights, rng.randint(1, 3)),
                         True, rng.random() < 0.35)

    def depart(self, person: Person, departure: Departure) -> None:
        """Record the departure, free the seat and arrange its refill."""
        person.departure = departure
        person.spells[-1].end = departure.last_day
        seat = person.seat
        self._vacate(seat, departure.last_day)
        self._refill(seat, departure.last_day)

    # --- refilling -------------------------------------------------------------------

    def _refill(self, seat: SeatSpec, last_day: date) -> None:
        candidate = self._internal_candidate(seat, last_day)
        if candidate is not None:
            self.transfer(candidate, seat, last_day + timedelta(days=1))
            return
        gap = {"collector": (5, 25), "lead": (7, 20), "manager": (14, 40)}.get(seat.kind, (15, 45))
        self.pending[seat.key] = last_day + timedelta(days=self.rng.randint(*gap))

    def _internal_candidate(self, seat: SeatSpec, last_day: date) -> Person | None:
        """A lead is promoted from the team; quality and collector seats sometimes move people."""
        if seat.kind == "lead":
            pool = [p for p in self._team(seat.department) if p.seat.kind == "collector"]
        elif seat.position == "QCS" and self.rng.random() < 0.35:
            pool = [p for p in self._holders(set()) if p.seat.kind == "collector"]
        elif (seat.kind == "collector" and seat.city == "hohhot"
              and self.rng.random() < LATERAL_MOVE):
            pool = [p for p in self._holders(set()) if p.seat.kind == "collector"
                    and p.seat.city == "hohhot" and p.seat.department != seat.department]
        else:
            return None
        pool = [p for p in pool if not p.pinned and (last_day - p.hire_date).days > 365
                and p.spells[-1].start < last_day]
        if not pool:
            return None
        if seat.kind == "lead":
            return min(pool, key=lambda p: (p.hire_date, p.index))
        return self.rng.choice(pool)

    def _team(self, department: str) -> list[Person]:
        return [p for s in self.seats if s.department == department
                and (p := self.holder.get(s.key)) is not None]

    def transfer(self, person: Person, seat: SeatSpec, on: date) -> None:
        """Move a person to another seat from `on`; their old seat is refilled by a hire."""
        old = person.seat
        person.spells[-1].end = on - timedelta(days=1)
        self._vacate(old, on - timedelta(days=1))
        person.spells.append(Spell(seat, on, start_kind="transfer"))
        self._occupy(seat, person, on)
        gap = self.rng.randint(5, 25)
        self.pending[old.key] = on + timedelta(days=gap)

    # --- after the months ------------------------------------------------------------

    def finish(self) -> None:
        """Employee numbers in hiring order, contact details, managers and wages."""
        order = sorted(self.people, key=lambda p: (
            p.hire_date, self.seat_index[p.spells[0].seat.key], p.index))
        emails: set[str] = set()
        for number, person in enumerate(order, start=1):
            person.employee_no = f"ZN{number:05d}"
            person.phone = f"170{number:08d}"
            person.email = self._email(person, emails)
            person.national_id = self._national_id(person, number)
        for person in self.people:
            person.manager_no = self._manager_no(person)
            person.wages = self._wages(person)
        self.people.sort(key=lambda p: p.employee_no)

    @staticmethod
    def _email(person: Person, taken: set[str]) -> str:
        local, n = pinyin_of(person.name)[0], 1
        candidate = local
        while candidate in taken:
            n += 1
            candidate = f"{local}{n}"
        taken.add(candidate)
        return f"{candidate}@{company.EMAIL_DOMAIN}"

    def _national_id(self, person: Person, number: int) -> str:
        region = self.rng.choice(REGIONS[person.spells[0].seat.city])
        sequence = (number * 2 % 998) + (0 if person.female else 1)
        body = f"{region}{person.birth_date:%Y%m%d}{sequence:03d}"
        check = ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
        return body + check

    def holder_on(self, seat_key: str | None, on: date) -> Person | None:
        """Who held a seat on a date, going up the tree while the seat stood empty."""
        while seat_key is not None:
            for start, end, person in self.history.get(seat_key, []):
                if start <= on and (end is None or on <= end):
                    return person
            seat_key = self.seats_by_key[seat_key].manager
        return None

    def _manager_no(self, person: Person) -> str | None:
        on = person.departure.last_day if person.departure else self.dates.today
        manager = self.holder_on(person.seat.manager, on)
        return manager.employee_no if manager is not None and manager is not person else None

    def _wages(self, person: Person) -> list[tuple[date, Decimal]]:
        rng = Random(f"{person.employee_no}-wages")
        last_day = person.departure.last_day if person.departure else self.dates.today
        stop = min(last_day, month_end(self.dates.last_paid_month))
        wages = []
        for month in months_between(max(person.hire_date, self.dates.wage_history_start), stop):
            wages.append((month, self._month_pay(person, month, last_day, rng)))
        return wages

    def _month_pay(self, person: Person, month: date, last_day: date, rng: Random) -> Decimal:
        base = person.base_wage(month)
        seat = next((s.seat for s in reversed(person.spells) if s.start <= month_end(month)),
                    person.spells[0].seat)
        # Collectors earn a base plus commission; office pay moves only with overtime.
        spread = (0.8, 1.35) if seat.kind == "collector" else (0.98, 1.03)
        amount = base * Decimal(str(round(rng.uniform(*spread), 3)))
        first = max(month, person.hire_date)
        final = min(month_end(month), last_day)
        days_in_month = calendar.monthrange(month.year, month.month)[1]
        amount = amount * Decimal((final - first).days + 1) / Decimal(days_in_month)
        if month in self.dates.spring_festival_pay_months and (month - person.hire_date).days > 180:
            amount += base * Decimal(str(round(rng.uniform(0.5, 1.0), 2)))
        return amount.quantize(Decimal("0.01"), ROUND_HALF_UP)


def simulate(seed: int, dates: DemoDates) -> list[Person]:
    """Everyone who worked at the demo company during the history, sorted by employee number."""
    return Simulation(seed, dates).run()
