"""Screenshots of the main pages at phone and desktop width, written to var/skarmbilder/
for a person to look at; and on each, nothing wider than the screen (WCAG 1.4.10)."""

import pytest

from .support import OFFICIALS, VIEWPORTS, log_in, screenshot

PUBLIC = {
    "start": "/", "fore": "/fore/", "under": "/under/", "efter": "/efter/",
    "checklista": "/checklista/", "kontakt": "/kontakt/", "riskinventering": "/riskinventering/",
    "logga-in": "/logga-in/",
}  # fmt: skip
LOGGED_IN = {
    "start-inloggad": "/", "rapportera": "/rapportera/", "mina-rapporter": "/mina-rapporter/",
    "aktuellt": "/aktuellt/", "utbildning": "/utbildning/",
    "introduktion": "/utbildning/introduktion/",
}  # fmt: skip


def too_wide(page):
    """Wider than the screen. On a phone the browser widens its window to the content and
    zooms out, so the page is measured against the screen's width, not the window's."""
    return page.evaluate("document.documentElement.scrollWidth") > page.viewport_size["width"]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_main_pages_fit_the_screen_and_are_photographed(new_page, portal, viewport):
    page = new_page(viewport)
    wide = []
    for name, path in PUBLIC.items():
        page.goto(portal + path)
        screenshot(page, f"{viewport}-{name}")
        wide += [path] if too_wide(page) else []
    log_in(page, portal, OFFICIALS["granskning"][0])
    for name, path in LOGGED_IN.items():
        page.goto(portal + path)
        screenshot(page, f"{viewport}-{name}")
        wide += [path] if too_wide(page) else []
    assert wide == []


NARROW = [320, 360]
# Every page a visitor can reach without an account, the invitation pages included.
EVERY_PUBLIC = [
    *PUBLIC.values(), "/glomt-losenord/", "/personuppgifter/", "/tillganglighet/",
    "/ingen-anslutning/", "/inbjudan/MA/ogiltig-lank/",
]  # fmt: skip
INVITATION = """
from urllib.parse import urlsplit
from portal.models import User
user, _ = User.objects.get_or_create(email="ina.inbjuden@example.se",
                                     defaults={"full_name": "Ina Inbjuden"})
print(urlsplit(user.invitation_url()).path)
"""
WIDER_THAN_THE_SCREEN = """(width) => [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > width + 0.5)
    .map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""))
    .slice(0, 5)"""


@pytest.mark.parametrize("width", NARROW)
def test_every_public_page_fits_a_narrow_phone(new_page, server, width):
    """WCAG 1.4.10: at 320 px nothing needs scrolling sideways. The invitation is opened
    from a real one-time link, as the official gets it by mail."""
    page = new_page("telefon", viewport={"width": width, "height": 640})
    wide = {}
    for path in [*EVERY_PUBLIC, server.shell(INVITATION)]:
        page.goto(server.base + path)
        if too_wide(page):
            wide[page.url.removeprefix(server.base)] = page.evaluate(WIDER_THAN_THE_SCREEN, width)
    assert not wide, wide
