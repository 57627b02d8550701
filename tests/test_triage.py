"""The security officers' workplace in the admin: triage, history, access log, two at once."""

import csv
import io
from importlib import import_module

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from openpyxl import load_workbook

from incidents.models import AccessLogEntry, InternalNote, TriageChange
from portal.models import SECURITY_OFFICERS, User

from .conftest import (
    PASSWORD,
    SECRET,
    change_url,
    form_data,
    login_verified,
    sent_report,
)

pytestmark = pytest.mark.django_db

LIST = "/admin/incidents/incident/"


@pytest.fixture
def second_officer(db):
    user = User.objects.create_user(
        "olle@example.se", PASSWORD, full_name="Olle Ordning", is_staff=True,
        role=User.Role.SAKERHETSHANDLAGGARE,
    )  # fmt: skip
    user.groups.add(Group.objects.get(name=SECURITY_OFFICERS))
    return user


def test_the_group_has_exactly_the_permissions_the_work_needs():
    group = Group.objects.get(name=SECURITY_OFFICERS)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"view_incident", "change_incident", "view_accesslogentry", "add_internalnote"} <= (
        codenames
    )
    assert "delete_incident" not in codenames and "add_incident" not in codenames
    assert "change_accesslogentry" not in codenames and "delete_accesslogentry" not in codenames
    assert "change_evidence" not in codenames and "delete_evidence" not in codenames


def test_staff_outside_the_group_see_no_reports(client, official):
    sent_report(official)
    staff = User.objects.create_user(
        "it@example.se", PASSWORD, full_name="IT", is_staff=True, is_superuser=True
    )
    login_verified(client, staff)
    assert client.get(LIST).status_code == 403
    assert "Händelserapporter" not in client.get("/admin/").text


def test_the_list_shows_filters_and_searches(client, officer, official):
    a = sent_report(official, kinds=["hot", "vald"], place="Nyköping")
    b = sent_report(official, kinds=["hat"], channel="brev")
    login_verified(client, officer)
    html = client.get(LIST).text
    assert a.reference in html and b.reference in html
    for heading in ["Referens", "Status", "Allvarlighet", "Handläggare", "Nästa uppföljning"]:
        assert heading in html
    assert "polisanmälan" in html  # a filter, no longer a column
    only_violence = client.get(LIST, {"typ": "vald"}).text
    assert a.reference in only_violence and b.reference not in only_violence
    assert b.reference in client.get(LIST, {"channel__exact": "brev"}).text
    assert a.reference not in client.get(LIST, {"channel__exact": "brev"}).text
    assert 'href="/admin/incidents/incident/statistik/"' in html
    found = client.get(LIST, {"q": a.reference}).text
    assert a.reference in found and b.reference not in found


def test_the_submitted_account_is_read_only_and_triage_changes_are_recorded(
    client, officer, official
):
    incident = sent_report(official)
    login_verified(client, officer)
    page = client.get(change_url(incident))
    assert SECRET in page.text
    data = form_data(
        page, status="under_bedomning", severity="hog", handler=officer.pk, during="Ändrat!"
    )
    response = client.post(change_url(incident), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    incident.refresh_from_db()
    assert incident.status == "under_bedomning" and incident.severity == "hog"
    assert incident.handler == officer
    assert incident.during == SECRET  # never changed here
    assert incident.first_triaged_at is not None
    changes = {
        c.field: (c.old_value, c.new_value, c.changed_by) for c in TriageChange.objects.all()
    }
    assert changes["status"] == ("Ny", "Under bedömning", officer)
    assert changes["severity"] == ("–", "Hög", officer)
    history = client.get(change_url(incident)).text
    assert "Historik" in history and "Under bedömning" in history


def test_closing_needs_a_summary_and_reopening_clears_the_closing_time(client, officer, official):
    incident = sent_report(official)
    login_verified(client, officer)
    page = client.get(change_url(incident))
    refused = client.post(change_url(incident), form_data(page, status="avslutad"))
    assert refused.status_code == 200
    assert "Skriv en sammanfattning innan ärendet avslutas" in refused.text
    closed = client.post(
        change_url(incident),
        form_data(page, status="avslutad", closing_summary="Polisanmält, inga fler händelser."),
    )
    assert closed.status_code == 302
    incident.refresh_from_db()
    assert incident.closed_at is not None
    page = client.get(change_url(incident))
    client.post(change_url(incident), form_data(page, status="under_bedomning"))
    incident.refresh_from_db()
    assert incident.status == "under_bedomning" and incident.closed_at is None


def test_the_second_of_two_handlers_never_overwrites_the_first(
    client, officer, second_officer, official
):
    from django.test import Client

    incident = sent_report(official)
    login_verified(client, officer)
    other = login_verified(Client(), second_officer)
    mine = client.get(change_url(incident))
    theirs = other.get(change_url(incident))

    assert (
        other.post(change_url(incident), form_data(theirs, status="atgarder_pagar")).status_code
        == 302
    )
    response = client.post(change_url(incident), form_data(mine, severity="mattlig"))
    assert response.status_code == 200
    assert "Olle Ordning har ändrat rapporten medan du hade den öppen" in response.text
    assert "Status från Ny till Åtgärder pågår" in response.text
    incident.refresh_from_db()
    assert incident.status == "atgarder_pagar" and incident.severity == ""
    # What this handler chose is still in the form, now based on the latest version.
    form = response.context["adminform"].form
    assert form.data["severity"] == "mattlig"
    again = client.post(change_url(incident), form.data)
    assert again.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "atgarder_pagar" and incident.severity == "mattlig"


def test_in_a_conflict_text_both_handlers_wrote_is_not_thrown_away(
    client, officer, second_officer, official
):
    from django.test import Client

    incident = sent_report(official)
    login_verified(client, officer)
    other = login_verified(Client(), second_officer)
    mine = client.get(change_url(incident))
    theirs = other.get(change_url(incident))
    other.post(change_url(incident), form_data(theirs, closing_summary="Olles korta text."))
    mine_text = "Saras långa sammanfattning av ärendet, skriven under en halvtimme."
    response = client.post(change_url(incident), form_data(mine, closing_summary=mine_text))
    assert response.status_code == 200
    assert "har ändrat rapporten medan du hade den öppen" in response.text
    assert mine_text in response.text
    incident.refresh_from_db()
    assert incident.closing_summary == "Olles korta text."


def test_internal_notes_stay_internal_and_messages_reach_the_reporter(
    client, officer, official, django_capture_on_commit_callbacks
):
    incident = sent_report(official)
    login_verified(client, officer)
    page = client.get(change_url(incident))
    data = form_data(page)
    data.update(
        {
            "notes-TOTAL_FORMS": 1, "notes-0-text": "Ring polisen om hotbilden.",
            "messages-TOTAL_FORMS": 1, "messages-0-text": "Vi har pratat med polisen.",
        }
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(incident), data)
    assert response.status_code == 302
    note = InternalNote.objects.get()
    assert note.author == officer
    news = [m for m in mail.outbox if m.to == [official.email]]
    assert len(news) == 1
    assert "Vi har pratat med polisen" not in news[0].body
    assert incident.reference in news[0].subject

    client.force_login(official)
    mine = client.get(f"/mina-rapporter/{incident.pk}/").text
    assert "Vi har pratat med polisen." in mine
    assert "Ring polisen om hotbilden" not in mine


def test_every_view_and_download_is_in_the_access_log_which_nobody_can_change(
    client, officer, official
):
    incident = sent_report(official)
    login_verified(client, officer)
    client.get(change_url(incident))
    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.action, entry.reference) == (officer, "visning", incident.reference)
    log_page = client.get("/admin/incidents/accesslogentry/")
    assert incident.reference in log_page.text
    assert client.get(f"/admin/incidents/accesslogentry/{entry.pk}/delete/").status_code == 403
    change = client.post(
        f"/admin/incidents/accesslogentry/{entry.pk}/change/", {"user_email": "x@y.se"}
    )
    assert change.status_code == 403
    assert client.get("/admin/incidents/accesslogentry/add/").status_code == 403
    entry.refresh_from_db()
    assert entry.user_email == officer.email


def test_actions_assign_to_me_and_change_status_record_history(client, officer, official):
    a, b = sent_report(official), sent_report(official)
    login_verified(client, officer)
    pks = [a.pk, b.pk]
    client.post(LIST, {"action": "assign_to_me", "_selected_action": pks})
    client.post(LIST, {"action": "mark_measures", "_selected_action": pks})
    for incident in (a, b):
        incident.refresh_from_db()
        assert incident.handler == officer and incident.status == "atgarder_pagar"
    assert TriageChange.objects.filter(field="handler").count() == 2
    response = client.post(LIST, {"action": "mark_closed", "_selected_action": [a.pk]}, follow=True)
    assert "Skriv en sammanfattning vid avslut" in response.text
    a.refresh_from_db()
    assert a.status == "atgarder_pagar"


def test_export_to_csv_and_xlsx_without_the_reports_text(client, officer, official):
    a = sent_report(official, police_report="gjord")
    login_verified(client, officer)
    response = client.post(LIST, {"action": "export_csv", "_selected_action": [a.pk]})
    assert response["Content-Disposition"] == 'attachment; filename="handelserapporter.csv"'
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][0] == "Referens" and rows[1][0] == a.reference
    assert "ja" in rows[1]
    assert SECRET not in text
    xlsx = client.post(LIST, {"action": "export_xlsx", "_selected_action": [a.pk]})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A1"].value == "Referens" and sheet["A2"].value == a.reference


def test_the_handler_choice_offers_only_security_officers(client, officer, official):
    incident = sent_report(official)
    login_verified(client, officer)
    page = client.get(change_url(incident))
    form = page.context["adminform"].form
    assert list(form.fields["handler"].queryset) == [officer]
    assert "– Ingen handläggare –" in page.text and "– Inte bedömd –" in page.text
    assert "Select an option" not in page.text
    # No "view on site" for officers: the reporter's page is theirs alone.
    assert f'href="/mina-rapporter/{incident.pk}/"' not in page.text


@pytest.mark.django_db(transaction=True)
def test_list_actions_work_outside_a_test_transaction(client, official):
    """The admin runs actions without a transaction of its own; on PostgreSQL the row lock
    in change_triage needs one, so the verb makes its own."""

    from django.apps import apps

    # Another transactional test may have emptied the tables the migrations filled.
    for migration in [
        "portal.migrations.0002_security_officers_group",
        "incidents.migrations.0006_security_officers_permissions",
    ]:
        import_module(migration).grant(apps, None)
    officer = User.objects.create_user("sara@example.se", PASSWORD, full_name="Sara", is_staff=True)
    officer.groups.add(Group.objects.get(name=SECURITY_OFFICERS))
    incident = sent_report(official)
    login_verified(client, officer)
    client.post(LIST, {"action": "assign_to_me", "_selected_action": [incident.pk]})
    incident.refresh_from_db()
    assert incident.handler == officer
