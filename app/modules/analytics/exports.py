"""CSV and XLSX exports; the first lines name the formula or the assumptions.

The files are written by `app.spreadsheets`, which keeps formula-like text from running.
"""
from __future__ import annotations

from app.spreadsheets import csv_text, xlsx_bytes


def to_csv(headers: list[str], rows: list[list], note: str = "") -> str:
    """CSV text; the note (formula, assumptions) goes first as a comment line."""
    return csv_text(headers, rows, note)


def to_xlsx(sheets: list[tuple[str, list[str], list[list], str]]) -> bytes:
    """One worksheet per (title, headers, rows, note); the note is in A1."""
    return xlsx_bytes(sheets)


def rows_as_lists(rows: list[dict], keys: tuple) -> list[list]:
    return [[row[k] for k in keys] for row in rows]
