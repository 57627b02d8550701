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
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


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
