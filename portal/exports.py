"""The CSV and Excel files the security officers download, made safe to open.

Excel and LibreOffice read a cell that begins with =, +, -, @, a tab or a carriage return
as a formula. An official or a handler named =HYPERLINK(...) would otherwise become, in
the security officer's spreadsheet, a link that can carry the sheet's contents away
(OWASP: CSV injection). So every text cell goes out as text; numbers and dates stay
numbers and dates, so that the spreadsheet can still count and sort them.
"""

import csv

from django.http import HttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """Text a spreadsheet would read as a formula, with a ' in front (OWASP's advice for
    CSV, where a cell has no type); anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_response(filename, rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Excel in Swedish reads a file as UTF-8 only with the byte-order mark, and splits
    # columns on the list separator of the Swedish locale, which is the semicolon.
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return response


def xlsx_response(filename, sheet_title, rows):
    from openpyxl import Workbook
    from openpyxl.cell import Cell

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    for row in rows:
        cells = [Cell(sheet, value=value) for value in row]
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                # openpyxl makes a formula of any text that begins with "=". A cell can
                # say that it is text, so the name is shown as it was written, without
                # the quote the CSV file needs; and the quote prefix keeps it text when
                # the officer edits the cell.
                cell.data_type = "s"
                cell.quotePrefix = True
        sheet.append(cells)
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    workbook.save(response)
    return response
