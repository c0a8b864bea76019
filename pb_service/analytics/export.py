"""Any table of the dashboard as CSV or XLSX: the same columns, headers in the reader's language.

Values are written as numbers a spreadsheet can compute with: money in złoty (two decimals),
shares in percent, counts as integers; an unknown value is an empty cell. The files are written
by ``core/spreadsheets.py``, which keeps text from being run as a formula.
"""
from __future__ import annotations

from collections.abc import Sequence

from pb_service.analytics.queries import Column
from pb_service.core import spreadsheets
from pb_service.core.spreadsheets import CSV_TYPE, XLSX_TYPE  # noqa: F401  (the views' response types)

#: Excel's number format per column kind.
XLSX_FORMATS = {"int": "#,##0", "money": "#,##0.00", "zloty": "#,##0.00", "percent": "0.00", "number": "0.00"}


def header(column: Column) -> str:
    suffix = {"money": " (zł)", "zloty": " (zł)", "percent": " (%)"}.get(column.kind, "")
    return f"{column.label}{suffix}"


def cell_value(column: Column, value):
    """A value as written to a file: złoty for grosze, percent for shares, yes/no as 1/0."""
    if value is None:
        return None
    if column.kind == "money":
        return round(value / 100, 2)
    if column.kind == "percent":
        return round(value * 100, 4)
    if column.kind in ("zloty", "number"):
        return round(float(value), 4)
    if column.kind == "bool":
        return int(bool(value))
    return value


def table_rows(columns: Sequence[Column], rows: Sequence[dict]) -> list[list]:
    return [[cell_value(column, row[column.key]) for column in columns] for row in rows]


def to_csv(columns: Sequence[Column], rows: Sequence[dict]) -> str:
    return spreadsheets.csv_text([header(column) for column in columns], table_rows(columns, rows), excel_bom=True)


def to_xlsx(columns: Sequence[Column], rows: Sequence[dict], title: str) -> bytes:
    return spreadsheets.xlsx_bytes(
        [header(column) for column in columns], table_rows(columns, rows), title=title,
        number_formats=[XLSX_FORMATS.get(column.kind) for column in columns],
    )
