"""The security officer's day in the admin, in Chromium at a desktop's 1280 x 800: the
report list fits the screen without scrolling sideways, and the start page says what
waits."""

import re

import pytest
from playwright.sync_api import expect

from .support import OFFICER, OFFICIALS, screenshot

# Reports as a busy week leaves them: every kind ticked, long names, a follow-up, a failed
# mail. Made once on the test server, beside what the other browser tests make.
BUSY_WEEK = f"""
from datetime import date, datetime, timedelta
from django.contrib.auth.models import Group
from django.utils import timezone
from incidents.models import Incident, Kind
from portal.models import SECURITY_OFFICERS, User
reporter = User.objects.get(email={OFFICIALS["granskning"][0]!r})
sara = User.objects.get(email={OFFICER[0]!r})
colleague, _ = User.objects.get_or_create(
    email="maria-kristina.johansson-lindqvist@example.se",
    defaults=dict(full_name="Maria-Kristina Johansson-Lindqvist", is_staff=True,
                  role=User.Role.SAKERHETSHANDLAGGARE))
colleague.groups.add(Group.objects.get(name=SECURITY_OFFICERS))
now = timezone.now()
for i in range(12):
    Incident.objects.get_or_create(
        reference=f"HHV-2024-{{900 + i:04d}}",
        defaults=dict(
            reporter=reporter, submitted_at=now - timedelta(hours=5 * i),
            kinds=list(Kind.values) if i % 2 == 0 else ["hat", "skadegorelse", "annat"],
            channel="sociala_medier", timing="pagar", during="Hot i kommentarer.",
            place="Facebook", police_report="gjord" if i % 3 == 0 else "nej",
            status=["ny", "under_bedomning", "atgarder_pagar"][i % 3],
            severity=["", "hog", "mattlig"][i % 3],
            handler=[None, colleague, sara][i % 3],
            next_follow_up=None if i % 3 == 0 else date.today() - timedelta(days=i - 4),
            notification_failed_at=now if i in (1, 4) else None,
        ),
    )
print("ok")
"""


@pytest.fixture(scope="module")
def busy_week(server):
    assert server.shell(BUSY_WEEK) == "ok"


def overflow(page, selector):
    """How many pixels the element (or the page) is wider than what it shows."""
    return page.evaluate(
        """(selector) => {
            const el = selector ? document.querySelector(selector) : document.documentElement;
            const shown = selector ? el.clientWidth : window.innerWidth;
            return el.scrollWidth - shown;
        }""",
        selector,
    )


def test_the_report_list_fits_a_1280_pixel_screen(busy_week, officer_page, portal):
    page = officer_page
    assert page.viewport_size == {"width": 1280, "height": 800}
    page.goto(portal + "/admin/incidents/incident/")
    expect(page.get_by_role("link", name="HHV-2024-0900")).to_be_visible()
    expect(page.get_by_text("Maria-Kristina Johansson-Lindqvist").first).to_be_visible()
    screenshot(page, "admin-rapportlistan-1280")
    assert overflow(page, None) <= 0, "the page scrolls sideways"
    assert overflow(page, "#changelist .results") <= 0, "the report table scrolls sideways"


def test_the_start_page_leads_to_the_officers_own_open_reports(busy_week, officer_page, portal):
    page = officer_page
    page.goto(portal + "/admin/")
    to_do = page.get_by_role("table", name="Att göra")
    expect(to_do.get_by_role("row", name=re.compile("Mina öppna rapporter"))).to_contain_text(
        "4 rapporter"
    )
    screenshot(page, "admin-startsidan-1280")
    assert overflow(page, None) <= 0, "the page scrolls sideways"
    to_do.get_by_role("link", name="Mina öppna rapporter").click()
    expect(page).to_have_url(re.compile(r"\?mina=oppna$"))
    expect(page.get_by_role("link", name="HHV-2024-0902")).to_be_visible()  # Sara's
    expect(page.get_by_role("link", name="HHV-2024-0901")).to_have_count(0)  # her colleague's
