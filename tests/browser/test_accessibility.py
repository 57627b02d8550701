"""WCAG 2.1 A and AA by axe-core on every public page, every form in its error state, the
pages an official has under Mina sidor and the admin pages a security officer works in;
no Content Security Policy violations; the keyboard alone is enough."""

import re

import pytest
from playwright.sync_api import expect

from .support import (
    NEW_OFFICER,
    OFFICER,
    OFFICIALS,
    answer_risk_inventory,
    axe_violations,
    fill_report,
    log_in,
    save_risk_inventory,
)

PUBLIC_PAGES = [
    "/", "/fore/", "/under/", "/efter/", "/checklista/", "/kontakt/", "/logga-in/",
    "/glomt-losenord/", "/personuppgifter/", "/tillganglighet/", "/riskinventering/",
    "/ingen-anslutning/", "/finns-inte/",
]  # fmt: skip


def violations_on(page, url):
    page.goto(url)
    return axe_violations(page)


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_pass_axe_without_csp_violations(page, portal, path):
    assert violations_on(page, portal + path) == []
    assert page.csp_errors == []


def test_every_page_under_mina_sidor_passes_axe(page, portal, server):
    """With something in each list: a saved risk inventory, a sent report with a message
    from the security officer (news on Mina sidor, an answer form), a draft."""
    log_in(page, portal, OFFICIALS["granskning"][0])
    answer_risk_inventory(page, portal, "MÅTTLIG")
    save_risk_inventory(page, "Valmöte på torget")
    assessment = page.url
    page.goto(portal + "/rapportera/")
    fill_report(page)
    page.get_by_role("button", name="Skicka rapporten").click()
    expect(page.locator("h1")).to_have_text("Tack. Din rapport är skickad")
    receipt = page.url
    page.goto(portal + "/rapportera/")
    page.get_by_label("Vad hände under").fill("Ett utkast.")
    page.get_by_role("button", name="Spara som utkast").click()
    page.goto(portal + "/mina-rapporter/")
    report = page.get_by_role("link", name=re.compile(r"HHV-")).first.get_attribute("href")
    delete = page.get_by_role("link", name=re.compile("Ta bort")).first.get_attribute("href")
    server.shell(
        "from incidents.models import Incident; from portal.models import User;"
        f"i = Incident.objects.submitted().get(pk={report.strip('/').split('/')[-1]});"
        f"i.send_message(User.objects.get(email={OFFICER[0]!r}), 'Hur mår du nu?'); print(i.pk)"
    )

    pages = [
        "/", "/mina-sidor/", "/riskinventering/mina/", assessment, "/rapportera/",
        "/mina-rapporter/", portal + report, receipt, portal + delete,
        "/aktuellt/", "/aktuellt/1/", "/utbildning/", "/utbildning/introduktion/",
    ]  # fmt: skip
    found = {url: violations_on(page, url if url.startswith("http") else portal + url)
             for url in pages}  # fmt: skip
    page.goto(portal + report)
    page.locator(".reply-form summary").first.click()
    expect(page.get_by_label("Ditt svar")).to_be_visible()
    found["svar"] = axe_violations(page)
    assert {url: v for url, v in found.items() if v} == {}
    assert page.csp_errors == []


def test_forms_in_their_error_state_pass_axe(page, portal):
    """Each form sent with something missing or wrong shows its error summary, and the page
    as it then is passes axe."""
    found = {}

    def check(name):
        expect(page.locator(".error-summary, .errornote, [role=alert]").first).to_be_visible()
        found[name] = axe_violations(page)

    page.goto(portal + "/logga-in/")
    page.get_by_label("E-postadress").fill("fel@example.se")
    page.get_by_label("Lösenord").fill("fel")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_label("E-postadress")).to_have_value("fel@example.se")
    check("inloggning")

    page.goto(portal + "/glomt-losenord/")
    page.get_by_label(re.compile("E-post")).fill("inte en adress")
    page.get_by_role("button", name="Skicka länk").click()
    check("glömt lösenord")

    page.goto(portal + "/riskinventering/")
    page.get_by_role("button", name="Visa resultatet").click()
    check("riskinventering")

    log_in(page, portal, OFFICIALS["granskning"][0])
    answer_risk_inventory(page, portal, "LÅG")
    page.get_by_role("button", name="Spara", exact=True).click()
    check("spara riskinventering")

    page.goto(portal + "/rapportera/")
    page.get_by_label("Vad hände under").fill("Någon skrek hot vid mötet.")
    page.get_by_role("button", name="Skicka rapporten").click()
    expect(page.get_by_label("Vad hände under")).to_have_value("Någon skrek hot vid mötet.")
    check("rapport")

    fill_report(page)
    page.get_by_role("button", name="Skicka rapporten").click()
    page.get_by_role("link", name="Se rapporten").click()
    page.get_by_role("button", name="Lägg till i rapporten").click()
    check("komplettering")

    page.get_by_role("button", name="Jag har polisanmält").click()
    check("polisanmälan")

    page.goto(portal + "/utbildning/sociala-medier/")
    for question in page.locator("fieldset").all():
        question.get_by_role("checkbox").or_(question.get_by_role("radio")).last.check()
    page.get_by_role("button", name="Skicka svaren").click()
    expect(page.get_by_text("Fel svar").first).to_be_visible()
    check("utbildning, fel svar")

    assert {name: v for name, v in found.items() if v} == {}
    assert page.csp_errors == []


def test_choosing_a_password_with_two_different_entries_passes_axe(page, server):
    """The page an invitation or a password reset leads to, with the link from the mail."""
    email = OFFICIALS["granskning"][0]
    link = server.shell(
        "from django.contrib.auth.tokens import default_token_generator as tokens;"
        "from django.urls import reverse;"
        "from django.utils.http import urlsafe_base64_encode as b64;"
        "from portal.models import User;"
        f"u = User.objects.get(email={email!r});"
        "print(reverse('password_reset_confirm', args=[b64(str(u.pk).encode()),"
        " tokens.make_token(u)]))"
    )
    page.goto(server.base + link)
    page.get_by_label(re.compile(r"^\s*Nytt lösenord")).fill("ett-långt-nytt-lösenord-1")
    page.get_by_label(re.compile("Bekräfta")).fill("ett-annat-lösenord-2")
    page.get_by_role("button", name="Spara lösenord").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert axe_violations(page) == []
    assert page.csp_errors == []


def test_second_factor_pages_in_their_error_state_pass_axe(new_page, portal):
    found = {}
    for (email, _), path in [(NEW_OFFICER, "aktivera"), (OFFICER, "verifiera")]:
        page = new_page()
        log_in(page, portal, email)
        page.goto(portal + "/admin/")
        page.get_by_label("Kod").fill("12345")  # five digits: never a valid code
        page.get_by_role("button", name=re.compile("Aktivera|Fortsätt")).click()
        expect(page.locator(".error-summary")).to_be_visible()
        found[path] = axe_violations(page)
    assert {name: v for name, v in found.items() if v} == {}


ADMIN_PAGES = [
    "/admin/",
    "/admin/incidents/incident/",
    "/admin/incidents/incident/statistik/",
    "/admin/incidents/incident/registrera-samtal/",
    "/admin/incidents/accesslogentry/",
    "/admin/riskassessment/assessment/",
    "/admin/riskassessment/riskquestion/",
    "/admin/riskassessment/riskquestion/1/change/",
    "/admin/guidance/section/",
    "/admin/guidance/section/1/change/",
    "/admin/guidance/contact/",
    "/admin/guidance/contact/1/change/",
    "/admin/portal/user/",
    "/admin/portal/user/add/",
    "/admin/auth/group/",
    "/admin/notices/notice/",
    "/admin/notices/notice/add/",
    "/admin/notices/notice/1/change/",
    "/admin/notices/notice/1/skicka-e-post/",
    "/admin/training/trainingmodule/",
    "/admin/training/trainingmodule/1/change/",
    "/admin/training/trainingmodule/oversikt/",
    "/admin/training/quizquestion/1/change/",
    "/admin/training/completion/",
    "/admin/training/completion/add/",
]


def test_the_admin_pages_a_security_officer_works_in_pass_axe(officer_page, portal, new_page):
    # A report to open, from an official.
    official = new_page()
    log_in(official, portal, OFFICIALS["granskning"][0])
    official.goto(portal + "/rapportera/")
    fill_report(official)
    official.get_by_role("button", name="Skicka rapporten").click()
    reference = official.locator(".receipt-reference strong").inner_text()

    page = officer_page
    found = {path: violations_on(page, portal + path) for path in ADMIN_PAGES}
    page.goto(portal + "/admin/incidents/incident/")
    page.get_by_role("link", name=reference).click()
    found["rapporten"] = axe_violations(page)
    # Closing without the summary the plan's follow-up needs is refused.
    page.get_by_label("Status").select_option(label="Avslutad")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator(".errornote")).to_be_visible()
    found["rapporten, fel"] = axe_violations(page)
    page.goto(portal + "/admin/incidents/incident/registrera-samtal/")
    page.get_by_role("button", name="Registrera rapporten").click()
    expect(page.locator(".errornote")).to_be_visible()
    found["registrera rapport från samtal, fel"] = axe_violations(page)
    assert {name: v for name, v in found.items() if v} == {}
    assert page.csp_errors == []


def test_on_a_phone_under_shows_112_first_with_a_big_tap_target(new_page, portal):
    page = new_page("telefon")
    page.goto(portal + "/under/")
    first = page.locator(".call-button").first
    box = first.bounding_box()
    assert first.get_attribute("href") == "tel:112"
    assert box["y"] + box["height"] <= 740  # visible without scrolling
    assert box["height"] >= 44 and box["width"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll


def test_the_first_tab_reaches_the_skip_link_and_it_moves_focus_to_main(page, portal):
    page.goto(portal + "/fore/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Hoppa till innehållet"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_risk_inventory_error_summary_leads_to_the_unanswered_question(page, portal):
    page.goto(portal + "/riskinventering/")
    fieldsets = page.locator("fieldset")
    count = fieldsets.count()
    assert count == 11
    for i in range(count - 1):  # leave the last question unanswered
        fieldsets.nth(i).get_by_label("HÖG").check()
    page.get_by_label("Anteckning (frivillig)").first.fill("Möte i Nyköping")
    page.get_by_role("button", name="Visa resultatet").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(page.get_by_label("Anteckning (frivillig)").first).to_have_value("Möte i Nyköping")
    summary.get_by_role("link").first.click()
    page.locator("fieldset").nth(count - 1).get_by_label("LÅG").check()
    page.get_by_role("button", name="Visa resultatet").click()
    expect(page.get_by_text("Hög", exact=False).first).to_be_visible()
    assert axe_violations(page) == []
    assert page.csp_errors == []


FOCUSED_WITHOUT_INDICATOR = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  const shown = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
    || style.boxShadow !== "none";
  return shown ? null : (el.id || el.name || el.tagName);
}"""


class Keyboard:
    """Moves through a page with Tab alone, as someone without a mouse does, and notes each
    field it stops at that takes focus without showing it."""

    def __init__(self, page):
        self.page = page
        self.unseen_focus = set()

    def tab_to(self, locator, limit=120):
        target = locator.element_handle()
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("el => el === document.activeElement", target):
                self.page.wait_for_timeout(300)  # the focus ring's transition
                if missing := self.page.evaluate(FOCUSED_WITHOUT_INDICATOR):
                    self.unseen_focus.add(missing)
                return
        raise AssertionError(f"Tab never reached {locator}")

    def choose(self, group, label):
        """A radio group is one Tab stop; the arrow keys choose within it."""
        self.tab_to(group.get_by_role("radio").first)
        option = group.get_by_label(label, exact=True)
        for _ in range(10):
            if option.is_checked():
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"the arrow keys never chose {label}")


def test_a_report_can_be_written_attached_and_sent_with_the_keyboard_alone(page, portal, tmp_path):
    evidence = tmp_path / "sms.png"
    page.screenshot(path=evidence)
    log_in(page, portal, OFFICIALS["tangentbord"][0])
    page.goto(portal + "/rapportera/")
    keys = Keyboard(page)

    def group(name):
        return page.get_by_role("group", name=re.compile(name))

    keys.tab_to(group("Vad var det").get_by_label("Hot"))
    page.keyboard.press("Space")
    keys.choose(group("Hur nådde det dig"), "E-post eller sms")
    keys.choose(group("Har det hänt"), "Det har hänt")
    keys.tab_to(page.get_by_label("Datum"))
    page.keyboard.type("11202026")  # headless Chromium lays out month, day, year
    expect(page.get_by_label("Datum")).to_have_value("2026-11-20")
    keys.tab_to(page.get_by_label("Var hände det?"))
    page.keyboard.type("Min mobil")
    keys.tab_to(page.get_by_label("Vad hände under"))
    page.keyboard.type("Ett sms: vi vet var du bor.")
    keys.choose(group("Har du polisanmält"), "Nej")
    keys.choose(group("Får säkerhetshandläggaren"), "Nej")
    keys.tab_to(page.locator("input[type=file]"))
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(evidence)
    keys.tab_to(page.get_by_role("button", name="Skicka rapporten"))
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text("Tack. Din rapport är skickad")
    page.get_by_role("link", name="Se rapporten").click()
    expect(page.get_by_text("Ett sms: vi vet var du bor.")).to_be_visible()
    expect(page.get_by_text("sms.png")).to_be_visible()
    expect(page.get_by_text("20 november 2026")).to_be_visible()
    assert keys.unseen_focus == set()
