"""An elected official reports an incident: the form, drafts, references and mail."""

import os
import re
import time
import uuid

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from incidents.forms import ReportForm
from incidents.models import MAX_TEXT, Evidence, Incident, ReferenceCounter
from incidents.views import KEPT_REPORT, KEPT_SUPPLEMENT

from .conftest import (
    PASSWORD,
    SECRET,
    in_threads,
    kept_values,
    login_verified,
    png_upload,
    post_after_idle_timeout,
    report_data,
    sent_report,
    stored_files,
)

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def year_of(incident):
    """The year in Sweden when the report was sent, which its reference carries."""
    return timezone.localdate(incident.submitted_at).year


@pytest.fixture
def send(logged_in, django_capture_on_commit_callbacks):
    """POST a report the way the browser does, running what waits for the commit."""

    def post(data=None, files=None, url="/rapportera/"):
        payload = dict(data or report_data())
        if files is not None:
            payload["files"] = files
        with django_capture_on_commit_callbacks(execute=True):
            return logged_in.post(url, payload)

    return post


class BrokenMailer(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("e-postservern svarar inte")


# The form


def test_anonymous_visitor_is_asked_to_log_in(client):
    response = client.get("/rapportera/")
    assert response.status_code == 302
    assert response["Location"].startswith("/logga-in/?next=/rapportera/")


def test_form_shows_the_account_for_confirmation(logged_in):
    html = logged_in.get("/rapportera/").text
    assert "Anna Andersson" in html and "anna@example.se" in html and "070-111 11 11" in html


def test_form_asks_in_the_plans_documentation_structure(logged_in):
    html = logged_in.get("/rapportera/").text
    for label in ["Vad hände innan?", "Vad hände under?", "Vad gjorde du/ni?"]:
        assert label in html
    for kind in ["Hot", "Hat eller trakasserier", "Våld", "Skadegörelse", "Stöld"]:
        assert kind in html
    assert "<fieldset" in html and "<legend" in html


def test_form_gives_the_plans_police_advice(logged_in):
    html = logged_in.get("/rapportera/").text
    assert 'href="tel:112"' in html and 'href="tel:11414"' in html
    assert "Säg att du är förtroendevald" in html
    assert "särskilda nummer för förtroendevalda" in html
    # The plan's whole sentence: one may ask, and the protection ends at prosecution.
    assert "Du kan begära att anmälan blir åtkomstskyddad" in html
    assert "sekretessbelagd under utredningen" in html
    assert "Skyddet upphör om anmälan leder till åtal" in html


def test_form_says_that_position_data_is_removed_from_images(logged_in):
    assert "Vi tar bort platsuppgifter (GPS)" in logged_in.get("/rapportera/").text


def test_report_pages_are_not_cached_and_have_no_inline_script(logged_in):
    response = logged_in.get("/rapportera/")
    assert "no-store" in response["Cache-Control"]
    assert "<script>" not in response.text and "style=" not in response.text


# Sending


def test_official_sends_a_report_and_gets_a_reference(send, official):
    response = send()
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/mina-rapporter/{incident.pk}/kvitto/"
    assert incident.reference == f"HHV-{year_of(incident)}-0001"
    assert incident.reporter == official
    assert incident.kinds == ["hot", "hat"]
    assert incident.consequences == ["oro", "avstatt_mote"]
    assert incident.during == SECRET
    assert incident.may_contact is True
    assert incident.status == Incident.Status.NY
    assert incident.submitted_at is not None


def test_receipt_shows_the_reference_what_happens_next_and_the_checklist(send, logged_in):
    send()
    incident = Incident.objects.get()
    html = logged_in.get(f"/mina-rapporter/{incident.pk}/kvitto/").text
    assert f"HHV-{year_of(incident)}-0001" in html
    assert "Vad händer nu?" in html
    assert "CHECKLISTA" in html and "Dokumentera händelsen" in html
    # Not reported to the police: the advice is given again, the whole of it.
    assert "åtkomstskyddad" in html
    assert "Skyddet upphör om anmälan leder till åtal" in html


def test_references_count_within_the_year(send):
    send()
    send()
    first, second = Incident.objects.order_by("submitted_at")
    assert [first.reference, second.reference] == [
        f"HHV-{year_of(first)}-0001",
        f"HHV-{year_of(first)}-0002",
    ]


def test_a_new_year_starts_again_at_one(db):
    ReferenceCounter.objects.create(prefix="HHV", year=2025, last=41)
    with transaction.atomic():
        assert ReferenceCounter.next_reference(2025) == "HHV-2025-0042"
        assert ReferenceCounter.next_reference(2026) == "HHV-2026-0001"


def test_double_submit_makes_one_report(send, officer):
    data = report_data()
    first = send(data)
    second = send(data)
    assert Incident.objects.count() == 1
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert len(mail.outbox) == 2  # one to the officers, one receipt: not four


def test_double_submit_with_files_stores_each_file_once(send):
    data = report_data()
    send(data, files=[png_upload()])
    send(data, files=[png_upload()])
    assert Evidence.objects.count() == 1
    assert len(stored_files()) == 1


def test_the_same_file_chosen_twice_in_one_sending_is_stored_once(send):
    send(files=[png_upload(), png_upload("samma-igen.png")])
    assert Evidence.objects.count() == 1
    assert len(stored_files()) == 1


def test_a_file_already_in_the_draft_chosen_again_when_sending_is_stored_once(send):
    send(report_data(action="utkast"), files=[png_upload()])
    incident = Incident.objects.get()
    send(
        report_data(token=incident.submission_token),
        files=[png_upload()],
        url=f"/rapportera/utkast/{incident.pk}/",
    )
    incident.refresh_from_db()
    assert not incident.is_draft
    assert incident.evidence.count() == 1
    assert len(stored_files()) == 1


def test_a_form_saved_as_a_draft_and_then_sent_from_the_same_page_sends_that_draft(send):
    """The back button, or a second tab: the form that made the draft is sent."""
    data = report_data(action="utkast")
    send(data)
    response = send({**data, "action": "skicka"})
    incident = Incident.objects.get()
    assert response["Location"] == f"/mina-rapporter/{incident.pk}/kvitto/"
    assert incident.reference == f"HHV-{year_of(incident)}-0001"


def test_required_fields_left_empty_get_swedish_errors_and_keep_the_text(send):
    data = report_data(kinds=[], channel="", occurred_on="", place="", police_report="")
    response = send(data)
    assert response.status_code == 200
    html = response.text
    assert "Något behöver rättas innan du kan gå vidare" in html
    assert "Välj minst ett alternativ." in html
    assert "Välj ett alternativ." in html
    assert "Detta fält måste fyllas i." in html
    assert SECRET in html and "Ring mobilen efter klockan 17." in html
    assert Incident.objects.count() == 0


def test_a_very_long_text_is_refused_with_a_clear_message_and_kept(send):
    long_text = "Han kom tillbaka. " * 700  # over 10 000 characters
    response = send(report_data(before=long_text))
    assert response.status_code == 200
    assert "Här ryms högst 10000 tecken" in response.text
    assert long_text.strip() in response.text
    assert 'maxlength="' not in response.text  # the browser must not cut a paste short
    assert Incident.objects.count() == 0


def test_a_bad_date_gets_a_plain_message(send):
    response = send(report_data(occurred_on="14 mars"))
    assert "Skriv datumet som år-månad-dag" in response.text
    assert Incident.objects.count() == 0


def test_a_failure_part_way_leaves_no_report_and_no_file(send, monkeypatch):
    def broken_submit(self, **kwargs):
        raise RuntimeError("databasen försvann mitt i")

    monkeypatch.setattr(Incident, "submit", broken_submit)
    with pytest.raises(RuntimeError):
        send(files=[png_upload(), png_upload("andra.png", (30, 30))])
    assert Incident.objects.count() == 0
    assert Evidence.objects.count() == 0
    assert stored_files() == []


def test_sending_a_token_of_another_officials_report_is_a_404(send, other_official):
    theirs = Incident.objects.create(reporter=other_official)
    response = send(report_data(token=theirs.submission_token))
    assert response.status_code == 404
    assert Incident.objects.count() == 1


# Mail


def test_security_officers_get_a_mail_with_reference_and_link_but_no_content(
    send, officer, settings
):
    settings.INCIDENT_NOTIFY_EMAILS = ["sakerhet@regionsormland.se"]
    send()
    incident = Incident.objects.get()
    # A message each, so that no address sees the others.
    for address in [officer.email, "sakerhet@regionsormland.se"]:
        (to_officers,) = [m for m in mail.outbox if m.to == [address]]
        assert incident.reference in to_officers.subject
        assert (
            f"{settings.PORTAL_BASE_URL}/admin/incidents/incident/{incident.pk}/change/"
            in to_officers.body
        )
        for content in [SECRET, "Facebook", "Sanningen123", "Anna Andersson", "Hot"]:
            assert content not in to_officers.body and content not in to_officers.subject


def test_reporter_gets_a_receipt_without_content(send, official):
    send()
    incident = Incident.objects.get()
    receipt = next(m for m in mail.outbox if m.to == [official.email])
    assert incident.reference in receipt.subject and incident.reference in receipt.body
    assert f"{settings.PORTAL_BASE_URL}/mina-rapporter/{incident.pk}/" in receipt.body
    for content in [SECRET, "Facebook", "Sanningen123", "budgeten"]:
        assert content not in receipt.body


def test_no_mail_leaves_before_the_report_is_committed(
    logged_in, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        logged_in.post("/rapportera/", report_data())
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_a_failing_mail_server_keeps_the_report_and_shows_it_to_the_officer(
    send, officer, settings, client, caplog
):
    settings.MAILERS = {"default": {"BACKEND": "tests.test_incident_report.BrokenMailer"}}
    response = send()
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.reference == f"HHV-{year_of(incident)}-0001"
    assert incident.notification_failed_at is not None
    assert SECRET not in caplog.text
    login_verified(client, officer)
    assert "Misslyckades" in client.get("/admin/incidents/incident/").text


def test_with_no_security_officer_the_report_is_marked_as_not_notified(send):
    send()
    assert Incident.objects.get().notification_failed_at is not None


# Session expiry


def test_an_expired_session_keeps_the_text_through_the_login(client, official):
    response = post_after_idle_timeout(client, official, "/rapportera/", report_data())
    assert response.status_code == 302
    assert response["Location"] == "/logga-in/?next=/rapportera/%3Faterstall%3D1"
    assert Incident.objects.count() == 0

    response = client.post(
        response["Location"],
        {"username": official.email, "password": PASSWORD, "next": "/rapportera/?aterstall=1"},
    )
    assert response["Location"] == "/rapportera/?aterstall=1"

    html = client.get("/rapportera/?aterstall=1").text
    assert "Du hade blivit utloggad" in html and "Filer behöver du välja igen" in html
    assert SECRET in html and "Ring mobilen efter klockan 17." in html
    assert re.search(r'value="hot"[^>]*checked', html)
    assert 'value="2026-03-14"' in html


def test_text_kept_after_a_time_out_is_never_given_to_the_next_user(
    client, official, other_official
):
    post_after_idle_timeout(client, official, "/rapportera/", report_data())
    client.post("/logga-in/", {"username": other_official.email, "password": PASSWORD})
    html = client.get("/rapportera/?aterstall=1").text
    assert SECRET not in html and "Du hade blivit utloggad" not in html


def test_a_supplement_sent_after_a_time_out_comes_back_after_the_login(client, official):
    client.force_login(official)
    client.post("/rapportera/", report_data())
    incident = Incident.objects.get()
    url = f"/mina-rapporter/{incident.pk}/komplettera/"
    data = {"text": "Han ringde igen i kväll.", "submission_token": str(uuid.uuid4())}
    response = post_after_idle_timeout(client, official, url, data)
    assert response.status_code == 302 and response["Location"].startswith("/logga-in/")
    client.post("/logga-in/", {"username": official.email, "password": PASSWORD})
    html = client.get(f"/mina-rapporter/{incident.pk}/?aterstall=1").text
    assert "Han ringde igen i kväll." in html and "Du hade blivit utloggad" in html
    assert incident.supplements.count() == 0


def test_a_session_that_timed_out_while_writing_keeps_the_text(client, official):
    client.force_login(official)
    client.get("/rapportera/")
    session = client.session
    session["last_seen"] = int(time.time()) - 24 * 3600  # long past the idle time-out
    session.save()
    response = client.post("/rapportera/", report_data())
    assert response["Location"] == "/logga-in/?next=/rapportera/%3Faterstall%3D1"
    assert Incident.objects.count() == 0
    client.force_login(official)
    assert SECRET in client.get("/rapportera/?aterstall=1").text


def test_the_restored_report_can_then_be_sent_once(client, official):
    data = report_data()
    post_after_idle_timeout(client, official, "/rapportera/", data)
    client.force_login(official)
    html = client.get("/rapportera/?aterstall=1").text
    assert data["submission_token"] in html
    client.post("/rapportera/", data)
    client.post("/rapportera/", data)
    assert Incident.objects.submitted().count() == 1


def session_bytes():
    return sum(len(session.session_data) for session in Session.objects.all())


def test_a_visitor_who_was_never_logged_in_gets_nothing_kept_in_the_session(client, official):
    """A report can't be started without a login, so a POST from someone who was never
    logged in is nobody's text: keeping it would only fill the session table."""
    client.force_login(official)
    incident = sent_report(official)
    visitor = Client()
    big = os.urandom(850_000).hex()  # 1.7 MB that the session's compression can't shrink
    for _ in range(5):
        response = visitor.post("/rapportera/", report_data(during=big))
        assert response["Location"] == "/logga-in/?next=/rapportera/%3Faterstall%3D1"
        response = visitor.post(f"/mina-rapporter/{incident.pk}/komplettera/", {"text": big})
        assert response["Location"].startswith("/logga-in/")
    assert session_bytes() < 5_000
    assert Incident.objects.count() == 1


def test_a_timed_out_officials_kept_report_holds_only_the_forms_fields_within_their_limits(
    client, official
):
    data = report_data(
        during=os.urandom(MAX_TEXT).hex()[: MAX_TEXT + 1],
        place="  Facebook, min offentliga sida  ",
        kinds=["hot", "hot", "inte-en-typ"],
        occurred_on="2026-03-14" + " " * 100_000,
        extra=os.urandom(50_000).hex(),
        action=os.urandom(50_000).hex(),
    )
    post_after_idle_timeout(client, official, "/rapportera/", data)
    kept = kept_values(client, KEPT_REPORT)
    assert set(kept) <= set(ReportForm.base_fields) - {"files"}
    assert "during" not in kept and "kinds" not in kept
    assert kept["place"] == ["Facebook, min offentliga sida"]
    assert kept["occurred_on"] == ["2026-03-14"]
    assert kept["before"] == ["Jag hade skrivit om budgeten för vården."]
    assert session_bytes() < 5_000

    client.force_login(official)
    html = client.get("/rapportera/?aterstall=1").text
    assert "Det du fyllde i vid ”Vad hände under?” kunde inte sparas medan du loggade in" in html
    assert "Facebook, min offentliga sida" in html and data["during"][:100] not in html


def test_a_timed_out_officials_kept_supplement_is_within_the_forms_limit(client, official):
    client.force_login(official)
    client.post("/rapportera/", report_data())
    incident = Incident.objects.get()
    url = f"/mina-rapporter/{incident.pk}/komplettera/"
    big = os.urandom(850_000).hex()
    post_after_idle_timeout(client, official, url, {"text": big, "extra": "y"})
    assert kept_values(client, KEPT_SUPPLEMENT) == {}
    assert session_bytes() < 5_000


# Drafts


def test_a_draft_is_saved_without_the_required_fields_and_sends_no_mail(send, officer):
    response = send(report_data(action="utkast", kinds=[], channel="", place=""))
    incident = Incident.objects.get()
    assert response["Location"] == f"/rapportera/utkast/{incident.pk}/"
    assert incident.is_draft and incident.reference is None
    assert incident.during == SECRET
    assert mail.outbox == []


def test_a_draft_is_listed_on_my_reports_and_finished_later(send, logged_in):
    data = report_data(action="utkast", police_report="")
    send(data, files=[png_upload()])
    incident = Incident.objects.get()
    assert "Utkast sparat" in logged_in.get("/mina-rapporter/").text
    html = logged_in.get(f"/rapportera/utkast/{incident.pk}/").text
    assert SECRET in html and "skarmdump.png" in html

    response = send(
        report_data(token=incident.submission_token, police_report="planerad"),
        url=f"/rapportera/utkast/{incident.pk}/",
    )
    incident.refresh_from_db()
    assert response["Location"] == f"/mina-rapporter/{incident.pk}/kvitto/"
    assert incident.reference == f"HHV-{year_of(incident)}-0001"
    assert incident.evidence.count() == 1
    assert Incident.objects.count() == 1


def test_the_author_deletes_a_draft_and_its_files(send, logged_in):
    send(report_data(action="utkast"), files=[png_upload()])
    incident = Incident.objects.get()
    assert len(stored_files()) == 1
    assert "Ta bort utkastet?" in logged_in.get(f"/mina-rapporter/{incident.pk}/ta-bort/").text
    response = send(url=f"/mina-rapporter/{incident.pk}/radera/", data={})
    assert response["Location"] == "/mina-rapporter/"
    assert Incident.objects.count() == 0
    assert stored_files() == []


def test_a_sent_report_cannot_be_deleted(send, logged_in):
    send()
    incident = Incident.objects.get()
    assert logged_in.get(f"/mina-rapporter/{incident.pk}/ta-bort/").status_code == 404
    assert logged_in.post(f"/mina-rapporter/{incident.pk}/radera/").status_code == 404
    assert Incident.objects.count() == 1


def test_deleting_a_draft_needs_a_post(send, logged_in):
    send(report_data(action="utkast"))
    incident = Incident.objects.get()
    assert logged_in.get(f"/mina-rapporter/{incident.pk}/radera/").status_code == 405
    assert Incident.objects.count() == 1


# Two at once (PostgreSQL: SQLite serialises all writers, so there is no race to test)


@pytest.mark.skipif(not ON_POSTGRESQL, reason="needs PostgreSQL: SQLite allows one writer")
@pytest.mark.django_db(transaction=True)
def test_two_reports_at_the_same_instant_get_distinct_references(official):
    drafts = [Incident.objects.create(reporter=official) for _ in range(8)]

    def submit(i):
        with transaction.atomic():
            incident = Incident.objects.get(pk=drafts[i].pk)
            incident.submit()
            return incident.reference

    references, errors = in_threads(len(drafts), submit)
    assert errors == []
    year = year_of(Incident.objects.earliest("submitted_at"))
    assert sorted(references) == [f"HHV-{year}-{n:04d}" for n in range(1, 9)]


def hold_the_first_sending_until_the_other_waits(monkeypatch):
    """The request that sends first keeps its transaction open until the other request waits
    for it (for the draft's row lock, or for the new report's unique token): so the two are
    at the same instant however the threads happen to run."""
    submit, sending = Incident.submit, []

    def held(self, **kwargs):
        sending.append(self)
        if len(sending) == 1:
            with connection.cursor() as cursor:
                for _ in range(200):  # at most ten seconds: then the test goes on regardless
                    cursor.execute(
                        "SELECT EXISTS (SELECT 1 FROM pg_locks "
                        "WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid)))"
                    )
                    if cursor.fetchone()[0]:
                        break
                    time.sleep(0.05)
        return submit(self, **kwargs)

    monkeypatch.setattr(Incident, "submit", held)


@pytest.mark.skipif(not ON_POSTGRESQL, reason="needs PostgreSQL: SQLite allows one writer")
@pytest.mark.django_db(transaction=True)
def test_a_double_click_at_the_same_instant_makes_one_report(official, monkeypatch):
    hold_the_first_sending_until_the_other_waits(monkeypatch)
    data = report_data()

    def post(i):
        client = Client()
        client.force_login(official)
        return client.post("/rapportera/", data)["Location"]

    locations, errors = in_threads(2, post)
    assert errors == []
    incident = Incident.objects.get()
    assert locations == [f"/mina-rapporter/{incident.pk}/kvitto/"] * 2
    assert incident.reference == f"HHV-{year_of(incident)}-0001"


@pytest.mark.skipif(not ON_POSTGRESQL, reason="needs PostgreSQL: SQLite allows one writer")
@pytest.mark.django_db(transaction=True)
def test_a_draft_sent_twice_at_the_same_instant_is_sent_once(official, monkeypatch):
    draft = Incident.objects.create(reporter=official, during=SECRET)
    hold_the_first_sending_until_the_other_waits(monkeypatch)
    data = report_data(token=draft.submission_token)

    def post(i):
        client = Client()
        client.force_login(official)
        return client.post(f"/rapportera/utkast/{draft.pk}/", data)["Location"]

    locations, errors = in_threads(2, post)
    assert errors == []
    assert locations == [f"/mina-rapporter/{draft.pk}/kvitto/"] * 2
    draft.refresh_from_db()
    assert draft.reference == f"HHV-{year_of(draft)}-0001"
    assert ReferenceCounter.objects.get(year=year_of(draft)).last == 1  # no second reference taken
    assert len([m for m in mail.outbox if m.to == [official.email]]) == 1  # one receipt
