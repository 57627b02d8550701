"""Two factors for the admin, brute-force lockout, sessions and headers."""

import re
import time
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.models import Incident
from portal.models import User

from .conftest import PASSWORD, login_verified, make_officer

pytestmark = pytest.mark.django_db


def totp_now(device, offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


@pytest.fixture(autouse=True)
def totp_clock():
    """The clock stopped in the middle of a 30-second step, for the codes the tests make and
    the codes the portal checks: a code made a moment before a step ends is otherwise checked
    in the next step (and a code "used at enrolment" is then a new one). A test moves on to
    the next step with time.time() + 30, as a person waits for the app's next code."""
    now = time.time()
    with mock.patch("time.time", return_value=now - now % 30 + 15):
        yield


def enrol(client, officer):
    client.force_login(officer)
    client.get("/konto/tvastegs/aktivera/?next=/admin/")
    device = TOTPDevice.objects.get(user=officer)
    response = client.post(
        "/konto/tvastegs/aktivera/", {"code": totp_now(device), "next": "/admin/"}
    )
    return device, response


def test_the_admin_does_not_open_without_a_second_factor(client, officer):
    client.force_login(officer)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/konto/tvastegs/aktivera/")
    for url in ["/admin/portal/user/", "/admin/guidance/section/"]:
        assert client.get(url).status_code == 302


def test_the_admin_sends_an_anonymous_visitor_to_the_login(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/logga-in/?next=/admin/")


def test_an_official_gets_no_admin_even_with_a_password(client, official):
    client.force_login(official)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403


def test_enrolment_shows_a_qr_code_and_then_one_time_recovery_codes(client, officer):
    client.force_login(officer)
    page = client.get("/konto/tvastegs/aktivera/?next=/admin/")
    assert "<svg" in page.text and "Nyckel att skriva in för hand" in page.text
    device, response = enrol(client, officer)
    device.refresh_from_db()
    assert device.confirmed
    assert "Tvåstegsverifiering är aktiverad" in response.text
    codes = list(StaticToken.objects.filter(device__user=officer).values_list("token", flat=True))
    assert len(codes) == 10
    for code in codes:
        assert code in response.text
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_at_enrolment_is_refused(client, officer):
    client.force_login(officer)
    client.get("/konto/tvastegs/aktivera/")
    response = client.post("/konto/tvastegs/aktivera/", {"code": "000000"})
    assert "Koden stämmer inte" in response.text
    assert not TOTPDevice.objects.get(user=officer).confirmed
    assert client.get("/admin/").status_code == 302


def test_a_login_with_password_then_code_opens_the_admin(client, officer):
    device, _ = enrol(client, officer)
    client.logout()
    client.post("/logga-in/", {"username": officer.email, "password": PASSWORD})
    assert client.get("/admin/").status_code == 302
    with mock.patch("time.time", return_value=time.time() + 30):
        code = totp_now(device)
        response = client.post("/konto/tvastegs/", {"code": code, "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_reused_totp_code_is_refused(client, officer):
    device, _ = enrol(client, officer)
    used = totp_now(device)  # accepted at enrolment
    client.logout()
    login_verified_again = client.post(
        "/logga-in/", {"username": officer.email, "password": PASSWORD}
    )
    assert login_verified_again.status_code == 302
    response = client.post("/konto/tvastegs/", {"code": used, "next": "/admin/"})
    assert response.status_code == 200
    assert "Koden stämmer inte, eller har redan använts" in response.text
    assert client.get("/admin/").status_code == 302


def test_a_recovery_code_works_once(client, officer):
    enrol(client, officer)
    code = StaticToken.objects.filter(device__user=officer).first().token
    for attempt in range(2):
        client.logout()
        client.post("/logga-in/", {"username": officer.email, "password": PASSWORD})
        response = client.post("/konto/tvastegs/", {"code": code, "next": "/admin/"})
        if attempt == 0:
            assert response["Location"] == "/admin/"
        else:
            assert "Koden stämmer inte" in response.text
    assert StaticToken.objects.filter(device__user=officer).count() == 9


def test_the_next_address_cannot_lead_off_site(client, officer):
    device, _ = enrol(client, officer)
    client.logout()
    client.post("/logga-in/", {"username": officer.email, "password": PASSWORD})
    with mock.patch("time.time", return_value=time.time() + 30):
        response = client.post(
            "/konto/tvastegs/", {"code": totp_now(device), "next": "https://evil.example/"}
        )
    assert response["Location"] == "/admin/"


def fail_login(client, email, ip="203.0.113.5"):
    return client.post(
        "/logga-in/", {"username": email, "password": "fel-lösenord"}, REMOTE_ADDR=ip
    )


def test_repeated_failures_lock_a_known_account(client, official):
    for _ in range(5):
        fail_login(client, official.email)
    locked = client.post(
        "/logga-in/", {"username": official.email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.9"
    )
    assert locked.status_code == 429
    assert "För många misslyckade inloggningar" in locked.text
    assert SESSION_KEY not in client.session


def test_unknown_and_known_addresses_get_the_same_answers(client, official):
    known = [fail_login(client, official.email, "203.0.113.1") for _ in range(6)]
    unknown = [fail_login(client, "ingen@example.se", "203.0.113.2") for _ in range(6)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown]
    assert known[-1].status_code == 429

    def normalised(response):
        text = response.text.replace(official.email, "X").replace("ingen@example.se", "X")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)

    assert normalised(known[0]) == normalised(unknown[0])
    assert normalised(known[-1]) == normalised(unknown[-1])


def test_repeated_failures_lock_the_address_for_other_accounts(client, official, other_official):
    for i in range(5):
        fail_login(client, f"gissning{i}@example.se", "203.0.113.7")
    response = client.post(
        "/logga-in/",
        {"username": other_official.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 429


def test_behind_the_proxy_the_forwarded_address_is_locked(client, settings, official):
    settings.PORTAL_TRUSTED_PROXIES = 1
    for _ in range(5):
        client.post(
            "/logga-in/",
            {"username": f"x{_}@example.se", "password": "fel"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.20",
        )
    other = client.post(
        "/logga-in/",
        {"username": official.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.21",
    )
    assert other.status_code == 302  # the proxy itself is not locked out
    same = client.post(
        "/logga-in/",
        {"username": official.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.20",
    )
    assert same.status_code == 429


def test_failed_logins_are_logged_without_the_password(client, official, caplog):
    caplog.set_level("INFO")
    fail_login(client, official.email)
    assert "fel-lösenord" not in caplog.text


def test_password_reset_answers_the_same_and_mails_only_the_known(client, official):
    a = client.post("/glomt-losenord/", {"email": official.email})
    b = client.post("/glomt-losenord/", {"email": "ingen@example.se"})
    assert (a.status_code, a["Location"]) == (b.status_code, b["Location"])
    assert [m.to for m in mail.outbox] == [[official.email]]


def test_an_idle_official_is_logged_out_after_the_idle_time(client, official, settings):
    client.force_login(official)
    assert client.get("/mina-sidor/").status_code == 200
    later = time.time() + settings.PORTAL_IDLE_TIMEOUT + 5
    with mock.patch("portal.security.time.time", return_value=later):
        response = client.get("/mina-sidor/")
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_an_active_official_is_logged_out_after_the_absolute_time(client, official, settings):
    client.force_login(official)
    client.get("/mina-sidor/")
    start = time.time()
    step = settings.PORTAL_IDLE_TIMEOUT // 2
    now = start
    while now - start <= settings.PORTAL_ABSOLUTE_TIMEOUT:
        now += step
        with mock.patch("portal.security.time.time", return_value=now):
            response = client.get("/mina-sidor/")
    assert response.status_code == 302


def test_the_admin_times_out_sooner_than_an_official(client, officer, official, settings):
    assert settings.PORTAL_ADMIN_IDLE_TIMEOUT < settings.PORTAL_IDLE_TIMEOUT
    login_verified(client, officer)
    assert client.get("/admin/").status_code == 200
    later = time.time() + settings.PORTAL_ADMIN_IDLE_TIMEOUT + 5
    with mock.patch("portal.security.time.time", return_value=later):
        assert client.get("/admin/").status_code == 302
    assert SESSION_KEY not in client.session


def test_deactivating_a_user_ends_their_sessions(client, official):
    client.force_login(official)
    assert client.get("/mina-sidor/").status_code == 200
    official.is_active = False
    official.save(update_fields=["is_active"])
    assert client.get("/mina-sidor/").status_code == 302


def test_report_text_stays_out_of_error_reports_and_logs(client, official, settings, caplog):
    """A crash while sending a report: the log and the error mail to the admins must not
    carry what the official wrote."""
    import logging

    from django.utils.log import AdminEmailHandler

    settings.ADMINS = ["drift@example.se"]
    handler = AdminEmailHandler(include_html=True)
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    client.raise_request_exception = False
    client.force_login(official)
    secret = "Grannen på Storgatan 5 hotade mig"
    try:
        with mock.patch.object(Incident, "save_report", side_effect=RuntimeError("krasch")):
            response = client.post(
                "/rapportera/",
                {
                    "during": secret,
                    "place": secret,
                    "action": "utkast",
                    "submission_token": str(uuid.uuid4()),
                },
            )
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 500
    assert mail.outbox, "the admins get an error report"
    report = mail.outbox[-1]
    bodies = report.body + "".join(str(a[0]) for a in getattr(report, "alternatives", []))
    assert "krasch" in bodies
    assert secret not in bodies
    assert secret not in caplog.text


# Who may give rights: the officers manage the officials' accounts and nothing more


def officers_group():
    from django.contrib.auth.models import Group

    from portal.models import SECURITY_OFFICERS

    return Group.objects.get(name=SECURITY_OFFICERS)


def rights_of(user):
    user.refresh_from_db()
    return (
        user.is_superuser,
        user.is_staff,
        user.role,
        list(user.groups.all()),
        list(user.user_permissions.all()),
    )


def change_form(user, **extra):
    """Everything the user admin's change form could carry, rights included."""
    from django.contrib.auth.models import Permission

    return {
        "email": user.email,
        "full_name": user.full_name,
        "phone": user.phone,
        "party": user.party,
        "role": User.Role.SAKERHETSHANDLAGGARE,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [officers_group().pk],
        "user_permissions": list(Permission.objects.values_list("pk", flat=True)[:20]),
        "date_joined_0": "2026-01-01",
        "date_joined_1": "12:00:00",
        **extra,
    }


def test_an_officer_edits_an_officials_details_but_gives_no_rights(client, officer, official):
    login_verified(client, officer)
    page = client.get(f"/admin/portal/user/{official.pk}/change/")
    for field in ["is_superuser", "is_staff", "groups", "user_permissions", "role"]:
        assert f'name="{field}"' not in page.text
    response = client.post(
        f"/admin/portal/user/{official.pk}/change/",
        change_form(official, full_name="Anna Ändrad", party="Nya partiet"),
    )
    assert response.status_code == 302
    assert rights_of(official) == (False, False, User.Role.FORTROENDEVALD, [], [])
    assert (official.full_name, official.party) == ("Anna Ändrad", "Nya partiet")


def test_an_officer_cannot_change_their_own_or_another_staff_account(client, officer, it_staff):
    colleague = User.objects.create_user(
        "olle@example.se", PASSWORD, full_name="Olle Officer", is_staff=True
    )
    colleague.groups.add(officers_group())
    login_verified(client, officer)
    for user in [officer, colleague, it_staff]:
        before = rights_of(user)
        response = client.post(f"/admin/portal/user/{user.pk}/change/", change_form(user))
        assert response.status_code in (302, 403)
        assert rights_of(user) == before
    assert 'name="is_superuser"' not in client.get(f"/admin/portal/user/{officer.pk}/change/").text


def test_an_officer_creates_only_officials(client, officer):
    login_verified(client, officer)
    response = client.post(
        "/admin/portal/user/add/",
        {
            "email": "mallory@example.se",
            "full_name": "Mallory",
            "role": User.Role.SAKERHETSHANDLAGGARE,
            "is_staff": "on",
            "is_superuser": "on",
        },
    )
    assert response.status_code == 302
    created = User.objects.get(email="mallory@example.se")
    assert rights_of(created) == (False, False, User.Role.FORTROENDEVALD, [], [])


def test_an_officer_invites_officials_but_not_staff(client, officer, official):
    colleague = User.objects.create_user("olle@example.se", full_name="Olle", is_staff=True)
    login_verified(client, officer)
    client.post(
        "/admin/portal/user/",
        {"action": "send_invitation", "_selected_action": [official.pk, colleague.pk]},
    )
    assert [m.to for m in mail.outbox] == [[official.email]]


def test_a_superuser_still_makes_an_official_a_security_officer(client, it_staff, official):
    login_verified(client, it_staff)
    form = change_form(official)
    del form["is_superuser"], form["user_permissions"]
    response = client.post(f"/admin/portal/user/{official.pk}/change/", form)
    assert response.status_code == 302
    assert rights_of(official)[:4] == (
        False,
        True,
        User.Role.SAKERHETSHANDLAGGARE,
        [officers_group()],
    )


def test_the_officers_group_has_no_rights_over_second_factor_devices(client, officer):
    assert (
        not officers_group()
        .permissions.filter(content_type__app_label__in=["otp_totp", "otp_static"])
        .exists()
    )
    login_verified(client, officer)
    for url in ["/admin/otp_totp/totpdevice/", "/admin/otp_static/staticdevice/"]:
        assert client.get(url).status_code == 403


def test_an_officer_can_neither_set_nor_see_an_officials_password(client, officer, official):
    login_verified(client, officer)
    assert "password/" not in client.get(f"/admin/portal/user/{official.pk}/change/").text
    url = f"/admin/portal/user/{official.pk}/password/"
    assert client.get(url).status_code == 403
    new = "handlaggarens-eget-lösenord"
    response = client.post(url, {"password1": new, "password2": new, "usable_password": "true"})
    assert response.status_code == 403
    official.refresh_from_db()
    assert official.check_password(PASSWORD)


def test_a_superuser_may_still_set_a_password(client, it_staff, official):
    login_verified(client, it_staff)
    assert client.get(f"/admin/portal/user/{official.pk}/password/").status_code == 200


# Lockout on the address however it is spelt


@pytest.mark.parametrize(
    ("failed_as", "then_as"),
    [("anna@example.se", "ANNA@Example.se"), ("Anna@EXAMPLE.se", "anna@example.se")],
)
def test_the_lockout_holds_whatever_the_case_of_the_address(client, official, failed_as, then_as):
    for _ in range(5):
        fail_login(client, failed_as, "203.0.113.30")
    for ip in ["198.51.100.31", "198.51.100.32"]:
        response = client.post(
            "/logga-in/", {"username": then_as, "password": PASSWORD}, REMOTE_ADDR=ip
        )
        assert response.status_code == 429
        assert SESSION_KEY not in client.session


# When an officer has lost the phone


def with_second_factor(user):
    from django_otp.plugins.otp_static.models import StaticDevice

    TOTPDevice.objects.create(user=user, name="Autentiseringsapp", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="Reservkoder", confirmed=True)
    static.token_set.create(token="abcd1234")
    return user


def devices_of(user):
    from django_otp.plugins.otp_static.models import StaticDevice

    return (
        TOTPDevice.objects.filter(user=user).count()
        + StaticDevice.objects.filter(user=user).count()
    )


@pytest.fixture
def colleague(officer):
    return with_second_factor(make_officer("olle@example.se", "Olle Officer"))


def reset_two_factor(client, *users, confirmed=True):
    data = {"action": "reset_two_factor", "_selected_action": [u.pk for u in users]}
    if confirmed:
        data["post"] = "yes"
    return client.post("/admin/portal/user/", data, follow=True)


def test_an_officer_resets_a_colleagues_lost_second_factor(client, officer, colleague):
    from django.contrib.admin.models import LogEntry
    from django.test import Client

    their_browser = login_verified(Client(), colleague)
    assert their_browser.get("/admin/").status_code == 200
    login_verified(client, officer)

    asked = reset_two_factor(client, colleague, confirmed=False)
    assert "Återställ tvåstegsverifiering" in asked.text
    assert "Olle Officer" in asked.text
    assert devices_of(colleague) == 3  # the app, the recovery codes, and the test's device

    done = reset_two_factor(client, colleague)
    assert "Tvåstegsverifieringen är återställd för Olle Officer" in done.text
    assert devices_of(colleague) == 0
    assert their_browser.get("/admin/").status_code == 302
    assert SESSION_KEY not in their_browser.session
    entry = LogEntry.objects.get(object_id=str(colleague.pk))
    assert entry.user == officer
    assert "tvåstegsverifiering" in entry.get_change_message()
    assert client.get("/admin/").status_code == 200  # the officer's own login goes on


def test_an_officer_cannot_reset_their_own_second_factor(client, officer):
    with_second_factor(officer)
    login_verified(client, officer)
    response = reset_two_factor(client, officer)
    assert "Din egen tvåstegsverifiering" in response.text
    assert devices_of(officer) == 3  # the app, the recovery codes, and the test's device


def test_an_officer_cannot_reset_a_superusers_second_factor(client, officer, it_staff):
    with_second_factor(it_staff)
    login_verified(client, officer)
    reset_two_factor(client, it_staff)
    assert devices_of(it_staff) == 2


def test_only_security_officers_and_superusers_may_reset_a_second_factor(
    client, officer, colleague
):
    other_staff = User.objects.create_user("stina@example.se", full_name="Stina", is_staff=True)
    from django.contrib.auth.models import Permission

    other_staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    login_verified(client, other_staff)
    reset_two_factor(client, colleague)
    assert devices_of(colleague) == 2


# A new session key with the second factor, as with the password


def test_enrolling_the_second_factor_gives_a_new_session_key(client, officer):
    client.force_login(officer)
    client.get("/konto/tvastegs/aktivera/?next=/admin/")
    before = client.session.session_key
    device = TOTPDevice.objects.get(user=officer)
    response = client.post("/konto/tvastegs/aktivera/", {"code": totp_now(device)})
    assert "Tvåstegsverifiering är aktiverad" in response.text
    assert client.session.session_key != before
    assert client.get("/admin/").status_code == 200


def test_the_second_factor_at_login_gives_a_new_session_key(client, officer):
    device, _ = enrol(client, officer)
    client.logout()
    client.post("/logga-in/", {"username": officer.email, "password": PASSWORD})
    before = client.session.session_key
    with mock.patch("time.time", return_value=time.time() + 30):
        response = client.post("/konto/tvastegs/", {"code": totp_now(device), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.session.session_key != before
    assert client.get("/admin/").status_code == 200


# Drafts of the training are for verified officers


def test_an_officer_without_a_verified_second_factor_sees_no_draft_module(client, officer):
    from training.models import TrainingModule

    TrainingModule.objects.create(title="Utkastet", slug="utkastet")
    client.force_login(officer)
    assert client.get("/utbildning/utkastet/").status_code == 404
    assert "Utkastet" not in client.get("/utbildning/").text
    login_verified(client, officer)
    assert client.get("/utbildning/utkastet/").status_code == 200


# After a wrong code, django-otp tries no code for a while: the page says to wait


def frozen_now():
    """Django's clock stopped at this instant, so that the wait after a wrong code does not
    run out while the test runs; the app's codes still follow the real clock."""
    from django.utils import timezone

    return mock.patch("django.utils.timezone.now", return_value=timezone.now())


def logged_in_with_password(client, officer):
    device, _ = enrol(client, officer)
    client.logout()
    client.post("/logga-in/", {"username": officer.email, "password": PASSWORD})
    return device


def test_a_right_code_right_after_a_wrong_one_is_told_to_wait_not_refused(client, officer):
    device = logged_in_with_password(client, officer)
    with frozen_now(), mock.patch("time.time", return_value=time.time() + 30):
        client.post("/konto/tvastegs/", {"code": "000000", "next": "/admin/"})
        response = client.post("/konto/tvastegs/", {"code": totp_now(device), "next": "/admin/"})
    assert response.status_code == 200
    assert "Vänta 1 sekund och skriv sedan koden" in response.text
    assert "stämmer inte" not in response.text
    assert client.get("/admin/").status_code == 302


def test_after_the_wait_the_same_code_lets_the_officer_in(client, officer):
    device = logged_in_with_password(client, officer)
    with mock.patch("time.time", return_value=time.time() + 30):
        code = totp_now(device)
        client.post("/konto/tvastegs/", {"code": "000000", "next": "/admin/"})
        # The wait is over: the failure was a minute ago.
        device.refresh_from_db()
        device.throttling_failure_timestamp -= timedelta(minutes=1)
        device.save(update_fields=["throttling_failure_timestamp"])
        response = client.post("/konto/tvastegs/", {"code": code, "next": "/admin/"})
    assert response["Location"] == "/admin/"


@pytest.mark.parametrize(
    ("wrong_codes", "factor", "wait"),
    [(3, 1, "4 sekunder"), (1, 300, "5 minuter"), (2, 3600, "2 timmar")],
)
def test_the_wait_is_said_in_swedish_units(client, officer, settings, wrong_codes, factor, wait):
    settings.OTP_TOTP_THROTTLE_FACTOR = factor
    device = logged_in_with_password(client, officer)
    with frozen_now():
        for _ in range(wrong_codes):
            # Each wrong code counts only once the previous wait is over.
            TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
            client.post("/konto/tvastegs/", {"code": "000000", "next": "/admin/"})
        response = client.post("/konto/tvastegs/", {"code": totp_now(device), "next": "/admin/"})
    assert f"Vänta {wait} och skriv sedan koden" in response.text


def test_a_right_code_right_after_a_wrong_one_at_enrolment_is_told_to_wait(client, officer):
    client.force_login(officer)
    client.get("/konto/tvastegs/aktivera/")
    device = TOTPDevice.objects.get(user=officer)
    with frozen_now():
        client.post("/konto/tvastegs/aktivera/", {"code": "000000"})
        response = client.post("/konto/tvastegs/aktivera/", {"code": totp_now(device)})
    assert "Vänta 1 sekund" in response.text
    assert not TOTPDevice.objects.get(user=officer).confirmed
