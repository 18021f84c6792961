"""Import employees from CSV: check every row first, then write all of them or none.

One row per employee; a row with a termination_date is a past employee whose assignment
ends on that day (inclusive), so headcounts include them up to it. Rows are numbered as
in a spreadsheet: the header is row 1. Re-importing an employee_no corrects that record
(it never invents a transfer). With `partial`, valid rows are written and bad ones reported.
Past employees land in the alumni archive; a re-import that undoes an imported departure
removes the alumni record the import made, and refuses the row when HR has worked on it.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import today as china_today
from app.db import db
from app.law.wages import MissingWageData, WageTable
from app.modules.alumni.operations import backfill_archive, remove_imported_record, why_record_is_kept
from app.modules.employees import operations
from app.modules.employees.models import Assignment, Department, Employee, Position, Separation
from app.modules.employees.reasons import Taxonomy, load_reasons

COLUMNS = (
    "employee_no", "name", "email", "phone", "department", "position", "manager_no",
    "hire_date", "contract_end", "city", "monthly_wage", "termination_date",
    "termination_type", "reason_code",
)
REQUIRED = ("employee_no", "name", "department", "hire_date")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")
EMPLOYEE_NO = re.compile(r"^[A-Za-z0-9_.-]{1,20}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,28}$")
DEPARTMENT_SEPARATOR = "/"  # "催收一部/催收一部一组" names a sub-department
MAX_PROBATION_DAYS = 186  # LCL Art 19: at most 6 months of probation

Progress = Callable[[int], None]


@dataclass(frozen=True)
class RowProblem:
    """Why one cell (or the whole row, column "*") was rejected."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass
class CsvTable:
    """The raw cells of a CSV file, keyed by column, with file-level problems."""

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


@dataclass
class EmployeeRow:
    """One checked row."""

    row: int
    employee_no: str
    name: str
    email: str | None
    phone: str | None
    department: tuple[str, ...]
    position: str | None
    manager_no: str | None
    hire_date: date
    contract_end: date | None
    city: str
    monthly_wage: Decimal | None
    termination_date: date | None
    termination_type: str | None
    reason_codes: list[str]


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    archived: int = 0
    written: bool = False
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rejected_rows(self) -> list[int]:
        """Row numbers with at least one problem."""
        return sorted({p.row for p in self.problems})


class _CellError(ValueError):
    pass


# --- reading -------------------------------------------------------------------------

def read_csv(source: str | Path | IO[bytes]) -> CsvTable:
    """Read a UTF-8 CSV file (with or without BOM) into raw rows."""
    raw = Path(source).read_bytes() if isinstance(source, (str, Path)) else source.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return CsvTable(problems=[RowProblem(0, "*", f"the file is not UTF-8 ({exc.reason})")])
    return parse_csv_text(text)


def parse_csv_text(text: str) -> CsvTable:
    """Split CSV text into rows numbered as in a spreadsheet (header = row 1)."""
    records = list(csv.reader(io.StringIO(text)))
    if not records:
        return CsvTable(problems=[RowProblem(1, "*", "the file is empty")])
    header = [cell.strip() for cell in records[0]]
    table = CsvTable(problems=_header_problems(header))
    if table.problems:
        return table
    for number, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            table.problems.append(RowProblem(
                number, "*", f"has {len(cells)} cells, expected {len(header)}"))
            continue
        table.rows.append((number, {k: v.strip() for k, v in zip(header, cells, strict=True)}))
    return table


def _header_problems(header: list[str]) -> list[RowProblem]:
    problems = [RowProblem(1, col, "missing column") for col in COLUMNS if col not in header]
    problems += [RowProblem(1, col or "(blank)", "unknown column") for col in header
                 if col not in COLUMNS]
    problems += [RowProblem(1, col, "column appears twice") for col in set(header)
                 if header.count(col) > 1 and col in COLUMNS]
    return problems


# --- checking one row ----------------------------------------------------------------

def _date(value: str) -> date:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise _CellError(f"{value!r} is not a date (use YYYY-MM-DD)")


def _wage(value: str) -> Decimal:
    cleaned = value.replace(",", "").replace("¥", "").replace("￥", "").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise _CellError(f"{value!r} is not an amount") from None
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e10"):
        raise _CellError(f"{value!r} must be a positive amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise _CellError(f"{value!r} has more than two decimals")
    return amount


def _text(value: str, limit: int, pattern: re.Pattern | None = None, what: str = "") -> str:
    if len(value) > limit:
        raise _CellError(f"is longer than {limit} characters")
    if pattern is not None and not pattern.match(value):
        raise _CellError(f"{value!r} is not a valid {what}")
    return value


def _department_path(value: str) -> tuple[str, ...]:
    parts = tuple(part.strip() for part in value.split(DEPARTMENT_SEPARATOR))
    if any(not part for part in parts):
        raise _CellError(f"{value!r} has an empty department name")
    if any(len(part) > 100 for part in parts):
        raise _CellError("a department name is longer than 100 characters")
    return parts


class _RowChecker:
    """Checks the cells of one row, collecting every problem."""

    def __init__(self, number: int, cells: dict[str, str], taxonomy: Taxonomy,
                 wages: WageTable, today: date) -> None:
        self.number, self.cells = number, cells
        self.taxonomy, self.wages, self.today = taxonomy, wages, today
        self.problems: list[RowProblem] = []

    def fail(self, column: str, message: str) -> None:
        self.problems.append(RowProblem(self.number, column, message))

    def cell(self, column: str, parse: Callable[[str], object] | None = None):
        value = self.cells.get(column, "")
        if not value:
            if column in REQUIRED:
                self.fail(column, "is required")
            return None
        try:
            return parse(value) if parse else value
        except _CellError as exc:
            self.fail(column, str(exc))
            return None

    def city(self) -> str:
        value = self.cells.get("city") or "hohhot"
        try:
            return self.wages.city(value).key
        except MissingWageData as exc:
            self.fail("city", str(exc))
            return value

    def reasons(self) -> list[str]:
        codes = [c.strip() for c in (self.cells.get("reason_code") or "").split(";") if c.strip()]
        unknown = [code for code in codes if code not in self.taxonomy]
        if unknown:
            self.fail("reason_code", f"unknown reason code(s): {', '.join(unknown)} "
                                     f"(known: {', '.join(self.taxonomy.codes)})")
        return [code for code in codes if code in self.taxonomy]

    def termination_type(self) -> str | None:
        value = self.cells.get("termination_type") or None
        if value and value not in operations.SEPARATION_TYPES:
            self.fail("termination_type", f"{value!r} is not one of "
                                          f"{', '.join(operations.SEPARATION_TYPES)}")
            return None
        return value

    def check(self) -> EmployeeRow:
        """The row as far as it could be read; `self.problems` says what is wrong with it."""
        row = EmployeeRow(
            row=self.number,
            employee_no=self.cell("employee_no",
                                  lambda v: _text(v, 20, EMPLOYEE_NO, "employee number")),
            name=self.cell("name", lambda v: _text(v, 100)),
            email=self.cell("email", lambda v: _text(v, 200, EMAIL, "e-mail address")),
            phone=self.cell("phone", lambda v: _text(v, 30, PHONE, "phone number")),
            department=self.cell("department", _department_path),
            position=self.cell("position", lambda v: _text(v, 100)),
            manager_no=self.cell("manager_no", lambda v: _text(v, 20)),
            hire_date=self.cell("hire_date", _date),
            contract_end=self.cell("contract_end", _date),
            city=self.city(),
            monthly_wage=self.cell("monthly_wage", _wage),
            termination_date=self.cell("termination_date", _date),
            termination_type=self.termination_type(),
            reason_codes=self.reasons(),
        )
        self.check_dates(row)
        self.check_termination(row)
        return row

    def check_dates(self, row: EmployeeRow) -> None:
        if row.hire_date and row.contract_end and row.contract_end < row.hire_date:
            self.fail("contract_end", "is before the hire date")
        if row.hire_date and row.termination_date and row.termination_date < row.hire_date:
            self.fail("termination_date", "is before the hire date")
        if row.termination_date and row.termination_date > self.today:
            self.fail("termination_date", "is in the future; open a case for a coming departure")

    def check_termination(self, row: EmployeeRow) -> None:
        cells = self.cells
        if cells.get("termination_date") and not cells.get("termination_type"):
            self.fail("termination_type", "is required when termination_date is set")
        if cells.get("termination_type") and not cells.get("termination_date"):
            self.fail("termination_date", "is required when termination_type is set")
        if cells.get("reason_code") and not cells.get("termination_date"):
            self.fail("reason_code", "is only allowed with a termination_date")
        if (row.termination_type == "probation_resignation" and row.hire_date
                and row.termination_date
                and (row.termination_date - row.hire_date).days > MAX_PROBATION_DAYS):
            self.fail("termination_type", "probation lasts at most 6 months (LCL Art 19)")


# --- checking across rows and against the database ----------------------------------

class _Directory:
    """Existing departments, positions and employees, loaded once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.departments = list(session.scalars(select(Department)))
        self.positions = list(session.scalars(select(Position)))
        self.employees = {e.employee_no: e for e in session.scalars(select(Employee))}
        self.separations = {s.employee_id: s for s in session.scalars(
            select(Separation).order_by(Separation.last_day))}

    @staticmethod
    def _matches(item, name: str) -> bool:
        return name in (item.name_zh, item.name_en, item.code)

    def department_candidates(self, name: str, parent: Department | None = None,
                              anywhere: bool = False) -> list[Department]:
        return [d for d in self.departments if self._matches(d, name)
                and (anywhere or d.parent_id == (parent.id if parent else None))]

    def find_department(self, path: tuple[str, ...]) -> tuple[Department | None, int]:
        """The deepest existing department along the path and how many parts it covers."""
        found = self.department_candidates(path[0], anywhere=True)
        if len(found) > 1:
            names = ", ".join(self.path_name(d) for d in found)
            raise _CellError(f"{path[0]!r} is ambiguous ({names}); write the full path with '/'")
        if not found:
            return None, 0
        current, depth = found[0], 1
        for part in path[1:]:
            children = self.department_candidates(part, current)
            if not children:
                break
            current, depth = children[0], depth + 1
        return current, depth

    def path_name(self, department: Department) -> str:
        by_id = {d.id: d for d in self.departments}
        ids = [int(i) for i in (department.path or "").strip("/").split("/") if i]
        names = [by_id[i].name_zh for i in ids if i in by_id]
        return DEPARTMENT_SEPARATOR.join(names) or department.name_zh

    def find_position(self, name: str) -> Position | None:
        return next((p for p in self.positions if self._matches(p, name)), None)


def _cross_check(rows: list[EmployeeRow], clean: set[int],
                 directory: _Directory) -> list[RowProblem]:
    """Duplicates in the file, ambiguous departments, clashes with recorded departures."""
    problems: list[RowProblem] = []
    first_row: dict[str, int] = {}
    for row in rows:
        if row.employee_no in first_row:
            problems.append(RowProblem(row.row, "employee_no", f"{row.employee_no} already "
                                       f"appears in row {first_row[row.employee_no]}"))
        elif row.employee_no:
            first_row[row.employee_no] = row.row
        if row.department:
            problems += _department_problems(row, directory)
        if row.row in clean:
            problems += _existing_problems(row, directory)
    return problems


def _department_problems(row: EmployeeRow, directory: _Directory) -> list[RowProblem]:
    try:
        directory.find_department(row.department)
    except _CellError as exc:
        return [RowProblem(row.row, "department", str(exc))]
    return []


def _existing_problems(row: EmployeeRow, directory: _Directory) -> list[RowProblem]:
    employee = directory.employees.get(row.employee_no)
    if employee is None:
        return []
    separation = directory.separations.get(employee.id)
    if employee.status == "on_notice":
        return [RowProblem(row.row, "employee_no",
                           f"{row.employee_no} has a departure case in progress; change it there")]
    if separation is None or _same_departure(row, separation):
        return []
    if separation.source != "import":
        return [RowProblem(row.row, "termination_date",
                           f"{row.employee_no} left on {separation.last_day} "
                           f"({separation.separation_type}, recorded by {separation.source}); "
                           "the importer does not change that")]
    return _archive_problems(row, separation)


def _same_departure(row: EmployeeRow, separation: Separation) -> bool:
    return (row.termination_date, row.termination_type) == (separation.last_day,
                                                            separation.separation_type)


def _archive_problems(row: EmployeeRow, separation: Separation) -> list[RowProblem]:
    """Undoing an imported departure removes its alumni record, unless HR worked on it."""
    kept = why_record_is_kept(separation)
    if kept is None:
        return []
    return [RowProblem(row.row, "termination_date",
                       f"{row.employee_no} left on {separation.last_day} and is in the alumni "
                       f"archive, where {kept}; the importer does not undo that departure")]


def _manager_problems(rows: list[EmployeeRow], checked: list[EmployeeRow],
                      rejected: dict[str, int], directory: _Directory) -> list[RowProblem]:
    """manager_no must name a row of the file or an existing employee, without loops.

    `rows` are the rows to check, `checked` every row of the file; a manager whose row is
    in `rejected` (employee_no -> row) cannot be written, so neither can its reports.
    """
    in_file = {}
    for row in checked:
        if row.employee_no:
            in_file.setdefault(row.employee_no, row)
    problems = []
    for row in rows:
        manager_no = row.manager_no
        if not manager_no:
            continue
        if manager_no == row.employee_no:
            problems.append(RowProblem(row.row, "manager_no",
                                       "an employee cannot manage themselves"))
        elif manager_no in rejected:
            problems.append(RowProblem(row.row, "manager_no",
                                       f"{manager_no} is in rejected row {rejected[manager_no]}"))
        elif manager_no not in in_file and manager_no not in directory.employees:
            problems.append(RowProblem(row.row, "manager_no",
                                       f"no employee {manager_no} in the file or the database"))
        elif _reports_to_itself(row, in_file, directory):
            problems.append(RowProblem(row.row, "manager_no",
                                       f"{manager_no} leads back to {row.employee_no} (a loop)"))
    return problems


def _reports_to_itself(row: EmployeeRow, in_file: dict[str, EmployeeRow],
                       directory: _Directory) -> bool:
    seen, current = {row.employee_no}, row.manager_no
    while current:
        if current in seen:
            return True
        seen.add(current)
        if current in in_file:
            current = in_file[current].manager_no
        else:
            manager = directory.employees.get(current)
            current = manager.manager.employee_no if manager and manager.manager else None
    return False


# --- writing -------------------------------------------------------------------------

class _Writer:
    """Creates departments and positions as needed, then employees, managers, departures."""

    def __init__(self, directory: _Directory, taxonomy: Taxonomy) -> None:
        self.directory, self.taxonomy = directory, taxonomy
        self.session = directory.session
        self.codes = {d.code for d in directory.departments} | {p.code for p in directory.positions}

    def _code(self, name: str, prefix: str) -> str:
        base = (prefix + operations.pinyin_of(name)[0].upper())[:34] or prefix
        code, n = base, 1
        while code in self.codes:
            n += 1
            code = f"{base}-{n}"
        self.codes.add(code)
        return code

    def department(self, path: tuple[str, ...]) -> Department:
        current, depth = self.directory.find_department(path)
        for name in path[depth:]:
            current = self._new_department(name, current)
        return current

    def _new_department(self, name: str, parent: Department | None) -> Department:
        department = Department(code=self._code(name, "D-"), name_zh=name, name_en=name,
                                parent_id=parent.id if parent else None)
        self.session.add(department)
        self.session.flush()
        department.path = (parent.path if parent else "/") + f"{department.id}/"
        self.directory.departments.append(department)
        return department

    def position(self, name: str | None) -> Position | None:
        if not name:
            return None
        found = self.directory.find_position(name)
        if found is None:
            found = Position(code=self._code(name, "P-"), name_zh=name, name_en=name)
            self.session.add(found)
            self.directory.positions.append(found)
        return found

    def write(self, row: EmployeeRow) -> bool:
        """Create or correct one employee; True when created."""
        department, position = self.department(row.department), self.position(row.position)
        employee = self.directory.employees.get(row.employee_no)
        if employee is None:
            employee = operations.hire_employee(
                employee_no=row.employee_no, name=row.name, hire_date=row.hire_date,
                department=department, position=position, email=row.email, phone=row.phone,
                city=row.city, monthly_wage=row.monthly_wage, contract_end=row.contract_end,
                contract_type="fixed" if row.contract_end else "open_ended",
                session=self.session)
            self.directory.employees[row.employee_no] = employee
            self.write_departure(row, employee)
            return True
        self.correct(employee, row, department, position)
        self.write_departure(row, employee)
        return False

    def correct(self, employee: Employee, row: EmployeeRow, department: Department,
                position: Position | None) -> None:
        full, initials = operations.pinyin_of(row.name)
        for attr, value in dict(
            name=row.name, name_pinyin=full, name_initials=initials, email=row.email,
            phone=row.phone, department=department, position=position, hire_date=row.hire_date,
            contract_start=employee.contract_start or row.hire_date, contract_end=row.contract_end,
            contract_type="fixed" if row.contract_end else "open_ended",
            city=row.city, monthly_wage=row.monthly_wage,
        ).items():
            setattr(employee, attr, value)
        self.session.flush()
        spells = list(self.session.scalars(select(Assignment).where(
            Assignment.employee_id == employee.id).order_by(Assignment.start_date)))
        if spells and spells[0].start_kind == "hire":
            spells[0].start_date = row.hire_date
        if spells:
            latest = spells[-1]
            latest.department_id, latest.city = department.id, row.city
            latest.position_id = position.id if position else None

    def write_departure(self, row: EmployeeRow, employee: Employee) -> None:
        separation = self.directory.separations.get(employee.id)
        if separation is not None and separation.source != "import":
            return  # recorded by a case or the demo; checked to agree with the row
        if separation is not None and _same_departure(row, separation):
            operations.revise_departure_reasons(separation, row.reason_codes,
                                                taxonomy=self.taxonomy)
            return  # kept as it is, with its alumni record
        if separation is not None:
            self._undo_import_departure(employee, separation)
        if row.termination_date:
            self.directory.separations[employee.id] = operations.record_departure(
                employee, row.termination_date, row.termination_type, row.reason_codes,
                source="import", taxonomy=self.taxonomy, session=self.session)

    def _undo_import_departure(self, employee: Employee, separation: Separation) -> None:
        remove_imported_record(separation)
        last = self.session.scalar(select(Assignment).where(
            Assignment.employee_id == employee.id, Assignment.end_kind == "departure"
        ).order_by(Assignment.start_date.desc()))
        if last is not None:
            last.end_date = last.end_kind = None
        self.session.delete(separation)
        del self.directory.separations[employee.id]
        employee.status = "active"
        self.session.flush()

    def link_managers(self, rows: Iterable[EmployeeRow]) -> None:
        for row in rows:
            employee = self.directory.employees[row.employee_no]
            manager = self.directory.employees.get(row.manager_no) if row.manager_no else None
            employee.manager = manager
        self.session.flush()


# --- the whole import ----------------------------------------------------------------

def check_rows(table: CsvTable, directory: _Directory, taxonomy: Taxonomy, wages: WageTable,
               today: date, partial: bool, on_progress: Progress,
               ) -> tuple[list[EmployeeRow], list[RowProblem]]:
    """Every problem in the file, sorted; the rows that can be written."""
    problems = list(table.problems)
    checked: list[EmployeeRow] = []
    for number, cells in table.rows:
        checker = _RowChecker(number, cells, taxonomy, wages, today)
        checked.append(checker.check())
        problems += checker.problems
        on_progress(1)
    clean = {row.row for row in checked} - {p.row for p in problems}
    problems += _cross_check(checked, clean, directory)
    problems += _manager_round(checked, {p.row for p in problems}, directory, partial)
    bad_rows = {p.row for p in problems}
    order = {column: i for i, column in enumerate(COLUMNS)}
    problems.sort(key=lambda p: (p.row, order.get(p.column, -1)))
    return [row for row in checked if row.row not in bad_rows], problems


def _manager_round(checked: list[EmployeeRow], bad_rows: set[int], directory: _Directory,
                   partial: bool) -> list[RowProblem]:
    """Manager problems of every row; with `partial`, also rows whose manager is rejected."""
    problems = _manager_problems(checked, checked, {}, directory)
    if not partial:
        return problems  # nothing is written: a bad manager row is reported once, there
    bad_rows = bad_rows | {p.row for p in problems}
    while True:
        kept = [row for row in checked if row.row not in bad_rows]
        kept_nos = {row.employee_no for row in kept}
        rejected = {row.employee_no: row.row for row in reversed(checked)
                    if row.row in bad_rows and row.employee_no not in kept_nos}
        new = _manager_problems(kept, checked, rejected, directory)
        if not new:
            return problems
        problems += new
        bad_rows |= {p.row for p in new}


def import_employees(table: CsvTable, *, partial: bool = False, session: Session | None = None,
                     today: date | None = None, taxonomy: Taxonomy | None = None,
                     wages: WageTable | None = None,
                     on_progress: Progress | None = None) -> ImportResult:
    """Check the rows and write them (all, or with `partial` the valid ones); never commits."""
    session = session if session is not None else db.session
    taxonomy = taxonomy or load_reasons()
    wages = wages or _wage_table()
    on_progress = on_progress or (lambda _n: None)
    directory = _Directory(session)
    rows, problems = check_rows(table, directory, taxonomy, wages, today or china_today(),
                                partial, on_progress)
    result = ImportResult(rows=len(table.rows) + _rows_rejected_while_reading(table),
                          problems=problems)
    if not rows or (problems and not partial):
        return result
    writer = _Writer(directory, taxonomy)
    for row in rows:
        if writer.write(row):
            result.created += 1
        else:
            result.updated += 1
        on_progress(1)
    writer.link_managers(rows)
    result.archived = backfill_archive()
    result.written = True
    return result


def _rows_rejected_while_reading(table: CsvTable) -> int:
    return len({p.row for p in table.problems if p.row > 1})


def _wage_table() -> WageTable:
    from flask import current_app, has_app_context

    if has_app_context() and current_app.config.get("WAGE_DATA_DIR"):
        return WageTable.load(current_app.config["WAGE_DATA_DIR"])
    return WageTable.load()
