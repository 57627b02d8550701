"""Security headers on every kind of response: pages, admin, errors, redirects."""

from unittest import mock

import pytest

from .conftest import login_verified

pytestmark = pytest.mark.django_db

HSTS_YEAR = 365 * 24 * 3600


@pytest.fixture
def production_headers(settings):
    # The production values from portal/settings.py (checked there by test_settings).
    settings.SECURE_HSTS_SECONDS = HSTS_YEAR
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True


def assert_security_headers(response):
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert int(response["Strict-Transport-Security"].split("max-age=")[1].split(";")[0]) >= (
        HSTS_YEAR
    )
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    denied = {
        feature
        for feature, allowed in (
            part.strip().split("=") for part in response["Permissions-Policy"].split(",")
        )
        if allowed == "()"
    }
    assert {"camera", "microphone", "geolocation", "payment", "usb"} <= denied


def test_a_public_page_has_the_headers_and_may_be_cached(client, production_headers):
    first = client.get("/under/", secure=True)
    again = client.get("/under/", secure=True)  # from the page cache this time
    assert first.content == again.content
    for response in (first, again):
        assert_security_headers(response)
        assert "no-store" not in response.get("Cache-Control", "")


def test_a_404_has_the_headers_and_speaks_swedish(client, production_headers):
    response = client.get("/finns-inte/", secure=True)
    assert response.status_code == 404
    assert_security_headers(response)
    assert "Sidan finns inte" in response.text


def test_a_500_reveals_nothing_and_has_the_headers(client, production_headers):
    client.raise_request_exception = False
    with mock.patch("guidance.views.rendered_sections", side_effect=RuntimeError("hemligt")):
        response = client.get("/fore/", secure=True)
    assert response.status_code == 500
    assert_security_headers(response)
    assert "Något gick fel hos oss" in response.text
    assert "hemligt" not in response.text and "Traceback" not in response.text


def test_a_500_while_the_database_is_down_names_the_organisation_and_asks_nothing_of_it(
    client, production_headers, settings
):
    from django.db import OperationalError

    settings.PORTAL_ORGANISATION_NAME = "Exempel kommun"
    client.raise_request_exception = False
    down = OperationalError("databasen svarar inte")
    with (
        mock.patch("guidance.views.rendered_sections", side_effect=down),
        mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=down),
    ):
        response = client.get("/fore/", secure=True)
    assert response.status_code == 500
    assert "Något gick fel hos oss" in response.text
    assert "Exempel kommun" in response.text
    assert "svarar inte" not in response.text and "Traceback" not in response.text


def test_a_403_speaks_swedish(client, official, production_headers):
    client.force_login(official)
    response = client.get("/admin/login/?next=/admin/", secure=True)
    assert response.status_code == 403
    assert_security_headers(response)
    assert "Du har inte behörighet" in response.text


def test_a_form_sent_without_its_csrf_token_gets_a_swedish_page(production_headers):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        "/logga-in/", {"username": "a@example.se", "password": "x"}, secure=True
    )
    assert response.status_code == 403
    assert "Formuläret gick inte att skicka" in response.text


def test_pages_for_a_logged_in_user_are_never_stored(client, official, production_headers):
    client.force_login(official)
    for url in ["/mina-sidor/", "/under/"]:
        response = client.get(url, secure=True)
        assert_security_headers(response)
        assert "no-store" in response["Cache-Control"]


def test_admin_pages_are_never_stored(client, officer, production_headers):
    login_verified(client, officer)
    response = client.get("/admin/portal/user/", secure=True)
    assert response.status_code == 200
    assert_security_headers(response)
    assert "no-store" in response["Cache-Control"]


def test_login_pages_are_never_stored(client, production_headers):
    for url in ["/logga-in/", "/glomt-losenord/"]:
        assert "no-store" in client.get(url, secure=True)["Cache-Control"]


def test_cookies_are_secure_httponly_and_samesite(client, official, production_headers):
    from .conftest import PASSWORD

    page = client.get("/logga-in/", secure=True)
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    response = client.post(
        "/logga-in/", {"username": official.email, "password": PASSWORD}, secure=True
    )
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_files_redirects_and_the_admin_have_the_headers_too(client, officer, production_headers):
    anonymous = [
        client.get("/favicon.ico", secure=True),
        client.get("/mina-sidor/", secure=True),  # a redirect to the login
    ]
    login_verified(client, officer)
    for response in [*anonymous, client.get("/admin/", secure=True)]:
        assert response.status_code in (200, 302), response
        assert_security_headers(response)
