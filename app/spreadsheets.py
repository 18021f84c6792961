"""CSV and XLSX files for people's spreadsheets, safe from formula injection.

Every export of the app goes through `csv_text` or `xlsx_bytes` (a test keeps it so). A text
cell that a spreadsheet would read as a formula (OWASP "CSV injection": it starts with = + - @,
a tab or a carriage return) is neutralised: in CSV it gets a leading apostrophe, which Excel
and LibreOffice read as "this is text"; in XLSX it is written as a text cell with the quote
prefix set, so the value stays exactly what was typed and is never evaluated. Numbers, dates
and booleans are data, not text, and are written as they are.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

# OWASP's list, and the full-width forms a Chinese input method types (Excel converts them).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def is_formula_like(value) -> bool:
    """True for a text a spreadsheet would evaluate (or could be tricked into evaluating)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value):
    """A value as a CSV cell: None is empty, formula-like text gets a leading apostrophe."""
    if value is None:
        return ""
    return "'" + value if is_formula_like(value) else value


def csv_text(headers: Sequence, rows: Iterable[Sequence], note: str = "") -> str:
    """CSV text: the note (formula, assumptions) first as a "# ..." line, then the header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if note:
        writer.writerow([csv_cell(f"# {note}")])
    writer.writerow([csv_cell(h) for h in headers])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def xlsx_bytes(sheets: Iterable[tuple[str, Sequence, Iterable[Sequence], str]]) -> bytes:
    """An XLSX workbook, one worksheet per (title, headers, rows, note); the note is in A1."""
    book = Workbook()
    book.remove(book.active)
    for title, headers, rows, note in sheets:
        sheet = book.create_sheet(title[:31])
        if note:
            _append(sheet, [note])
        _append(sheet, headers)
        for row in rows:
            _append(sheet, row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _append(sheet, values: Sequence) -> None:
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if is_formula_like(cell.value):
            cell.data_type = "s"  # openpyxl made it a formula; it is text
            cell.quotePrefix = True  # and stays text when someone edits the cell
