"""The portal in a real browser: WCAG 2.1 AA by axe-core, no CSP violations, the phone view.

Runs against the portal served by runserver on loopback, with its own SQLite database,
in headless Chromium (Debian's package; .ci/run installs it)."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)"
)

PAGES = [
    "/", "/fore/", "/under/", "/efter/", "/checklista/", "/kontakt/", "/logga-in/",
    "/glomt-losenord/", "/personuppgifter/", "/tillganglighet/", "/riskinventering/",
]  # fmt: skip
OFFICIAL_PAGES = ["/mina-sidor/", "/riskinventering/mina/", "/rapportera/", "/mina-rapporter/"]
EMAIL, PASSWORD = "browser@example.se", "ett-långt-lösenord-i-webbläsaren"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    var = tmp_path_factory.mktemp("browser-var")
    prefixes = ("DJANGO_", "PORTAL_", "DATABASE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(DJANGO_DEBUG="1", PORTAL_VAR_DIR=str(var))
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input"], cwd=ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip
    create = (
        "from portal.models import User;"
        f"User.objects.create_user({EMAIL!r}, {PASSWORD!r}, full_name='Webb Läsare')"
    )
    subprocess.run([*manage, "shell", "-c", create], cwd=ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310 - loopback
            break
        except OSError:
            time.sleep(0.1)
    yield base
    server.terminate()
    server.wait()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="sv-SE")
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console",
        lambda m: page.csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield page
    context.close()


def axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        },
    )
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}: {v['nodes'][0]['target']})"
        for v in results.response["violations"]
    ]


def log_in(page, portal):
    page.goto(portal + "/logga-in/")
    page.get_by_label("E-postadress").fill(EMAIL)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/mina-sidor/")


@pytest.mark.parametrize("path", PAGES)
def test_public_pages_pass_axe_without_csp_violations(page, portal, path):
    page.goto(portal + path)
    assert axe_violations(page) == []
    assert page.csp_errors == []


@pytest.mark.parametrize("path", OFFICIAL_PAGES)
def test_pages_for_officials_pass_axe(page, portal, path):
    log_in(page, portal)
    page.goto(portal + path)
    assert axe_violations(page) == []
    assert page.csp_errors == []


def test_a_failed_login_shows_an_error_summary_that_passes_axe(page, portal):
    page.goto(portal + "/logga-in/")
    page.get_by_label("E-postadress").fill("fel@example.se")
    page.get_by_label("Lösenord").fill("fel")
    page.get_by_role("button", name="Logga in").click()
    assert page.get_by_role("alert").first.is_visible()
    assert page.get_by_label("E-postadress").input_value() == "fel@example.se"
    assert axe_violations(page) == []


def test_on_a_phone_under_shows_112_first_with_a_big_tap_target(browser, portal):
    context = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True)
    page = context.new_page()
    page.goto(portal + "/under/")
    first = page.locator(".call-button").first
    box = first.bounding_box()
    assert first.get_attribute("href") == "tel:112"
    assert box["y"] + box["height"] <= 640  # visible without scrolling
    assert box["height"] >= 44 and box["width"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    context.close()


def test_the_first_tab_reaches_the_skip_link_and_it_moves_focus_to_main(page, portal):
    page.goto(portal + "/fore/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Hoppa till innehållet"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_risk_inventory_in_a_browser_errors_then_result(page, portal):
    page.goto(portal + "/riskinventering/")
    fieldsets = page.locator("fieldset")
    count = fieldsets.count()
    assert count == 11
    for i in range(count - 1):  # leave the last question unanswered
        fieldsets.nth(i).get_by_label("HÖG").check()
    page.get_by_label("Anteckning (frivillig)").first.fill("Möte i Nyköping")
    page.get_by_role("button", name="Visa resultatet").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.get_by_label("Anteckning (frivillig)").first.input_value() == "Möte i Nyköping"
    assert axe_violations(page) == []
    summary.get_by_role("link").first.click()
    page.locator("fieldset").nth(count - 1).get_by_label("LÅG").check()
    page.get_by_role("button", name="Visa resultatet").click()
    assert page.get_by_text("Hög", exact=False).first.is_visible()
    assert axe_violations(page) == []
    assert page.csp_errors == []


def test_a_report_sent_with_a_missing_answer_keeps_the_text_and_passes_axe(page, portal):
    log_in(page, portal)
    page.goto(portal + "/rapportera/")
    page.get_by_label("Vad hände under").fill("Någon skrek hot vid mötet.")
    page.get_by_role("button", name="Skicka rapporten").click()
    assert page.locator(".error-summary").is_visible()
    assert page.get_by_label("Vad hände under").input_value() == "Någon skrek hot vid mötet."
    assert axe_violations(page) == []
    assert page.csp_errors == []
