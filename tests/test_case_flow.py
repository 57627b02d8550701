"""A report's case from sending to closing: the police report that comes later, the
reporter who hears back and answers, a closed report opened again, and the report a
security officer registers after a call."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from incidents.models import Incident, ReporterMessage, Supplement, TriageChange
from incidents.statistics import year_statistics
from incidents.views import KEPT_SUPPLEMENT
from portal.models import User

from .conftest import (
    PASSWORD,
    change_url,
    form_data,
    kept_values,
    login_verified,
    png_upload,
    post_after_idle_timeout,
    report_data,
    sent_report,
)

pytestmark = pytest.mark.django_db

LIST = "/admin/incidents/incident/"
REGISTER = "/admin/incidents/incident/registrera-samtal/"
SUMMARY = "Intern bedömning: hotbilden är låg, polisen utreder."
CLOSING = "Tack för att du rapporterade. Polisen utreder, och vi hör av oss om något ändras."


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs a request (or anything) and then what waits for its commit, such as the mail."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


@pytest.fixture
def officer_client(officer):
    return login_verified(Client(), officer)


def detail_url(incident):
    return f"/mina-rapporter/{incident.pk}/"


def mails_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def message_from(officer_client, incident, committed, text, **changes):
    """The handler writes to the reporter in the admin, with any triage changes."""
    page = officer_client.get(change_url(incident))
    data = form_data(page, **changes)
    data.update({"messages-TOTAL_FORMS": 1, "messages-0-text": text})
    response = committed(officer_client.post, change_url(incident), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return ReporterMessage.objects.filter(incident=incident).last()


def close_in_admin(officer_client, incident, committed, **fields):
    page = officer_client.get(change_url(incident))
    data = form_data(page, status="avslutad", closing_summary=SUMMARY, **fields)
    response = committed(officer_client.post, change_url(incident), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    incident.refresh_from_db()
    return response


# 1. The police report after sending


def test_reporter_can_say_later_that_they_have_reported_to_the_police(logged_in, official):
    incident = sent_report(official, police_report="planerad")
    page = logged_in.get(detail_url(incident)).text
    assert "Har du polisanmält sedan du skickade rapporten?" in page
    response = logged_in.post(
        f"/mina-rapporter/{incident.pk}/polisanmalan/",
        {"number": "5000-K123456-26", "reported_on": "2026-03-16"},
        follow=True,
    )
    assert "Tack. Det är sparat att du har polisanmält." in response.text
    assert "5000-K123456-26" in response.text and "16 mars 2026" in response.text
    incident.refresh_from_db()
    assert incident.police_report == "gjord"
    assert incident.police_report_number == "5000-K123456-26"
    assert incident.police_reported_on.isoformat() == "2026-03-16"
    history = {
        c.field: (c.old_value, c.new_value, c.changed_by) for c in TriageChange.objects.all()
    }
    assert history == {
        "police_report": ("Jag tänker polisanmäla", "Ja, jag har polisanmält", official),
        "police_report_number": ("–", "5000-K123456-26", official),
        "police_reported_on": ("–", "2026-03-16", official),
    }


def test_a_report_marked_as_police_reported_later_counts_as_police_reported(
    logged_in, official, committed
):
    committed(logged_in.post, "/rapportera/", report_data(police_report="planerad"))
    incident = Incident.objects.get()
    year = timezone.localdate(incident.submitted_at).year
    assert year_statistics(year).police_reported == 0
    logged_in.post(
        f"/mina-rapporter/{incident.pk}/polisanmalan/",
        {"number": "", "reported_on": timezone.localdate().isoformat()},
    )
    assert year_statistics(year).police_reported == 1


@pytest.mark.parametrize(
    ("reported_on", "error"),
    [
        ("", "Skriv vilket datum du polisanmälde."),
        ("16 mars", "Skriv datumet som år-månad-dag"),
        ("tomorrow", "Datumet kan inte vara senare än i dag."),
    ],
)
def test_a_police_report_date_that_is_missing_wrong_or_in_the_future_is_refused_in_swedish(
    logged_in, official, reported_on, error
):
    incident = sent_report(official, police_report="planerad")
    if reported_on == "tomorrow":
        reported_on = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = logged_in.post(
        f"/mina-rapporter/{incident.pk}/polisanmalan/",
        {"number": "5000-K1-26", "reported_on": reported_on},
    )
    assert response.status_code == 200
    assert "Något behöver rättas innan du kan gå vidare" in response.text
    assert error in response.text
    assert 'value="5000-K1-26"' in response.text  # what was typed is kept
    incident.refresh_from_db()
    assert incident.police_report == "planerad" and TriageChange.objects.count() == 0


def test_only_the_reporter_can_mark_their_report_as_police_reported(
    client, official, other_official
):
    incident = sent_report(official, police_report="nej")
    url = f"/mina-rapporter/{incident.pk}/polisanmalan/"
    client.force_login(other_official)
    assert client.post(url, {"reported_on": "2026-03-16"}).status_code == 404
    client.force_login(official)
    assert client.get(url).status_code == 405
    incident.refresh_from_db()
    assert incident.police_report == "nej"


def test_officer_sets_the_police_report_in_triage_and_it_is_in_the_history(
    officer_client, officer, official
):
    incident = sent_report(official, police_report="nej")
    page = officer_client.get(change_url(incident))
    assert "Polisanmäld den" in page.text
    data = form_data(
        page,
        police_report="gjord",
        police_report_number="5000-K9-26",
        police_reported_on="2026-03-20",
    )
    assert officer_client.post(change_url(incident), data).status_code == 302
    incident.refresh_from_db()
    assert (incident.police_report, incident.police_report_number) == ("gjord", "5000-K9-26")
    change = TriageChange.objects.get(field="police_report")
    assert (change.old_value, change.new_value, change.changed_by) == (
        "Nej",
        "Ja, jag har polisanmält",
        officer,
    )
    assert "Polisanmälan" in officer_client.get(change_url(incident)).text


def test_the_officer_cannot_date_a_police_report_in_the_future(officer_client, official):
    incident = sent_report(official, police_report="nej")
    page = officer_client.get(change_url(incident))
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = officer_client.post(
        change_url(incident), form_data(page, police_report="gjord", police_reported_on=tomorrow)
    )
    assert response.status_code == 200
    assert "Datumet kan inte vara senare än i dag." in response.text
    incident.refresh_from_db()
    assert incident.police_report == "nej"


def test_a_reporters_police_report_while_the_officer_has_the_form_open_is_not_overwritten(
    officer_client, logged_in, official
):
    incident = sent_report(official, police_report="planerad")
    page = officer_client.get(change_url(incident))
    logged_in.post(
        f"/mina-rapporter/{incident.pk}/polisanmalan/",
        {"number": "5000-K7-26", "reported_on": "2026-03-16"},
    )
    response = officer_client.post(change_url(incident), form_data(page, severity="mattlig"))
    assert response.status_code == 200
    assert "Anna Andersson har ändrat rapporten medan du hade den öppen" in response.text
    assert "Polisanmälan från Jag tänker polisanmäla till Ja, jag har polisanmält" in response.text
    again = officer_client.post(change_url(incident), response.context["adminform"].form.data)
    assert again.status_code == 302
    incident.refresh_from_db()
    assert (incident.police_report, incident.severity) == ("gjord", "mattlig")
    assert incident.police_report_number == "5000-K7-26"


# 2. The reporter hears back


def test_a_handlers_message_gives_a_contentless_mail_and_news_until_the_reporter_opens_it(
    officer_client, logged_in, official, committed
):
    incident = sent_report(official)
    mail.outbox.clear()
    assert "Nytt i ärendet" not in logged_in.get("/mina-rapporter/").text
    message_from(officer_client, incident, committed, "Vi har pratat med polisen i Nyköping.")

    [news] = mails_to(official)
    assert incident.reference in news.subject and incident.reference in news.body
    assert f"{settings.PORTAL_BASE_URL}{detail_url(incident)}" in news.body
    assert "polisen i Nyköping" not in news.body and "polisen i Nyköping" not in news.subject
    assert "Nytt i ärendet" in logged_in.get("/mina-rapporter/").text
    my_pages = logged_in.get("/mina-sidor/").text
    assert "Nytt i dina rapporter" in my_pages
    assert f"Nytt i ärendet {incident.reference}" in my_pages
    assert Incident.objects.with_unread_news().count() == 1

    page = logged_in.get(detail_url(incident)).text
    assert "Vi har pratat med polisen i Nyköping." in page
    assert "Nytt i ärendet" not in logged_in.get("/mina-rapporter/").text
    assert "Nytt i dina rapporter" not in logged_in.get("/mina-sidor/").text
    assert Incident.objects.with_unread_news().count() == 0


def test_news_shows_only_on_the_reporters_own_pages(
    officer_client, client, official, other_official, committed
):
    incident = sent_report(official)
    message_from(officer_client, incident, committed, "Ring mig när du kan.")
    client.force_login(other_official)
    assert "Nytt i" not in client.get("/mina-sidor/").text
    assert client.get(detail_url(incident)).status_code == 404
    incident.refresh_from_db()
    assert incident.has_unread_news  # someone else's look does not make it read


def test_closing_shows_the_closing_message_to_the_reporter_but_never_the_summary(
    officer_client, logged_in, official, committed
):
    incident = sent_report(official)
    mail.outbox.clear()
    close_in_admin(officer_client, incident, committed, closing_message=CLOSING)
    assert incident.status == "avslutad" and incident.closed_at is not None

    [closed] = mails_to(official)
    assert closed.subject == f"Ditt ärende {incident.reference} är avslutat"
    for content in (CLOSING, SUMMARY, "Polisen utreder", "hotbilden"):
        assert content not in closed.body and content not in closed.subject
    assert "Nytt i ärendet" in logged_in.get("/mina-rapporter/").text

    page = logged_in.get(detail_url(incident)).text
    assert CLOSING in page
    assert "Ärendet är avslutat" in page
    assert SUMMARY not in page and "hotbilden" not in page
    assert SUMMARY not in logged_in.get("/mina-rapporter/").text
    assert SUMMARY not in logged_in.get(f"/mina-rapporter/{incident.pk}/kvitto/").text


def test_closing_without_a_message_still_tells_the_reporter_that_it_is_closed(
    officer_client, logged_in, official, committed
):
    incident = sent_report(official)
    mail.outbox.clear()
    close_in_admin(officer_client, incident, committed)
    [closed] = mails_to(official)
    assert "är avslutat" in closed.subject and "är avslutat" in closed.body
    assert SUMMARY not in closed.body
    assert ReporterMessage.objects.count() == 0
    assert "Nytt i ärendet" in logged_in.get("/mina-rapporter/").text
    assert SUMMARY not in logged_in.get(detail_url(incident)).text


def test_the_close_action_on_the_list_tells_the_reporter_as_well(
    officer_client, logged_in, official, committed
):
    incident = sent_report(official)
    Incident.objects.filter(pk=incident.pk).update(closing_summary=SUMMARY, closing_message=CLOSING)
    mail.outbox.clear()
    committed(
        officer_client.post, LIST, {"action": "mark_closed", "_selected_action": [incident.pk]}
    )
    incident.refresh_from_db()
    assert incident.status == "avslutad"
    [closed] = mails_to(official)
    assert "är avslutat" in closed.subject and CLOSING not in closed.body
    page = logged_in.get(detail_url(incident)).text
    assert CLOSING in page and SUMMARY not in page


def test_a_message_written_while_closing_gives_one_mail(officer_client, official, committed):
    incident = sent_report(official)
    mail.outbox.clear()
    message_from(
        officer_client, incident, committed, "En sista rad.", status="avslutad",
        closing_summary=SUMMARY,
    )  # fmt: skip
    [closed] = mails_to(official)
    assert "är avslutat" in closed.subject


# 3. The reporter answers


def test_reporter_can_answer_a_handlers_message(
    officer_client, logged_in, official, officer, committed
):
    incident = sent_report(official)
    message = message_from(officer_client, incident, committed, "Har han hört av sig igen?")
    mail.outbox.clear()
    page = logged_in.get(detail_url(incident)).text
    assert "Svara" in page and f'id="svar-{message.pk}-text"' in page

    response = committed(
        logged_in.post,
        f"/mina-rapporter/{incident.pk}/komplettera/",
        {
            "text": "Ja, han ringde i går kväll.",
            "in_reply_to": message.pk,
            "submission_token": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    reply = Supplement.objects.get()
    assert (reply.in_reply_to, reply.author) == (message, official)

    to_officers = next(m for m in mail.outbox if officer.email in m.to)
    assert incident.reference in to_officers.subject and "Svar" in to_officers.subject
    assert "ringde i går" not in to_officers.body

    page = logged_in.get(detail_url(incident)).text
    assert "Tack. Ditt svar är sparat i rapporten." in page
    assert "Ditt svar" in page and "Ja, han ringde i går kväll." in page

    admin_page = officer_client.get(change_url(incident)).text
    sent_at = timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M")
    assert f"Svar på meddelande {sent_at}" in admin_page
    assert "Ja, han ringde i går kväll." in admin_page


def test_an_answer_to_a_message_of_another_report_is_refused(
    officer_client, logged_in, official, other_official, committed
):
    mine = sent_report(official)
    theirs = sent_report(other_official)
    message = message_from(officer_client, theirs, committed, "Till Bertil.")
    for in_reply_to in (message.pk, "inte-ett-nummer", 999_999, "9" * 30):
        response = logged_in.post(
            f"/mina-rapporter/{mine.pk}/komplettera/",
            {"text": "Hej", "in_reply_to": in_reply_to, "submission_token": str(uuid.uuid4())},
        )
        assert response.status_code == 404
    assert Supplement.objects.count() == 0


def test_an_empty_answer_gets_a_swedish_error_at_the_message(
    officer_client, logged_in, official, committed
):
    incident = sent_report(official)
    message = message_from(officer_client, incident, committed, "Hur mår du?")
    response = logged_in.post(
        f"/mina-rapporter/{incident.pk}/komplettera/",
        {"text": "", "in_reply_to": message.pk, "submission_token": str(uuid.uuid4())},
    )
    assert response.status_code == 200
    assert "Skriv ditt svar." in response.text
    assert f'href="#svar-{message.pk}-text"' in response.text
    assert Supplement.objects.count() == 0


def test_an_answer_written_when_the_login_ran_out_comes_back_after_the_login(
    officer_client, client, official, committed
):
    incident = sent_report(official)
    message = message_from(officer_client, incident, committed, "Vill du ha ett samtal?")
    url = f"/mina-rapporter/{incident.pk}/komplettera/"
    data = {"text": "Ja gärna, efter klockan 17.", "in_reply_to": message.pk}
    data["submission_token"] = str(uuid.uuid4())
    response = post_after_idle_timeout(client, official, url, data)
    assert response["Location"].startswith("/logga-in/")
    assert kept_values(client, KEPT_SUPPLEMENT)["in_reply_to"] == [str(message.pk)]
    client.post("/logga-in/", {"username": official.email, "password": PASSWORD})
    page = client.get(f"{detail_url(incident)}?aterstall=1")
    reply_form = page.context["news"][0].reply_form
    assert reply_form.initial["text"] == "Ja gärna, efter klockan 17."
    assert "Du hade blivit utloggad" in page.text
    assert Supplement.objects.count() == 0
    client.post(url, {**data, "submission_token": reply_form.initial["submission_token"]})
    assert Supplement.objects.get().in_reply_to == message


def test_a_police_report_written_when_the_login_ran_out_comes_back_after_the_login(
    client, official
):
    incident = sent_report(official, police_report="planerad")
    url = f"/mina-rapporter/{incident.pk}/polisanmalan/"
    data = {"number": "5000-K777-26", "reported_on": "2026-03-16"}
    response = post_after_idle_timeout(client, official, url, data)
    assert response["Location"].startswith("/logga-in/")
    client.post("/logga-in/", {"username": official.email, "password": PASSWORD})
    page = client.get(f"{detail_url(incident)}?aterstall=1")
    assert "polisanmälan är inte sparad än" in page.text
    assert 'value="5000-K777-26"' in page.text
    assert 'value="2026-03-16"' in page.text
    incident.refresh_from_db()
    assert incident.police_report == "planerad"  # nothing saved until they press the button


# 4. A closed report comes back


@pytest.mark.parametrize("answer", [False, True])
def test_a_closed_report_is_opened_again_when_the_reporter_adds_information(
    officer_client, logged_in, official, officer, committed, answer
):
    incident = sent_report(official)
    message = message_from(officer_client, incident, committed, "Något mer?")
    close_in_admin(officer_client, incident, committed)
    data = {"text": "Han stod utanför mitt hus i kväll.", "submission_token": str(uuid.uuid4())}
    if answer:
        data["in_reply_to"] = message.pk
    mail.outbox.clear()
    response = committed(
        logged_in.post, f"/mina-rapporter/{incident.pk}/komplettera/", data, follow=True
    )
    assert "Ärendet är öppnat igen" in response.text
    incident.refresh_from_db()
    assert incident.status == "under_bedomning" and incident.closed_at is None
    # The history's values are encrypted: read, not searched.
    (reopened,) = [
        change
        for change in TriageChange.objects.filter(field="status")
        if change.new_value == "Under bedömning"
    ]
    assert reopened.changed_by == official
    assert reopened.note == "Öppnades igen när den som rapporterat lade till information"
    assert any(officer.email in m.to for m in mail.outbox)
    history = officer_client.get(change_url(incident)).text
    assert "Öppnades igen när den som rapporterat lade till information" in history


def test_a_supplement_to_an_open_report_leaves_its_status(logged_in, official):
    incident = sent_report(official)
    incident.change_triage(None, status="atgarder_pagar")
    logged_in.post(
        f"/mina-rapporter/{incident.pk}/komplettera/",
        {"text": "En sak till.", "submission_token": str(uuid.uuid4())},
    )
    incident.refresh_from_db()
    assert incident.status == "atgarder_pagar"


# 5. A report registered after a call


def registration(caller, **overrides):
    data = report_data(reporter=caller.pk, police_report="planerad")
    data.pop("action")
    data.update(overrides)
    return data


def test_the_report_list_has_a_button_to_register_a_report_from_a_call(officer_client):
    page = officer_client.get(LIST).text
    assert f'href="{REGISTER}"' in page and "Registrera rapport från samtal" in page


def test_officer_registers_a_report_from_a_call_which_becomes_the_officials(
    officer_client, officer, official, client, committed
):
    form = officer_client.get(REGISTER)
    assert form.status_code == 200 and "Vem ringde?" in form.text
    data = registration(official, files=[png_upload()])
    response = committed(officer_client.post, REGISTER, data)
    incident = Incident.objects.get()
    assert response["Location"] == change_url(incident)
    assert (incident.reporter, incident.registered_by) == (official, officer)
    assert incident.reference and incident.kinds == ["hot", "hat"]
    assert incident.evidence.count() == 1

    [receipt] = mails_to(official)
    assert incident.reference in receipt.subject
    assert "efter ert samtal" in receipt.body
    assert "Sanningen123" not in receipt.body and "Facebook" not in receipt.body

    registered = TriageChange.objects.get(field="registered_by")
    assert registered.changed_by == officer
    assert "efter ett samtal" in registered.note
    assert "Registrerad av säkerhetshandläggaren" in officer_client.get(change_url(incident)).text

    client.force_login(official)
    assert incident.reference in client.get("/mina-rapporter/").text
    page = client.get(detail_url(incident)).text
    assert "Säkerhetshandläggaren Sara Säkerhet skrev in den här rapporten efter ett samtal" in page
    assert "Kontot heter Sanningen123." in page


def test_the_same_registration_sent_twice_makes_one_report(officer_client, official):
    data = registration(official)
    first = officer_client.post(REGISTER, data)
    second = officer_client.post(REGISTER, data)
    assert Incident.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_registration_needs_someone_who_called_and_says_so_in_swedish(officer_client, official):
    response = officer_client.post(REGISTER, registration(official, reporter=""))
    assert response.status_code == 200 and "Välj vem som ringde." in response.text
    assert "Kontot heter Sanningen123." in response.text  # nothing typed is lost
    official.is_active = False
    official.save()
    response = officer_client.post(REGISTER, registration(official))
    assert "Välj någon i listan." in response.text
    assert Incident.objects.count() == 0


def test_an_official_cannot_register_a_report(client, official, other_official):
    client.force_login(official)
    assert client.get(REGISTER).status_code == 302  # to the login, as everywhere in the admin
    client.post(REGISTER, registration(other_official))
    assert Incident.objects.count() == 0


def test_a_security_officer_without_the_second_factor_cannot_register(client, officer, official):
    client.force_login(officer)
    assert client.get(REGISTER).status_code == 302
    client.post(REGISTER, registration(official))
    assert Incident.objects.count() == 0


def test_staff_outside_the_security_officers_cannot_register(client, it_staff, official):
    login_verified(client, it_staff)
    assert client.get(REGISTER).status_code == 403
    assert client.post(REGISTER, registration(official)).status_code == 403
    assert Incident.objects.count() == 0


# 6. The kinds of Brå's survey and the plan


def test_harassment_of_a_sexual_nature_and_a_hijacked_account_can_be_reported(logged_in):
    form = logged_in.get("/rapportera/").text
    assert "Trakasserier av sexuell natur" in form
    assert "Kapat eller falskt konto i mitt namn" in form
    logged_in.post("/rapportera/", report_data(kinds=["sexuella_trakasserier", "kapat_konto"]))
    incident = Incident.objects.get()
    assert incident.kinds == ["sexuella_trakasserier", "kapat_konto"]
    assert "Trakasserier av sexuell natur, Kapat eller falskt konto i mitt namn" in (
        logged_in.get(detail_url(incident)).text
    )


# 7. Swedish time and words in the admin


def test_labels_show_the_time_in_sweden_not_utc(official, officer):
    incident = sent_report(official)
    message = incident.send_message(officer, "Hej")
    supplement = Supplement.objects.create(incident=incident, author=official, text="Mer")
    reply = Supplement.objects.create(
        incident=incident, author=official, text="Svar", in_reply_to=message
    )
    winter_night = datetime(2026, 1, 14, 23, 30, tzinfo=UTC)  # 00:30 the next day in Sweden
    ReporterMessage.objects.update(created_at=winter_night)
    Supplement.objects.update(created_at=winter_night)
    for entry in (message, supplement, reply):
        entry.refresh_from_db()
    assert str(message) == "Meddelande 2026-01-15 00:30"
    assert str(supplement) == "Komplettering 2026-01-15 00:30"
    assert str(reply) == "Svar 2026-01-15 00:30"


def test_the_message_inline_has_a_swedish_plural_heading(officer_client, official):
    incident = sent_report(official)
    page = officer_client.get(change_url(incident)).text
    assert "eddelanden till den som rapporterat (syns under Mina rapporter)" in page
    assert "RAPPORTER)S" not in page.upper().replace(" ", "")


def test_a_report_from_the_portal_is_not_marked_as_registered_by_anyone(logged_in, official):
    logged_in.post("/rapportera/", report_data())
    incident = Incident.objects.get()
    assert incident.registered_by is None
    assert "skrev in den här rapporten" not in logged_in.get(detail_url(incident)).text
    assert not TriageChange.objects.filter(field="registered_by").exists()


def test_an_inactive_user_is_not_offered_as_the_caller(officer_client, official):
    User.objects.create_user("borta@example.se", PASSWORD, full_name="Borta", is_active=False)
    page = officer_client.get(REGISTER).text
    assert "anna@example.se" in page and "borta@example.se" not in page
