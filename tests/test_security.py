"""Two factors for the admin, brute-force lockout, sessions and headers."""

import re
import time
import uuid
from unittest import mock

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .conftest import PASSWORD, login_verified

pytestmark = pytest.mark.django_db


def totp_now(device, offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


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


def test_login_gives_a_new_session_key(client, official):
    client.get("/logga-in/")
    client.session.save()
    before = client.session.session_key
    client.post("/logga-in/", {"username": official.email, "password": PASSWORD})
    assert client.session.session_key != before


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


def test_logging_out_ends_the_session(client, official):
    client.force_login(official)
    key = client.session.session_key
    client.post("/logga-ut/")
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=key).exists()


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
        with mock.patch("incidents.views._save_report", side_effect=RuntimeError("krasch")):
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
