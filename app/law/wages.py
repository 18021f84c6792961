"""Dated per-city wage figures from YAML (app/law/data/wages/*.yaml).

- average monthly wage of a statistics year: the Art 47 para 2 cap uses the figure of
  the year before the termination year ("上年度职工月平均工资");
- minimum monthly wage with its effective date (Reg Art 27, SPC-I Art 36).
HR adds a year by adding a YAML entry; no code change.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

DEFAULT_DIRECTORY = Path(__file__).parent / "data" / "wages"


class MissingWageData(LookupError):
    """No wage figure for a city and date."""


@dataclass(frozen=True)
class WageFigure:
    """One published figure with where it came from."""

    monthly: Decimal
    source: str
    verified: bool
    year: int | None = None  # statistics year of an average wage
    effective: date | None = None  # first day a minimum wage applies
    note: str = ""


@dataclass(frozen=True)
class CityWages:
    """All figures for one city, sorted."""

    key: str
    names: frozenset[str]
    averages: tuple[WageFigure, ...]
    minimums: tuple[WageFigure, ...]


def _money(value: object, where: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{where}: not a number: {value!r}") from exc
    if amount <= 0:
        raise ValueError(f"{where}: must be positive: {value!r}")
    return amount


def _figure(entry: dict, where: str, **extra: object) -> WageFigure:
    if not entry.get("source"):
        raise ValueError(f"{where}: every figure needs a `source:`")
    return WageFigure(
        monthly=_money(entry.get("monthly"), where),
        source=str(entry["source"]),
        verified=bool(entry.get("verified", True)),
        note=str(entry.get("note", "")),
        **extra,  # type: ignore[arg-type]
    )


def _city(path: Path) -> CityWages:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    names = {path.stem, str(raw.get("city", "")), str(raw.get("city_en", ""))}
    names |= {str(n) for n in raw.get("aliases", [])}
    averages = tuple(sorted(
        (_figure(e, f"{path.name} average {e.get('year')}", year=int(e["year"]))
         for e in raw.get("average_monthly_wage", [])),
        key=lambda f: f.year or 0,
    ))
    minimums = tuple(sorted(
        (_figure(e, f"{path.name} minimum {e.get('effective')}", effective=e["effective"])
         for e in raw.get("minimum_monthly_wage", [])),
        key=lambda f: f.effective or date.min,
    ))
    years = [f.year for f in averages]
    if len(years) != len(set(years)):
        raise ValueError(f"{path.name}: duplicate average wage year")
    if any(not isinstance(f.effective, date) for f in minimums):
        raise ValueError(f"{path.name}: `effective:` must be a YYYY-MM-DD date")
    return CityWages(path.stem, frozenset(n.casefold() for n in names if n), averages, minimums)


@dataclass(frozen=True)
class WageTable:
    """Wage figures for all cities in a directory."""

    cities: tuple[CityWages, ...]

    @classmethod
    def load(cls, directory: Path | str = DEFAULT_DIRECTORY) -> WageTable:
        """Read every *.yaml file in `directory`."""
        return cls(tuple(_city(p) for p in sorted(Path(directory).glob("*.yaml"))))

    def city(self, name: str) -> CityWages:
        """Find a city by file name, Chinese or English name, or alias."""
        wanted = name.strip().casefold()
        for city in self.cities:
            if wanted in city.names:
                return city
        known = ", ".join(c.key for c in self.cities) or "none"
        raise MissingWageData(f"No wage data for city {name!r} (known: {known})")

    def average_wage_figure(self, city: str, on: date, *, strict: bool = False) -> WageFigure:
        """The previous year's average monthly wage in force on `on`, with its source."""
        data = self.city(city)
        for figure in data.averages:
            if figure.year == on.year - 1:
                return _checked(figure, strict, f"{data.key} average wage {on.year - 1}")
        raise MissingWageData(
            f"No average monthly wage for {data.key} for {on.year - 1} (needed on {on}); "
            f"add it to {data.key}.yaml"
        )

    def minimum_wage_figure(self, city: str, on: date, *, strict: bool = False) -> WageFigure:
        """The minimum monthly wage in force on `on`, with its source."""
        data = self.city(city)
        current = [f for f in data.minimums if f.effective and f.effective <= on]
        if not current:
            raise MissingWageData(
                f"No minimum wage for {data.key} in force on {on}; add it to {data.key}.yaml"
            )
        return _checked(current[-1], strict, f"{data.key} minimum wage on {on}")

    def average_wage(self, city: str, on: date, *, strict: bool = False) -> Decimal:
        """Previous year's average monthly wage for `on` (LCL Art 47 para 2)."""
        return self.average_wage_figure(city, on, strict=strict).monthly

    def minimum_wage(self, city: str, on: date, *, strict: bool = False) -> Decimal:
        """Minimum monthly wage in force on `on` (Reg Art 27)."""
        return self.minimum_wage_figure(city, on, strict=strict).monthly


def _checked(figure: WageFigure, strict: bool, what: str) -> WageFigure:
    if strict and not figure.verified:
        raise MissingWageData(f"{what} is marked `verified: false` ({figure.source})")
    return figure
