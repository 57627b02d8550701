"""Helpers for the browser tests: accounts on the test server, axe-core, logging in,
screenshots."""

import base64
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
# Screenshots of what users see, for a person to look at (README: "Skärmbilder").
SCREENSHOTS = Path(os.environ.get("PORTAL_SCREENSHOTS", ROOT / "var" / "skarmbilder"))

PASSWORD = "ett-långt-lösenord-i-webbläsaren"
OFFICIALS = {
    "telefon": ("anna.telefon@example.se", "Anna Telefon"),
    "dator": ("david.dator@example.se", "David Dator"),
    "tangentbord": ("tove.tangent@example.se", "Tove Tangent"),
    "granskning": ("greta.granskning@example.se", "Greta Granskning"),
    "offline": ("olle.offline@example.se", "Olle Offline"),
}
OFFICER = ("sara.sakerhet@example.se", "Sara Säkerhet")
# A second officer who never enrols, to see the enrolment page's error state.
NEW_OFFICER = ("nils.ny@example.se", "Nils Ny")
VIEWPORTS = {
    "telefon": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True},
    "dator": {"viewport": {"width": 1280, "height": 800}},
}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Made on the test server before it starts: the officials, and a security officer in the
# group (staff, not a superuser) who enrols a second factor in the browser.
SETUP_ACCOUNTS = f"""
from django.contrib.auth.models import Group
from portal.models import SECURITY_OFFICERS, User
for email, name in {list(OFFICIALS.values())!r}:
    User.objects.create_user(email, {PASSWORD!r}, full_name=name)
for email, name in [{OFFICER!r}, {NEW_OFFICER!r}]:
    officer = User.objects.create_user(email, {PASSWORD!r}, full_name=name,
                                       role=User.Role.SAKERHETSHANDLAGGARE, is_staff=True)
    officer.groups.add(Group.objects.get(name=SECURITY_OFFICERS))
from notices.models import Notice
Notice.objects.create(
    title="Lägesbild inför valet", importance=Notice.Importance.VIKTIG,
    status=Notice.Status.PUBLICERAD, body="Polisen ser en ökad hotbild. Ring [[polisen]].")
"""


def axe_violations(page):
    """axe-core's WCAG 2.1 A and AA rules on the page as it is now, as readable lines."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}: {v['nodes'][0]['target']})"
        for v in results.response["violations"]
    ]


def log_in(page, base, email, password=PASSWORD):
    page.goto(base + "/logga-in/")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()


def field_label(text):
    """A form field's label exactly, with or without the asterisk of a required field."""
    return re.compile(rf"^\s*{re.escape(text)}\*?\s*$")


def answer_risk_inventory(page, base, answer):
    from playwright.sync_api import expect

    page.goto(base + "/riskinventering/")
    fieldsets = page.locator("fieldset")
    for i in range(fieldsets.count()):
        fieldsets.nth(i).get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Visa resultatet").click()
    expect(page.locator("h1")).to_have_text("Resultat av riskinventeringen")


def save_risk_inventory(page, activity):
    from playwright.sync_api import expect

    page.get_by_label(field_label("Vad")).fill(activity)
    page.get_by_label(field_label("När")).fill("2026-12-03")
    page.get_by_label(field_label("Var")).fill("Stadshuset")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator("h1")).to_contain_text(activity)


def fill_report(page):
    """The answers a report needs before it can be sent: a threat on social media."""

    def group(name):
        return page.get_by_role("group", name=re.compile(name))

    group("Vad var det").get_by_label("Hot").check()
    group("Hur nådde det dig").get_by_label("Sociala medier").check()
    group("Har det hänt").get_by_label("Det har hänt").check()
    page.get_by_label("Datum").fill("2026-11-20")
    page.get_by_label("Var hände det?").fill("Facebook, i en kommentar")
    page.get_by_label("Vad hände under").fill("Någon skrev att de vet var jag bor.")
    group("Har du polisanmält").get_by_label("Nej", exact=True).check()
    group("Får säkerhetshandläggaren").get_by_label("Ja", exact=True).check()


def totp_code(secret):
    """The code an authenticator app shows now for the key shown on the enrolment page."""
    from django_otp.oath import TOTP

    key = base64.b32decode(secret.replace(" ", ""))
    return f"{TOTP(key).token():06d}"


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
    page.screenshot(path=path, full_page=True)
    return path
