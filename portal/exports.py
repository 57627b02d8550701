"""The CSV and Excel files the security officers download, made safe to open.

Excel and LibreOffice read a cell that begins with =, +, -, @, a tab or a carriage return
as a formula. An official or a handler named =HYPERLINK(...) would otherwise become, in
the security officer's spreadsheet, a link that can carry the sheet's contents away
(OWASP: CSV injection). So every text cell goes out as text; numbers and dates stay
numbers and dates, so that the spreadsheet can still count and sort them.

Times are written in Swedish time: give them aware (as the database gives them) or already
local; a spreadsheet has no time zones, so the Excel file holds the local time itself.
"""

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Column widths in characters: wide enough for a date and a time, and for most names and
# choices, without one long cell making the sheet unreadable.
MIN_WIDTH, MAX_WIDTH = 10, 50


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet would read as a formula, with a ' in front (OWASP's advice for
    CSV, where a cell has no type); anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_response(filename: str, rows: Iterable[Sequence[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Excel in Swedish reads a file as UTF-8 only with the byte-order mark, and splits
    # columns on the list separator of the Swedish locale, which is the semicolon.
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    for row in rows:
        writer.writerow([safe_cell(_csv_value(value)) for value in row])
    return response


def _csv_value(value: Any) -> Any:
    # As Excel in Swedish writes them, and reads them back as dates and times.
    if isinstance(value, datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _local(moment: datetime) -> datetime:
    """A time in Swedish time, without a zone (neither a spreadsheet nor openpyxl has one)."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.replace(tzinfo=None)


def xlsx_response(filename: str, sheet_title: str, rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """The rows as an Excel sheet: the first row a header that stays in view and has filters,
    dates and times as Excel dates, and each column as wide as its content."""
    from openpyxl import Workbook
    from openpyxl.cell import Cell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    widths: dict[int, int] = {}
    for number, row in enumerate(rows):
        cells = []
        for column, value in enumerate(row, start=1):
            cell = Cell(sheet, value=_local(value) if isinstance(value, datetime) else value)
            if isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
            elif isinstance(value, str) and value.startswith(FORMULA_START):
                # openpyxl makes a formula of any text that begins with "=". A cell can
                # say that it is text, so the name is shown as it was written, without
                # the quote the CSV file needs; and the quote prefix keeps it text when
                # the officer edits the cell.
                cell.data_type = "s"
                cell.quotePrefix = True
            if number == 0:
                cell.font = Font(bold=True)
            widths[column] = max(widths.get(column, 0), _width(value))
            cells.append(cell)
        sheet.append(cells)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = width + 2
    sheet.freeze_panes = "A2"
    if widths:
        sheet.auto_filter.ref = sheet.dimensions
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    workbook.save(response)
    return response


def _width(value: Any) -> int:
    if isinstance(value, datetime):
        return len("2026-01-01 12:00")
    if isinstance(value, date):
        return len("2026-01-01")
    text = "" if value is None else str(value)
    longest = max((len(line) for line in text.splitlines()), default=0)
    return min(max(longest, MIN_WIDTH), MAX_WIDTH)
