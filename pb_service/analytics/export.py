"""Any table of the dashboard as CSV or XLSX: the same columns, headers in the reader's language.

Values are written as numbers a spreadsheet can compute with: money in złoty (two decimals),
shares in percent, counts as integers; an unknown value is an empty cell.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from pb_service.analytics.queries import Column

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
    """CSV with a byte-order mark, so that Excel opens the Polish letters right."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header(column) for column in columns])
    writer.writerows(["" if value is None else value for value in row] for row in table_rows(columns, rows))
    return buffer.getvalue()


def to_xlsx(columns: Sequence[Column], rows: Sequence[dict], title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    # Excel allows 31 characters and no []:*?/\ in a sheet's name.
    sheet.title = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Data"
    sheet.append([header(column) for column in columns])
    for values in table_rows(columns, rows):
        sheet.append(values)
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, min(40, len(header(column)) + 2))
        number_format = XLSX_FORMATS.get(column.kind)
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
