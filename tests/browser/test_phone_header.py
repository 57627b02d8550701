"""The header and the start page on a 390 × 844 phone: the header takes at most a quarter of
the screen, 112 is one tap away on every page without opening a menu, a logged-in official's
important notice is in view without scrolling, and the menu works with the keyboard alone,
with and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from .support import OFFICIALS, axe_violations, log_in

PHONE = {"viewport": {"width": 390, "height": 844}}
QUARTER = 844 // 4  # 211 px

VISITOR_PAGES = [
    "/", "/fore/", "/under/", "/efter/", "/kontakt/", "/riskinventering/", "/logga-in/",
]  # fmt: skip
OFFICIAL_PAGES = ["/", "/mina-sidor/", "/aktuellt/", "/utbildning/", "/rapportera/", "/under/"]
# The official's menu, in order; a visitor's ends with Logga in instead of the last four.
MENU = ["Före", "Under", "Efter", "Riskinventering", "Rapportera händelse"]
OFFICIAL_MENU = [*MENU, "Aktuellt", "Utbildning", "Mina sidor", "Logga ut"]
# The important notice made on the test server (support.SETUP_ACCOUNTS).
NOTICE = "Lägesbild inför valet"


def in_view(page, locator):
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def header_height(page):
    """From the top of the page to the bottom of the header: the emergency strip and the
    header itself, everything above the page's own content."""
    page.evaluate("window.scrollTo(0, 0)")
    box = page.locator(".site-header").bounding_box()
    return box["y"] + box["height"]


def official_page(new_page, portal, **options):
    page = new_page("telefon", **PHONE, **options)
    log_in(page, portal, OFFICIALS["telefon"][0])
    return page


def test_on_a_phone_the_header_is_a_quarter_of_the_screen_and_112_is_in_view(new_page, portal):
    page = new_page("telefon", **PHONE)
    measured = {}
    for path in VISITOR_PAGES:
        page.goto(portal + path)
        measured[path] = header_height(page)
        call = page.locator('.emergency-strip a[href="tel:112"]')
        assert in_view(page, call), path
        assert call.bounding_box()["height"] >= 44, path
    assert {path: h for path, h in measured.items() if h > QUARTER} == {}
    assert page.csp_errors == []


def test_an_officials_header_too_and_the_menu_stays_shut_until_asked(new_page, portal):
    page = official_page(new_page, portal)
    measured = {}
    for path in OFFICIAL_PAGES:
        page.goto(portal + path)
        measured[path] = header_height(page)
        assert in_view(page, page.locator('.emergency-strip a[href="tel:112"]')), path
        expect(page.locator(".site-header").get_by_role("link", name="Aktuellt")).to_be_hidden()
    assert {path: h for path, h in measured.items() if h > QUARTER} == {}


def test_an_officials_important_notice_is_in_view_without_scrolling(new_page, portal):
    page = official_page(new_page, portal)
    page.goto(portal + "/")
    notice = page.locator("article.notice-important").filter(has_text=NOTICE)
    expect(notice).to_be_visible()
    assert page.evaluate("window.scrollY") == 0
    assert in_view(page, notice), notice.bounding_box()
    # The ways in follow it, and the red Under comes first among them.
    assert page.locator(".way-under").bounding_box()["y"] > notice.bounding_box()["y"]


def focused(page):
    return page.evaluate("document.activeElement.textContent.trim()")


def test_the_menu_opens_and_every_item_is_reached_with_the_keyboard(new_page, portal):
    page = official_page(new_page, portal)
    page.goto(portal + "/")
    menu = page.locator("summary.site-menu-button")
    for _ in range(6):  # the skip link, the two in the emergency strip, the site's name
        page.keyboard.press("Tab")
        if focused(page) == "Meny":
            break
    assert focused(page) == "Meny"
    expect(menu).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    reached = []
    for _ in OFFICIAL_MENU:
        page.keyboard.press("Tab")
        reached.append(focused(page))
        assert page.evaluate("document.activeElement.closest('.site-menu-panel') !== null")
        assert in_view(page, page.locator(":focus")), reached[-1]
    assert reached == OFFICIAL_MENU
    assert axe_violations(page) == []  # with the menu open

    # Escape shuts it and gives the focus back to its button.
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.locator(".site-header").get_by_role("link", name="Utbildning")).to_be_hidden()
    assert focused(page) == "Meny"

    # An item opens its page; Logga ut, a form, logs out.
    page.keyboard.press("Enter")
    page.locator(".site-menu-panel").get_by_role("link", name="Utbildning").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/utbildning/$"))
    page.locator("summary.site-menu-button").click()
    page.locator(".site-menu-panel").get_by_role("button", name="Logga ut").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.locator("summary.site-menu-button").click()
    expect(page.locator(".site-menu-panel").get_by_role("link", name="Logga in")).to_be_visible()
    assert page.csp_errors == []


def test_without_javascript_the_menu_still_opens_with_the_keyboard(new_page, portal):
    page = official_page(new_page, portal, java_script_enabled=False)
    page.goto(portal + "/under/")
    page.locator("summary.site-menu-button").focus()
    page.keyboard.press("Enter")
    panel = page.locator(".site-menu-panel")
    for label in OFFICIAL_MENU[:-1]:
        expect(panel.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(panel.get_by_role("button", name="Logga ut")).to_be_visible()
    assert header_height(page) <= QUARTER  # the open menu lies over the page


@pytest.mark.parametrize("who", ["besökare", "förtroendevald"])
def test_the_start_page_on_a_390_pixel_phone_passes_axe(new_page, portal, who):
    page = new_page("telefon", **PHONE) if who == "besökare" else official_page(new_page, portal)
    page.goto(portal + "/")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.csp_errors == []


def test_on_a_wide_screen_the_menu_is_a_row_without_a_button(new_page, portal):
    page = new_page("dator")
    log_in(page, portal, OFFICIALS["dator"][0])
    page.goto(portal + "/")
    expect(page.locator("summary.site-menu-button")).to_be_hidden()
    row = page.locator(".site-nav-wide")
    for label in OFFICIAL_MENU[:-1]:
        expect(row.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(row.get_by_role("button", name="Logga ut")).to_be_visible()
