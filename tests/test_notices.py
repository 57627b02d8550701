"""Aktuellt: what the security officer publishes, who sees it where, and the mail about
important notices to all officials."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError
from django.test import Client
from django.utils import timezone

from notices.models import Notice
from portal.models import OutgoingMail, User

from .conftest import PASSWORD, login_verified

pytestmark = pytest.mark.django_db

# What only the portal may show: it must never be in a mail.
THREAT_PICTURE = "Polisen och Säpo bedömer att hotet mot förtroendevalda ökar inför valet."


def notice(**fields):
    today = timezone.localdate()
    fields = {
        "title": "Hotbilden inför valet",
        "body": THREAT_PICTURE,
        "date": today,
        "status": Notice.Status.PUBLICERAD,
        **fields,
    }
    return Notice.objects.create(**fields)


def days(n):
    return timezone.localdate() + timedelta(days=n)


@pytest.fixture
def inactive_official(db):
    return User.objects.create_user(
        "cecilia@example.se", PASSWORD, full_name="Cecilia Car", is_active=False
    )


# Publishing and who sees what


def test_a_logged_in_official_sees_the_current_notices_on_the_start_page(logged_in):
    notice(title="Ny rutin för fullmäktige", date=days(-3))
    notice(title="Hotbilden inför valet", date=days(-10), importance=Notice.Importance.VIKTIG)
    notice(title="Gäller till i dag", date=days(-5), valid_until=days(0))
    html = logged_in.get("/").text
    assert "Aktuellt från säkerhetshandläggaren" in html
    assert THREAT_PICTURE in html
    # The important one first, though it is older; then the newest.
    assert (
        html.index("Hotbilden inför valet")
        < html.index("Ny rutin för fullmäktige")
        < html.index("Gäller till i dag")
    )
    assert "Viktigt" in html


def test_an_important_notice_comes_first_on_the_start_page_and_the_others_below_the_ways_in(
    logged_in,
):
    """On a phone the important notice is in view without scrolling (tests/browser): it
    stands right under the heading, once; the other notices stay below the ways in."""
    notice(title="Ny rutin för fullmäktige", date=days(-3), body="Ny rutin.")
    notice(title="Hotbilden inför valet", date=days(-10), importance=Notice.Importance.VIKTIG)
    html = logged_in.get("/").text
    assert (
        html.index("<h1>")
        < html.index("Viktigt från säkerhetshandläggaren")
        < html.index("Hotbilden inför valet")
        < html.index('class="ways-in"')
        < html.index("Aktuellt från säkerhetshandläggaren")
        < html.index("Ny rutin för fullmäktige")
    )
    assert html.count(THREAT_PICTURE) == 1


def test_with_only_important_notices_the_list_below_says_there_is_nothing_else(logged_in):
    notice(title="Hotbilden inför valet", importance=Notice.Importance.VIKTIG)
    html = logged_in.get("/").text
    assert "Ingen annan aktuell information just nu." in html


def test_without_important_notices_the_start_page_has_no_important_section(logged_in):
    notice(title="Ny rutin för fullmäktige")
    html = logged_in.get("/").text
    assert "Viktigt från säkerhetshandläggaren" not in html
    assert html.index('class="ways-in"') < html.index("Ny rutin för fullmäktige")


def test_expired_future_and_unpublished_notices_are_not_on_the_start_page(logged_in):
    notice(title="Gick ut i går", date=days(-10), valid_until=days(-1))
    notice(title="Kommer i morgon", date=days(1))
    notice(title="Ett utkast", status=Notice.Status.UTKAST)
    html = logged_in.get("/").text
    for title in ["Gick ut i går", "Kommer i morgon", "Ett utkast"]:
        assert title not in html
    assert "Ingen aktuell information just nu" in html


def test_a_visitor_sees_no_notice_only_a_line_asking_to_log_in(client):
    notice(title="Hotbilden inför valet", importance=Notice.Importance.VIKTIG)
    html = client.get("/").text
    assert "Hotbilden inför valet" not in html and THREAT_PICTURE not in html
    assert "för att se aktuell information från säkerhetshandläggaren" in html
    assert 'href="/logga-in/?next=/"' in html


def test_the_archive_lists_current_and_earlier_notices_but_no_drafts_or_future(logged_in):
    notice(title="Gäller nu")
    notice(title="Från i våras", date=days(-100), valid_until=days(-60))
    notice(title="Kommer i morgon", date=days(1))
    notice(title="Ett utkast", status=Notice.Status.UTKAST)
    html = logged_in.get("/aktuellt/").text
    assert html.index("Gäller nu") < html.index("Tidigare information") < html.index("Från i våras")
    assert "Kommer i morgon" not in html and "Ett utkast" not in html


def test_an_official_can_read_an_earlier_notice_which_says_it_no_longer_applies(logged_in):
    old = notice(title="Från i våras", date=days(-100), valid_until=days(-60))
    response = logged_in.get(f"/aktuellt/{old.pk}/")
    assert response.status_code == 200
    assert THREAT_PICTURE in response.text
    assert "Den här informationen gäller inte längre" in response.text


def test_a_draft_or_a_notice_whose_date_has_not_come_cannot_be_opened(logged_in):
    for hidden in [notice(status=Notice.Status.UTKAST), notice(date=days(1))]:
        assert logged_in.get(f"/aktuellt/{hidden.pk}/").status_code == 404


def test_a_visitor_is_sent_to_the_login_from_the_archive_and_a_notice(client):
    current = notice()
    for url in ["/aktuellt/", f"/aktuellt/{current.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/logga-in/?next=")


def test_notice_text_is_markdown_with_contacts_and_no_script(logged_in):
    shown = notice(body="**Ring vaktbolaget** på [[securitas]].\n\n<script>alert(1)</script>")
    html = logged_in.get(f"/aktuellt/{shown.pk}/").text
    assert "<strong>Ring vaktbolaget</strong>" in html
    assert '<a href="tel:+46104705564">010-470 55 64</a>' in html
    assert "<script>alert(1)" not in html


def test_a_notice_cannot_stop_applying_before_its_date(db):
    with pytest.raises(IntegrityError):
        notice(date=days(0), valid_until=days(-1))


def test_pages_with_notices_are_never_stored(logged_in):
    shown = notice()
    for url in ["/", "/aktuellt/", f"/aktuellt/{shown.pk}/"]:
        assert "no-store" in logged_in.get(url)["Cache-Control"]


# The admin


def test_the_security_officer_publishes_a_notice_that_officials_then_see(officer, official):
    admin = login_verified(Client(), officer)
    response = admin.post(
        "/admin/notices/notice/add/",
        {
            "title": "Hotbilden inför valet",
            "body": THREAT_PICTURE,
            "date": days(0).isoformat(),
            "valid_until": days(30).isoformat(),
            "importance": "viktig",
            "status": "publicerad",
        },
    )
    assert response.status_code == 302
    reader = Client()
    reader.force_login(official)
    assert THREAT_PICTURE in reader.get("/").text


def test_an_unknown_contact_in_a_notice_is_refused(officer):
    admin = login_verified(Client(), officer)
    response = admin.post(
        "/admin/notices/notice/add/",
        {"title": "T", "body": "Ring [[vaktbolaget]]", "date": days(0).isoformat(),
         "importance": "normal", "status": "publicerad"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Okänd kontakt i texten: [[vaktbolaget]]" in response.text
    assert not Notice.objects.exists()


def test_staff_outside_the_group_see_no_notices_in_the_admin(it_staff):
    admin = login_verified(Client(), it_staff)
    assert admin.get("/admin/notices/notice/").status_code == 403
    assert admin.get("/admin/notices/notice/add/").status_code == 403


# The mail to all officials


@pytest.fixture
def important():
    return notice(importance=Notice.Importance.VIKTIG)


def mail_url(n):
    return f"/admin/notices/notice/{n.pk}/skicka-e-post/"


def test_an_important_notice_is_mailed_to_each_active_official_on_their_own(
    officer, official, other_official, inactive_official, it_staff, important, settings
):
    settings.PORTAL_BASE_URL = "https://personsakerhet.example.se"
    admin = login_verified(Client(), officer)
    response = admin.post(mail_url(important), follow=True)
    assert "skickad till 2 förtroendevalda" in response.text
    # One message each: no one sees who else got it. Not the inactive, not the staff.
    assert sorted(m.to for m in mail.outbox) == [["anna@example.se"], ["bertil@example.se"]]
    for message in mail.outbox:
        assert message.cc == [] and message.bcc == []
        assert "Hotbilden inför valet" in message.body
        assert f"https://personsakerhet.example.se/aktuellt/{important.pk}/" in message.body
        assert THREAT_PICTURE not in message.body and THREAT_PICTURE not in message.subject
    important.refresh_from_db()
    assert important.mailed_at is not None and important.mailed_by == officer


def test_the_officer_sees_the_mail_and_the_number_of_recipients_before_sending(
    officer, official, other_official, important
):
    admin = login_verified(Client(), officer)
    assert (
        "Skicka e-post till alla förtroendevalda"
        in admin.get(f"/admin/notices/notice/{important.pk}/change/").text
    )
    response = admin.get(mail_url(important))
    assert response.status_code == 200
    assert "2 aktiva förtroendevalda" in response.text
    assert "Hotbilden inför valet" in response.text and THREAT_PICTURE not in response.text
    assert mail.outbox == []


def test_the_mail_shown_before_sending_prints_a_title_with_markup_as_text(officer, official):
    """The mail is plain text, rendered without escaping; on the admin page it is HTML."""
    scripted = notice(title="<script>alert(1)</script>", importance=Notice.Importance.VIKTIG)
    admin = login_verified(Client(), officer)
    html = admin.get(mail_url(scripted)).text
    assert "<script>alert(1)</script>" not in html
    assert "<pre>Hej!" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&amp;lt;" not in html  # escaped once, so the officer reads the title as typed


def test_a_notice_is_mailed_only_once(officer, official, important):
    admin = login_verified(Client(), officer)
    admin.post(mail_url(important))
    response = admin.post(mail_url(important), follow=True)
    assert len(mail.outbox) == 1
    assert "Den skickas inte en gång till" in response.text
    assert (
        "Skicka e-post till alla förtroendevalda"
        not in admin.get(f"/admin/notices/notice/{important.pk}/change/").text
    )


def test_staff_outside_the_group_cannot_mail_the_officials(it_staff, official, important):
    admin = login_verified(Client(), it_staff)
    assert admin.post(mail_url(important)).status_code == 403
    assert mail.outbox == []
    important.refresh_from_db()
    assert important.mailed_at is None


def test_an_official_cannot_mail_the_officials(client, official, important):
    client.force_login(official)
    assert client.post(mail_url(important)).status_code in (302, 403)
    assert mail.outbox == []


@pytest.mark.parametrize(
    "fields",
    [
        {"importance": Notice.Importance.NORMAL},
        {"importance": Notice.Importance.VIKTIG, "status": Notice.Status.UTKAST},
        {"importance": Notice.Importance.VIKTIG, "date": days(-9), "valid_until": days(-1)},
    ],
    ids=["normal", "draft", "expired"],
)
def test_only_an_important_current_notice_is_mailed(officer, official, fields):
    ordinary = notice(**fields)
    response = login_verified(Client(), officer).post(mail_url(ordinary), follow=True)
    assert "Bara information som är viktig, publicerad och aktuell" in response.text
    assert mail.outbox == []


def test_a_failed_mail_is_named_to_the_officer_and_the_others_go_out(
    officer, official, other_official, important, settings
):
    settings.MAILERS = {"default": {"BACKEND": "tests.conftest.RefusesBertil"}}
    response = login_verified(Client(), officer).post(mail_url(important), follow=True)
    assert response.status_code == 200
    assert "kunde den inte skickas: bertil@example.se" in response.text
    assert [m.to for m in mail.outbox] == [["anna@example.se"]]
    important.refresh_from_db()
    assert important.mailed_at is not None  # Anna has it: not again


def test_when_no_mail_could_be_sent_the_officer_is_told_and_the_outbox_tries_again(
    officer, official, important, settings
):
    settings.MAILERS = {"default": {"BACKEND": "tests.conftest.ServerDown"}}
    admin = login_verified(Client(), officer)
    response = admin.post(mail_url(important), follow=True)
    assert response.status_code == 200
    assert "Inget mejl kunde skickas" in response.text
    assert "Portalen försöker igen" in response.text
    important.refresh_from_db()
    assert important.mailed_at is not None  # queued: pressing again would send it twice
    (waiting,) = OutgoingMail.objects.waiting()
    assert waiting.recipient == "anna@example.se" and waiting.attempts == 1

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    admin.post(
        "/admin/portal/outgoingmail/",
        {"action": "try_again", "_selected_action": [waiting.pk]},
    )
    assert [m.to for m in mail.outbox] == [["anna@example.se"]]
    admin.post(mail_url(important))
    assert [m.to for m in mail.outbox] == [["anna@example.se"]]
