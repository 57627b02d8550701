import io
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from portal.models import User

from .conftest import PASSWORD, login_verified, make_officer

pytestmark = pytest.mark.django_db


def link_in(message):
    return re.search(r"https?://\S+", message.body).group(0)


def test_official_logs_in_with_email_in_any_case(client, official):
    response = client.post("/logga-in/", {"username": "ANNA@example.se", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/mina-sidor/"
    assert client.session[SESSION_KEY] == str(official.pk)


def test_wrong_password_gets_a_swedish_error_and_keeps_the_address(client, official):
    response = client.post("/logga-in/", {"username": "anna@example.se", "password": "fel"})
    assert response.status_code == 200
    assert "Fel e-postadress eller lösenord" in response.text
    assert 'value="anna@example.se"' in response.text
    assert SESSION_KEY not in client.session


def test_login_returns_to_the_page_asked_for(client, official):
    asked_for = client.get("/mina-rapporter/")
    login_page = client.get(asked_for["Location"])
    carried = re.search(r'name="next" value="([^"]*)"', login_page.text).group(1)
    response = client.post(
        "/logga-in/", {"username": "anna@example.se", "password": PASSWORD, "next": carried}
    )
    assert response["Location"] == "/mina-rapporter/"


def test_my_pages_asks_an_anonymous_visitor_to_log_in(client):
    response = client.get("/mina-sidor/")
    assert response.status_code == 302
    assert response["Location"].startswith("/logga-in/?next=/mina-sidor/")


def test_my_pages_shows_the_account(client, official):
    client.force_login(official)
    response = client.get("/mina-sidor/")
    assert "Anna Andersson" in response.text
    assert "070-111 11 11" in response.text


def test_logging_out_leads_to_the_start_page_and_mina_sidor_asks_for_the_login_again(
    client, official
):
    client.force_login(official)
    key = client.session.session_key
    assert 'action="/logga-ut/"' in client.get("/mina-sidor/").text
    response = client.post("/logga-ut/")
    assert response["Location"] == "/"
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/mina-sidor/")["Location"].startswith("/logga-in/")


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client, official):
    known = client.post("/glomt-losenord/", {"email": "anna@example.se"})
    unknown = client.post("/glomt-losenord/", {"email": "ingen@example.se"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/glomt-losenord/skickat/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["anna@example.se"]


def test_password_reset_link_sets_a_new_password_once(client, official):
    client.post("/glomt-losenord/", {"email": "anna@example.se"})
    message = mail.outbox[0]
    assert message.subject == "Nytt lösenord till Personsäkerhetsportalen"
    link = link_in(message)
    assert link.startswith("http://127.0.0.1:8000/valj-losenord/")
    path = link.removeprefix("http://127.0.0.1:8000")

    form_page = client.get(path, follow=True)
    assert "Välj nytt lösenord" in form_page.text
    set_url = form_page.redirect_chain[-1][0]
    new = "ett-helt-nytt-lösenord-2026"
    response = client.post(set_url, {"new_password1": new, "new_password2": new})
    assert response["Location"] == "/valj-losenord/klart/"
    official.refresh_from_db()
    assert official.check_password(new)

    client.logout()
    again = client.get(path, follow=True)
    assert "Länken fungerar inte längre" in again.text


def test_a_short_password_is_refused_in_swedish(client, official):
    client.post("/glomt-losenord/", {"email": "anna@example.se"})
    path = link_in(mail.outbox[0]).removeprefix("http://127.0.0.1:8000")
    set_url = client.get(path, follow=True).redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "kort", "new_password2": "kort"})
    assert response.status_code == 200
    assert "för kort" in response.text
    official.refresh_from_db()
    assert official.check_password(PASSWORD)


def test_security_officer_creates_an_account_without_a_password(client, officer):
    login_verified(client, officer)
    response = client.post(
        "/admin/portal/user/add/",
        {
            "email": "Cecilia@Example.se",
            "full_name": "Cecilia Ceder",
            "phone": "",
            "party": "Partiet",
            "role": User.Role.FORTROENDEVALD,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="cecilia@example.se")
    assert not user.has_usable_password()
    assert not user.is_staff


def test_invitation_mail_holds_a_one_time_link_to_choose_a_password(client, officer):
    invited = User.objects.create_user("david@example.se", full_name="David Dahl")
    login_verified(client, officer)
    response = client.post(
        "/admin/portal/user/",
        {"action": "send_invitation", "_selected_action": [invited.pk]},
        follow=True,
    )
    assert "Inbjudan skickad till 1 användare" in response.text
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["david@example.se"]
    assert "Hej David Dahl" in message.body
    invited.refresh_from_db()
    assert invited.invited_at is not None

    client.logout()
    path = link_in(message).removeprefix("http://127.0.0.1:8000")
    assert path.startswith("/inbjudan/")
    page = client.get(path, follow=True)
    assert "Välkommen till Personsäkerhetsportalen" in page.text
    chosen = "mitt-eget-lösenord-123"
    client.post(page.redirect_chain[-1][0], {"new_password1": chosen, "new_password2": chosen})
    invited.refresh_from_db()
    assert invited.check_password(chosen)
    assert (
        client.post("/logga-in/", {"username": "david@example.se", "password": chosen}).status_code
        == 302
    )

    client.logout()
    assert "Länken fungerar inte längre" in client.get(path, follow=True).text


def test_an_invited_user_who_lost_the_link_can_ask_for_a_new_one(client, db):
    User.objects.create_user("erik@example.se", full_name="Erik Ek")
    client.post("/glomt-losenord/", {"email": "erik@example.se"})
    assert len(mail.outbox) == 1


def test_an_official_cannot_open_the_admin(client, official):
    client.force_login(official)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_password_reset_does_the_same_for_known_and_unknown_addresses(client, official):
    """The mail is handed to a task for every address asked for, so the answer does not wait
    on the mail server for a known address only: its time would tell who has an account."""
    from unittest import mock

    with mock.patch("portal.forms.send_password_reset") as task:
        client.post("/glomt-losenord/", {"email": "Anna@example.se"})
        client.post("/glomt-losenord/", {"email": "ingen@example.se"})
    assert task.enqueue.call_args_list == [
        mock.call("Anna@example.se"),
        mock.call("ingen@example.se"),
    ]
    assert mail.outbox == []  # nothing was sent by the request itself


class RefusesAnna(EmailBackend):
    def send_messages(self, messages):
        if any(m.to == ["anna@example.se"] for m in messages):
            raise ConnectionRefusedError("e-postservern svarar inte")
        return super().send_messages(messages)


def test_a_reset_link_the_mail_server_refuses_is_tried_again_not_lost(client, official, settings):
    from portal.models import OutgoingMail

    settings.MAILERS = {"default": {"BACKEND": "tests.test_accounts.RefusesAnna"}}
    response = client.post("/glomt-losenord/", {"email": official.email})
    assert response.status_code == 302
    assert mail.outbox == []
    (waiting,) = OutgoingMail.objects.waiting()
    assert (waiting.kind, waiting.recipient, waiting.attempts) == (
        "portal/password_reset",
        official.email,
        1,
    )

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    OutgoingMail.objects.all().try_again()
    (message,) = mail.outbox
    assert message.to == [official.email] and "/valj-losenord/" in link_in(message)


# Inviting from the person's own page, and what the invitee meets


CHOSEN = "mitt-eget-lösenord-123"


def accept_invitation(client, message, password=CHOSEN, repeat=None):
    """Opens the mail's link and chooses a password; returns the answer, redirects followed."""
    path = link_in(message).removeprefix("http://127.0.0.1:8000")
    form_url = client.get(path, follow=True).redirect_chain[-1][0]
    return client.post(
        form_url,
        {"new_password1": password, "new_password2": repeat or password},
        follow=True,
    )


def test_an_officer_invites_from_the_persons_own_page(client, officer):
    from django.contrib.admin.models import LogEntry

    invited = User.objects.create_user("david@example.se", full_name="David Dahl")
    login_verified(client, officer)
    page = client.get(f"/admin/portal/user/{invited.pk}/change/")
    url = f"/admin/portal/user/{invited.pk}/skicka-inbjudan/"
    assert f'href="{url}"' in page.text and "Skicka inbjudan" in page.text

    asked = client.get(url)
    assert "David Dahl" in asked.text and "david@example.se" in asked.text
    assert mail.outbox == []  # nothing goes out before the button

    done = client.post(url, follow=True)
    assert done.redirect_chain[-1][0] == f"/admin/portal/user/{invited.pk}/change/"
    assert "Inbjudan skickad till David Dahl (david@example.se)" in done.text
    assert [m.to for m in mail.outbox] == [["david@example.se"]]
    invited.refresh_from_db()
    assert invited.invited_at is not None
    assert "inbjudan" in LogEntry.objects.get(object_id=str(invited.pk)).get_change_message()


class RefusesDavid(EmailBackend):
    def send_messages(self, messages):
        if any(m.to == ["david@example.se"] for m in messages):
            raise ConnectionRefusedError("e-postservern svarar inte")
        return super().send_messages(messages)


def test_an_invitation_the_mail_server_refuses_is_reported_to_the_officer(
    client, officer, settings
):
    from django.contrib.admin.models import LogEntry

    settings.MAILERS = {"default": {"BACKEND": "tests.test_accounts.RefusesDavid"}}
    invited = User.objects.create_user("david@example.se", full_name="David Dahl")
    login_verified(client, officer)
    response = client.post(f"/admin/portal/user/{invited.pk}/skicka-inbjudan/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"/admin/portal/user/{invited.pk}/change/"
    assert "Inbjudan till David Dahl (david@example.se) kunde inte skickas" in response.text
    assert "Inbjudan skickad till" not in response.text
    assert mail.outbox == []
    invited.refresh_from_db()
    assert invited.invited_at is None  # the page does not say an invitation went out
    assert not LogEntry.objects.filter(object_id=str(invited.pk)).exists()


def test_invitations_from_the_list_name_those_the_mail_server_refused(client, officer, settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.test_accounts.RefusesDavid"}}
    david = User.objects.create_user("david@example.se", full_name="David Dahl")
    erik = User.objects.create_user("erik@example.se", full_name="Erik Ek")
    login_verified(client, officer)
    response = client.post(
        "/admin/portal/user/",
        {"action": "send_invitation", "_selected_action": [david.pk, erik.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Inbjudan skickad till 1 användare" in response.text
    assert "Inbjudan kunde inte skickas till 1 användare: david@example.se" in response.text
    assert [m.to for m in mail.outbox] == [["erik@example.se"]]
    david.refresh_from_db()
    erik.refresh_from_db()
    assert david.invited_at is None and erik.invited_at is not None


def test_the_invitation_button_is_not_offered_for_staff_or_inactive_accounts(client, officer):
    colleague = User.objects.create_user("olle@example.se", full_name="Olle", is_staff=True)
    former = User.objects.create_user("fia@example.se", full_name="Fia", is_active=False)
    login_verified(client, officer)
    for user in [colleague, former]:
        page = client.get(f"/admin/portal/user/{user.pk}/change/")
        assert "skicka-inbjudan" not in page.text
        assert client.post(f"/admin/portal/user/{user.pk}/skicka-inbjudan/").status_code == 403
    assert mail.outbox == []


def test_an_invited_official_is_logged_in_on_my_pages_after_choosing_a_password(client, db):
    invited = User.objects.create_user("david@example.se", full_name="David Dahl")
    invited.invite()
    response = accept_invitation(client, mail.outbox[0])
    assert response.redirect_chain[-1][0] == "/mina-sidor/"
    assert "Ditt lösenord är sparat och du är inloggad" in response.text
    assert client.session[SESSION_KEY] == str(invited.pk)


def test_an_invited_officer_goes_on_to_set_up_the_second_factor(client, db):
    invited = make_officer("nora@example.se", "Nora Ny")
    invited.set_unusable_password()
    invited.save()
    invited.invite()
    response = accept_invitation(client, mail.outbox[0])
    assert response.redirect_chain[-1][0].startswith("/konto/tvastegs/aktivera/")
    assert "Aktivera tvåstegsverifiering" in response.text
    assert client.session[SESSION_KEY] == str(invited.pk)


def test_an_inactive_invitee_chooses_a_password_but_is_not_logged_in(client, db):
    invited = User.objects.create_user("fia@example.se", full_name="Fia Fors")
    invited.invite()
    User.objects.filter(pk=invited.pk).update(is_active=False)
    response = accept_invitation(client, mail.outbox[0])
    assert response.redirect_chain[-1][0] == "/valj-losenord/klart/"
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("link", ["invitation", "reset"])
def test_a_too_short_password_is_shown_at_the_first_password_field(client, official, link):
    if link == "invitation":
        official.invite()
    else:
        client.post("/glomt-losenord/", {"email": official.email})
    response = accept_invitation(client, mail.outbox[0], password="kort")
    form = response.context["form"]
    assert any("för kort" in error for error in form.errors["new_password1"])
    assert "new_password2" not in form.errors
    assert 'href="#id_new_password1"' in response.text  # the error summary leads there
    assert SESSION_KEY not in client.session


def test_two_different_passwords_are_shown_at_the_second_field(client, official):
    official.invite()
    response = accept_invitation(
        client, mail.outbox[0], password="ett-långt-lösenord-ett", repeat="ett-långt-lösenord-två"
    )
    form = response.context["form"]
    assert list(form.errors) == ["new_password2"]
    official.refresh_from_db()
    assert official.check_password(PASSWORD)


# The role and the group Säkerhetshandläggare change together, wherever an account is made


def officer_rights(user):
    user = User.objects.get(pk=user.pk)
    return user.role, user.is_staff, user.is_security_officer


def test_giving_the_role_gives_the_group_and_the_admin(official):
    official.set_role(User.Role.SAKERHETSHANDLAGGARE)
    assert officer_rights(official) == (User.Role.SAKERHETSHANDLAGGARE, True, True)


def test_taking_the_role_away_takes_the_group_and_leaves_the_staff_flag(officer):
    officer.set_role(User.Role.FORTROENDEVALD)
    assert officer_rights(officer) == (User.Role.FORTROENDEVALD, True, False)
    assert not officer.is_security_officer  # the same object does not answer from before


def test_an_account_made_with_the_role_is_in_the_group(db):
    user = User.objects.create_user(
        "olle@example.se", full_name="Olle", role="sakerhetshandlaggare"
    )
    assert officer_rights(user) == (User.Role.SAKERHETSHANDLAGGARE, True, True)


def test_a_superuser_changes_an_officer_back_to_an_official_in_the_admin(client, it_staff):
    colleague = make_officer("olle@example.se", "Olle Officer")
    login_verified(client, it_staff)
    page = client.get(f"/admin/portal/user/{colleague.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data |= {
        "role": User.Role.FORTROENDEVALD,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "12:00",
    }
    response = client.post(f"/admin/portal/user/{colleague.pk}/change/", data)
    assert response.status_code == 302
    # The form still held the group; the role decides.
    assert officer_rights(colleague) == (User.Role.FORTROENDEVALD, True, False)


def test_createsuperuser_makes_an_account_for_it_that_reads_no_reports(db, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "ett-långt-lösenord-för-it")
    call_command("createsuperuser", interactive=False, email="it@example.se", full_name="Ivar It")
    user = User.objects.get(email="it@example.se")
    assert user.is_superuser
    assert officer_rights(user) == (User.Role.FORTROENDEVALD, True, False)


def test_the_demo_officer_is_in_the_group_and_the_demo_official_is_not(db, settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("create_demo_users", stdout=io.StringIO())
    officer = User.objects.get(email="handlaggare@example.se")
    official = User.objects.get(email="fortroendevald@example.se")
    assert officer_rights(officer) == (User.Role.SAKERHETSHANDLAGGARE, True, True)
    assert officer_rights(official) == (User.Role.FORTROENDEVALD, False, False)
