"""The portal installed for another organisation, as IT would: Exempel kommun's names, prefix
and logo from the environment, its own short plan loaded with manage.py load_plan. The start
page, Under and the report form show its name and numbers, not a word of the first
organisation's, and pass axe-core."""

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import running_portal
from .support import PASSWORD, ROOT, axe_violations, fill_report, log_in, screenshot

OFFICIAL = ("erik.exempel@example.se", "Erik Exempel")
THEIRS = re.compile(r"Sörmland|sormland|HHV|Personsäkerhetsportalen|Securitas|regionen", re.I)


@pytest.fixture(scope="module")
def exempel(tmp_path_factory):
    var = tmp_path_factory.mktemp("exempel-var")
    logo = var / "exempel-logo.png"
    Image.new("RGB", (120, 40), "darkgreen").save(logo)
    account = (
        "from portal.models import User; "
        f"User.objects.create_user({OFFICIAL[0]!r}, {PASSWORD!r}, full_name={OFFICIAL[1]!r})"
    )
    setup = [
        ["load_plan", str(ROOT / "tests" / "data" / "exempel-plan.md")],
        ["shell", "-c", account],
    ]
    with running_portal(
        var,
        "browser_exempel",
        setup,
        PORTAL_ORGANISATION_NAME="Exempel kommun",
        PORTAL_ORGANISATION_IN_TEXT="kommunen",
        PORTAL_NAME="Tryggt uppdrag",
        PORTAL_REFERENCE_PREFIX="EXK",
        PORTAL_LOGO=str(logo),
    ) as portal:
        yield portal.base


def assert_exempel_kommuns(page):
    assert page.title().endswith("Tryggt uppdrag, Exempel kommun")
    text = page.locator("body").inner_text()
    assert "Exempel kommun" in text
    assert THEIRS.findall(text) == []
    assert axe_violations(page) == []
    assert page.csp_errors == []


def test_the_start_page_is_exempel_kommuns_with_its_logo(page, exempel):
    page.goto(exempel + "/")
    expect(page.locator("h1")).to_contain_text("för förtroendevalda i Exempel kommun")
    expect(page.get_by_role("heading", name="Tryggare uppdrag i Exempel kommun")).to_be_visible()
    logo = page.locator("img.site-logo")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.naturalWidth") == 120  # served, as a static file
    assert_exempel_kommuns(page)
    screenshot(page, "exempel-kommun-start")


def test_under_calls_exempel_kommuns_numbers(page, exempel):
    page.goto(exempel + "/under/")
    expect(
        page.get_by_role("link", name=re.compile("Kommunhusets trygghetsvärd"))
    ).to_have_attribute("href", "tel:+46123456789")
    assert_exempel_kommuns(page)


def test_a_report_gets_exempel_kommuns_reference(page, exempel):
    log_in(page, exempel, OFFICIAL[0])
    page.goto(exempel + "/rapportera/")
    expect(page.get_by_text("ska rapporteras till kommunen")).to_be_visible()
    assert_exempel_kommuns(page)
    fill_report(page)
    page.get_by_role("button", name="Skicka rapporten").click()
    expect(page.locator("h1")).to_have_text("Tack. Din rapport är skickad")
    reference = page.locator(".receipt-reference strong").inner_text()
    assert re.fullmatch(r"EXK-\d{4}-0001", reference)
    assert_exempel_kommuns(page)
