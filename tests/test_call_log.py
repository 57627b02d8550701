"""Hotfullt samtal: the log an official keeps during a threatening call, saved on the server
as it is typed, and made into a report with one tap."""

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import CallLog, Incident

from .conftest import PASSWORD, login_verified, post_after_idle_timeout, report_data

pytestmark = pytest.mark.django_db

NEW = "/rapportera/samtal/"
AUTOSAVE = {"X-Autosave": "1"}
SAID = "Du ska få se vad som händer med dig efter mötet på torsdag."


def log_data(token=None, **overrides):
    """The call log as the page sends it."""
    data = {
        "submission_token": str(token or uuid.uuid4()),
        "said": SAID,
        "wants": "Han vill att jag drar tillbaka motionen. Han bekräftade: ”Ja, det är ett hot.”",
        "voice": "Man, kanske 40 år, lugn, skånsk dialekt.",
        "background": "Trafik och ett tåg som tutade.",
        "number_shown": "070-999 88 77",
        "call_time": "14:05",
        "duration": "ungefär 4 minuter",
        "listener": "Kollegan Lisa Lund lyssnade på högtalare.",
        "action": "spara",
    }
    data.update(overrides)
    return data


def autosave(client, url=NEW, **data):
    return client.post(url, log_data(**data), headers=AUTOSAVE)


# The page


def test_the_call_log_asks_the_plans_telephone_questions(logged_in):
    html = logged_in.get(NEW).text
    for label in [
        "Vad säger personen? Skriv ordagrant",
        "Röst och sätt att tala",
        "Ljud i bakgrunden",
        "Numret som visades",
        "Klockslag när samtalet kom",
        "Hur länge pågick samtalet?",
        "Har jag förstått rätt att du ska",
        "Be en kollega lyssna",
    ]:
        assert label in html
    assert html.count("<fieldset") == 3 and html.count("<legend") == 3
    assert "data-autosave" in html and "js/call-log.js" in html
    assert "Gör en rapport av samtalet" in html


def test_the_call_log_offers_the_time_the_page_was_opened(logged_in):
    html = logged_in.get(NEW).text
    now = timezone.localtime()
    shown = re.search(r'name="call_time" value="(\d\d:\d\d)"', html)[1]
    assert shown in {f"{now:%H:%M}", f"{now - timedelta(minutes=1):%H:%M}"}


def test_under_and_the_start_page_reach_the_call_log_in_one_tap(client):
    for page in ["/", "/under/"]:
        assert f'href="{NEW}"' in client.get(page).text


def test_a_visitor_gets_the_log_as_a_plain_form_that_asks_to_log_in(client):
    response = client.get(NEW)
    assert response.status_code == 200
    html = response.text
    assert "Du är inte inloggad" in html and "Logga in och spara" in html
    assert "data-autosave" not in html and "Gör en rapport av samtalet" not in html


# Saving as it is typed


def test_an_autosave_keeps_the_log_on_the_server_as_a_draft_of_a_report(logged_in, official):
    token = uuid.uuid4()
    before = timezone.now()
    response = autosave(logged_in, token=token)
    assert response.status_code == 200
    log = CallLog.objects.get()
    assert response.json() == {
        "saved_at": f"{timezone.localtime(log.updated_at):%H:%M}",
        "url": f"/rapportera/samtal/{log.pk}/",
    }
    assert log.said == SAID and log.number_shown == "070-999 88 77"
    assert f"{log.call_time:%H:%M}" == "14:05"
    # Stamped by the server when the log was made.
    assert before <= log.started_at <= timezone.now()
    draft = log.incident
    assert draft.is_draft and draft.reporter == official and draft.submission_token == token
    assert draft.kinds == ["hot"] and draft.channel == "telefon"


def test_saves_that_come_before_the_page_knows_its_address_make_one_log(logged_in):
    token = uuid.uuid4()
    autosave(logged_in, token=token, said="Första")
    autosave(logged_in, token=token, said="Första och andra")
    assert CallLog.objects.get().said == "Första och andra"
    assert Incident.objects.count() == 1


def test_later_saves_change_the_log_and_a_reload_shows_them(logged_in):
    autosave(logged_in)
    log = CallLog.objects.get()
    url = log.get_absolute_url()
    response = autosave(logged_in, url=url, said=SAID + " Jag vet var du bor.")
    assert response.status_code == 200
    html = logged_in.get(url).text
    assert "Jag vet var du bor." in html
    assert "Loggen påbörjades" in html and "Sparad kl." in html


def test_a_save_counts_as_a_change_of_the_draft(logged_in):
    autosave(logged_in)
    log = CallLog.objects.get()
    long_ago = timezone.now() - timedelta(days=80)
    Incident.objects.filter(pk=log.incident_id).update(updated_at=long_ago)
    autosave(logged_in, url=log.get_absolute_url())
    assert Incident.objects.get().updated_at > long_ago + timedelta(days=79)


def test_the_save_button_works_without_javascript(logged_in):
    response = logged_in.post(NEW, log_data())
    log = CallLog.objects.get()
    assert response.status_code == 302 and response["Location"] == log.get_absolute_url()
    assert "Samtalsloggen är sparad" in logged_in.get(response["Location"]).text


def test_a_text_too_long_is_refused_with_a_reason_and_kept_on_the_page(logged_in):
    too_long = "hot " * 2000
    response = autosave(logged_in, said=too_long)
    assert response.status_code == 400
    assert "Här ryms högst 6000 tecken" in response.json()["errors"][0]
    response = logged_in.post(NEW, log_data(said=too_long))
    assert response.status_code == 200
    assert "Här ryms högst 6000 tecken" in response.text and too_long.strip() in response.text
    assert CallLog.objects.count() == 0


# Whose it is


def test_another_official_cannot_open_or_change_the_log(client, logged_in, other_official):
    autosave(logged_in)
    log = CallLog.objects.get()
    client.force_login(other_official)
    assert client.get(log.get_absolute_url()).status_code == 404
    assert autosave(client, url=log.get_absolute_url(), said="Ändrat").status_code == 404
    token = log.incident.submission_token
    assert autosave(client, token=token, said="Ändrat").status_code == 404
    assert CallLog.objects.get().said == SAID


def test_security_officers_do_not_see_the_log(client, logged_in, officer):
    """A draft is its author's alone until it is sent, the call log's too."""
    autosave(logged_in)
    log = CallLog.objects.get()
    login_verified(client, officer)
    assert client.get(log.get_absolute_url()).status_code == 404
    change = client.get(f"/admin/incidents/incident/{log.incident_id}/change/", follow=True)
    assert SAID not in change.text
    assert SAID not in client.get("/admin/incidents/incident/").text


def test_a_visitor_cannot_save_and_what_they_wrote_goes_with_them_to_the_login(client, official):
    response = client.post(NEW, log_data())
    assert response.status_code == 302
    assert response["Location"] == "/logga-in/?next=/rapportera/samtal/%3Faterstall%3D1"
    response = autosave(client)
    assert response.status_code == 401 and response.json()["login"].startswith("/logga-in/")
    assert CallLog.objects.count() == 0 and Incident.objects.count() == 0

    client.post("/logga-in/", {"username": official.email, "password": PASSWORD})
    html = client.get(NEW + "?aterstall=1").text
    assert SAID in html and "data-unsaved" in html
    assert "Tryck på Spara så att det sparas" in html


def test_nothing_typed_is_lost_when_the_login_runs_out_during_the_call(client, official):
    client.force_login(official)
    client.post(NEW, log_data(said="Början"))
    log = CallLog.objects.get()
    url = log.get_absolute_url()

    response = post_after_idle_timeout(client, official, url, log_data(), headers=AUTOSAVE)
    assert response.status_code == 401
    assert response.json()["login"] == f"/logga-in/?next={url}%3Faterstall%3D1"
    assert CallLog.objects.get().said == "Början"  # nothing saved without a login

    response = client.post(
        "/logga-in/", {"username": official.email, "password": PASSWORD, "next": url}
    )
    html = client.get(url + "?aterstall=1").text
    assert SAID in html and "Kollegan Lisa Lund" in html
    assert 'value="070-999 88 77"' in html and 'value="14:05"' in html


def test_the_log_kept_through_a_time_out_is_never_given_to_the_next_user(
    client, official, other_official
):
    client.force_login(official)
    client.post(NEW, log_data(said="Början"))
    post_after_idle_timeout(client, official, NEW, log_data(), headers=AUTOSAVE)
    client.post("/logga-in/", {"username": other_official.email, "password": PASSWORD})
    assert SAID not in client.get(NEW + "?aterstall=1").text


# One tap to a report


def test_one_tap_makes_the_log_a_report_of_a_threat_by_telephone(logged_in, official):
    response = logged_in.post(NEW, log_data(action="rapport"))
    log = CallLog.objects.get()
    incident = log.incident
    assert response.status_code == 302
    assert response["Location"] == f"/rapportera/utkast/{incident.pk}/"
    assert log.reported_at is not None
    assert incident.is_draft and incident.reporter == official
    assert incident.kinds == ["hot"] and incident.channel == "telefon"
    assert incident.timing == "har_hant"
    assert f"{incident.occurred_time:%H:%M}" == "14:05"
    assert incident.occurred_on == timezone.localdate(log.started_at)
    assert incident.place == "Telefonsamtal från 070-999 88 77"
    assert SAID in incident.during and "drar tillbaka motionen" in incident.during
    assert "ungefär 4 minuter" in incident.during
    for text in ["070-999 88 77", "skånsk dialekt", "ett tåg som tutade"]:
        assert text in incident.perpetrator_description
    assert incident.witnesses == "Kollegan Lisa Lund lyssnade på högtalare."

    html = logged_in.get(response["Location"]).text
    assert "Samtalsloggen är nu ett utkast" in html
    assert SAID in html and re.search(r'value="hot"[^>]*checked', html)
    assert re.search(r'value="telefon"[^>]*checked', html)


def test_the_report_made_from_a_log_is_completed_and_sent_in_the_report_form(
    logged_in, django_capture_on_commit_callbacks
):
    logged_in.post(NEW, log_data(action="rapport"))
    incident = Incident.objects.get()
    form = logged_in.get(f"/rapportera/utkast/{incident.pk}/").context["form"]
    data = {name: form[name].value() for name in form.fields if name != "files"}
    data = {name: value for name, value in data.items() if value not in (None, [])}
    data.update(police_report="nej", may_contact="True", action="skicka")
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(f"/rapportera/utkast/{incident.pk}/", data)
    assert response.status_code == 302, response.context["form"].errors
    incident.refresh_from_db()
    assert not incident.is_draft and SAID in incident.during
    # The log's page leads to the report now, not to a second report.
    response = logged_in.get(incident.call_log.get_absolute_url())
    assert response["Location"] == f"/mina-rapporter/{incident.pk}/"


def test_a_second_tap_makes_no_second_copy_of_the_text(logged_in):
    token = uuid.uuid4()
    logged_in.post(NEW, log_data(token=token, action="rapport"))
    log = CallLog.objects.get()
    response = logged_in.post(log.get_absolute_url(), log_data(token=token, action="rapport"))
    assert response["Location"] == f"/rapportera/utkast/{log.incident_id}/"
    assert Incident.objects.get().during.count(SAID) == 1


def test_an_autosave_after_the_log_became_a_report_says_so(logged_in):
    logged_in.post(NEW, log_data(action="rapport"))
    log = CallLog.objects.get()
    response = autosave(logged_in, url=log.get_absolute_url(), said="Sent tillägg")
    assert response.status_code == 409
    assert response.json() == {"report": f"/rapportera/utkast/{log.incident_id}/"}


def test_what_was_already_in_the_draft_stays_when_the_log_is_written_into_it(logged_in):
    autosave(logged_in)
    log = CallLog.objects.get()
    Incident.objects.filter(pk=log.incident_id).update(witnesses="Min granne såg mig ringa.")
    log.refresh_from_db()
    incident = log.to_report()
    assert incident.witnesses == (
        "Min granne såg mig ringa.\n\nKollegan Lisa Lund lyssnade på högtalare."
    )


# Mina rapporter


def test_the_log_is_listed_with_the_drafts_and_leads_back_to_the_log(logged_in):
    autosave(logged_in)
    log = CallLog.objects.get()
    html = logged_in.get("/mina-rapporter/").text
    assert "Samtalslogg sparad" in html and f'href="{log.get_absolute_url()}"' in html
    logged_in.post(log.get_absolute_url(), log_data(action="rapport"))
    html = logged_in.get("/mina-rapporter/").text
    assert f'href="/rapportera/utkast/{log.incident_id}/"' in html


def test_deleting_the_draft_deletes_the_log(logged_in):
    autosave(logged_in)
    log = CallLog.objects.get()
    logged_in.post(f"/mina-rapporter/{log.incident_id}/radera/")
    assert CallLog.objects.count() == 0


def test_the_draft_of_a_log_is_gallrad_with_it_when_forgotten(logged_in):
    autosave(logged_in)
    log = CallLog.objects.get()
    later = timezone.now() + timedelta(days=365)
    Incident.objects.past_retention(later).delete_with_files()
    assert not CallLog.objects.filter(pk=log.pk).exists()


def test_a_report_form_draft_token_does_not_open_as_a_log(logged_in):
    token = uuid.uuid4()
    logged_in.post("/rapportera/", report_data(token=token, action="utkast"))
    assert autosave(logged_in, token=token).status_code == 404
    assert CallLog.objects.count() == 0
