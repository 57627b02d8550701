"""Every page carries the emergency strip, the landmarks and the strict CSP."""

import pytest

from .conftest import login_verified

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/",
    "/fore/",
    "/under/",
    "/efter/",
    "/checklista/",
    "/kontakt/",
    "/logga-in/",
    "/glomt-losenord/",
    "/glomt-losenord/skickat/",
    "/personuppgifter/",
    "/tillganglighet/",
    "/riskinventering/",
]
OFFICIAL_PAGES = ["/mina-sidor/"]
STAFF_PAGES = ["/admin/", "/admin/guidance/section/", "/admin/portal/user/"]


def assert_emergency_strip(html):
    assert (
        '<a class="emergency-call" href="tel:112"><strong>Akut fara? Ring 112</strong></a>' in html
    )
    assert 'href="/under/"' in html


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_public_page_has_the_emergency_strip_and_landmarks(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.text
    assert_emergency_strip(html)
    assert '<html lang="sv">' in html
    assert '<a class="skip-link" href="#main">Hoppa till innehållet</a>' in html
    assert '<main id="main"' in html
    assert 'aria-label="Huvudmeny"' in html
    assert "<footer" in html
    assert 'href="/personuppgifter/"' in html and 'href="/tillganglighet/"' in html


@pytest.mark.parametrize("url", OFFICIAL_PAGES)
def test_pages_for_officials_have_the_emergency_strip(client, official, url):
    client.force_login(official)
    response = client.get(url)
    assert response.status_code == 200
    assert_emergency_strip(response.text)
    assert "Mina sidor" in response.text and "Logga in</a>" not in response.text


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_admin_pages_have_the_emergency_strip(client, officer, url):
    login_verified(client, officer)
    response = client.get(url)
    assert response.status_code == 200
    assert_emergency_strip(response.text)


def test_the_second_factor_pages_have_the_emergency_strip(client, officer):
    client.force_login(officer)
    assert_emergency_strip(client.get("/konto/tvastegs/aktivera/").text)


def header(html):
    return html[html.index('<header class="site-header">') : html.index("</header>")]


def menus(html):
    """The header's two menus, the phone's (behind Meny) and the wide screen's row."""
    phone = header(html)[header(html).index('<details class="site-menu">') :]
    phone = phone[: phone.index("</details>")]
    wide = header(html)[header(html).index('<nav class="site-nav-wide"') :]
    return phone, wide


def test_the_navigation_offers_the_ways_in(client):
    html = client.get("/").text
    for menu in menus(html):
        for label in ["Före", "Under", "Efter", "Riskinventering", "Rapportera händelse"]:
            assert f">{label}</a>" in menu
        assert 'href="/logga-in/?next=/"' in menu and ">Logga in</a>" in menu
        assert "Aktuellt" not in menu and "Logga ut" not in menu
    assert '<summary class="site-menu-button">Meny</summary>' in html


@pytest.mark.parametrize("url", ["/", "/under/", "/utbildning/", "/aktuellt/"])
def test_an_officials_header_menu_has_aktuellt_utbildning_and_logga_ut_as_a_post_form(
    client, official, url
):
    client.force_login(official)
    html = client.get(url).text
    for menu in menus(html):
        assert '<a href="/aktuellt/"' in menu and ">Aktuellt</a>" in menu
        assert '<a href="/utbildning/"' in menu and ">Utbildning</a>" in menu
        assert '<a href="/mina-sidor/"' in menu
        logout = menu[menu.index('<form method="post" action="/logga-ut/"') :]
        assert 'name="csrfmiddlewaretoken"' in logout[: logout.index("</form>")]
        assert '<button type="submit" class="main-nav-button">Logga ut</button>' in logout
        assert "Logga in</a>" not in menu
    current = f'<a href="{url}" aria-current="page">'
    assert url == "/" or header(html).count(current) == 2


def test_the_footer_names_the_security_officer_with_a_tel_link(client):
    html = client.get("/personuppgifter/").text
    assert "Joakim Strand" in html
    assert '<a href="tel:+46703377911">0703-377911</a>' in html


@pytest.mark.parametrize("url", ["/", "/logga-in/", "/admin/login/"])
def test_responses_carry_a_strict_content_security_policy(client, url):
    policy = client.get(url)["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_templates_hold_no_inline_script_or_style(client):
    for url in PUBLIC_PAGES:
        html = client.get(url).text
        assert "<script>" not in html
        assert "style=" not in html
        assert "<style" not in html


def test_the_admin_speaks_swedish_in_empty_choices(client, officer):
    login_verified(client, officer)
    html = client.get("/admin/guidance/section/add/").text
    assert "– Välj –" in html and "Select an option" not in html


def test_the_tab_icon_is_there_at_the_sites_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert (
        b"".join(response.streaming_content if response.streaming else [response.content])[:4]
        == b"\x00\x00\x01\x00"
    )  # an ICO file
    assert '<link rel="icon" href="/favicon.ico" sizes="48x48">' in client.get("/").text
