"""CSV and XLSX exports; the first lines name the formula or the assumptions."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook


def to_csv(headers: list[str], rows: list[list], note: str = "") -> str:
    """CSV text; the note (formula, assumptions) goes first as a comment line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if note:
        writer.writerow([f"# {note}"])
    writer.writerow(headers)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    return buffer.getvalue()


def to_xlsx(sheets: list[tuple[str, list[str], list[list], str]]) -> bytes:
    """One worksheet per (title, headers, rows, note); the note is in A1."""
    book = Workbook()
    book.remove(book.active)
    for title, headers, rows, note in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append([note])
        sheet.append(headers)
        for row in rows:
            sheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value):
    # A text starting with = would be a formula in Excel (CSV/formula injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def rows_as_lists(rows: list[dict], keys: tuple) -> list[list]:
    return [[row[k] for k in keys] for row in rows]
