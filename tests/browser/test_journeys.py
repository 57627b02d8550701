"""The portal as people use it, end to end in Chromium, on a phone and on a desktop: an
official assesses a risk and reports an incident with a screenshot; a security officer
triages it in the admin and writes to the reporter; the official reads the message."""

import json
import re

import pytest
from playwright.sync_api import expect

from .support import (
    OFFICIALS,
    PASSWORD,
    answer_risk_inventory,
    axe_violations,
    fill_report,
    log_in,
    save_risk_inventory,
    screenshot,
)


@pytest.mark.parametrize("viewport", ["telefon", "dator"])
def test_from_risk_inventory_and_report_to_triage_and_the_officers_reply(
    new_page, officer_page, portal, viewport, tmp_path
):
    email, name = OFFICIALS[viewport]
    page = new_page(viewport)
    shot = f"resa-{viewport}"

    # The official logs in and lands on Mina sidor.
    log_in(page, portal, email)
    expect(page).to_have_url(re.compile("/mina-sidor/$"))
    screenshot(page, f"{shot}-01-mina-sidor")

    # A risk inventory for a meeting, answered HÖG throughout, saved for the activity.
    answer_risk_inventory(page, portal, "HÖG")
    screenshot(page, f"{shot}-02-riskinventering-resultat")
    activity = f"Medborgardialog i Nyköping ({viewport})"
    save_risk_inventory(page, activity)
    page.goto(portal + "/riskinventering/mina/")
    expect(page.get_by_role("link", name=re.compile(re.escape(activity)))).to_be_visible()

    # A threat reported, with a screenshot of the threat attached as evidence.
    evidence = tmp_path / "hotet.png"
    threat = page.context.new_page()
    threat.set_content("<h1>Vi vet var du bor.</h1>")
    threat.screenshot(path=evidence)
    threat.close()
    page.goto(portal + "/rapportera/")
    fill_report(page)
    page.locator("input[type=file]").set_input_files(evidence)
    screenshot(page, f"{shot}-03-rapportera")
    page.get_by_role("button", name="Skicka rapporten").click()
    expect(page.locator("h1")).to_have_text("Tack. Din rapport är skickad")
    reference = page.locator(".receipt-reference strong").inner_text()
    assert re.fullmatch(r"HHV-\d{4}-\d{4}", reference)
    screenshot(page, f"{shot}-04-kvitto")

    # It is under Mina rapporter, with the screenshot.
    page.goto(portal + "/mina-rapporter/")
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_text("hotet.png")).to_be_visible()
    expect(page.get_by_text("Ny", exact=True)).to_be_visible()
    assert page.csp_errors == []

    # The officer finds it in the admin, triages it and writes to the reporter.
    officer_page.goto(portal + "/admin/incidents/incident/")
    officer_page.get_by_role("link", name=reference).click()
    officer_page.get_by_label("Status").select_option(label="Under bedömning")
    officer_page.locator("textarea[name=messages-0-text]").fill(
        "Tack för din rapport. Jag ringer dig i eftermiddag."
    )
    screenshot(officer_page, f"{shot}-05-handlaggning")
    officer_page.get_by_role("button", name="Spara", exact=True).click()
    screenshot(officer_page, f"{shot}-05b-handlaggning-sparad")
    expect(officer_page.locator(".messagelist .success")).to_be_visible()
    assert axe_violations(officer_page) == []

    # The official reads the message and sees the new status.
    page.goto(portal + "/mina-rapporter/")
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_text("Jag ringer dig i eftermiddag.")).to_be_visible()
    expect(page.get_by_text("Under bedömning")).to_be_visible()
    screenshot(page, f"{shot}-06-meddelande")
    assert axe_violations(page) == []
    assert page.csp_errors == []


RIGHT_ANSWERS = """
import json
from training.models import TrainingModule
module = TrainingModule.objects.get(slug="introduktion")
print(json.dumps([[c.text for c in q.choices.all() if c.is_correct] for q in module.quiz()]))
"""


# Resolves once the page has kept the same scroll position for half a second.
SCROLLING_STOPPED = """() => new Promise(done => {
    let last = window.scrollY, since = performance.now();
    const check = () => {
        if (window.scrollY !== last) { last = window.scrollY; since = performance.now(); }
        if (performance.now() - since > 500) done(); else setTimeout(check, 50);
    };
    check();
})"""


def test_after_passing_a_module_on_a_phone_the_success_message_is_in_view(new_page, server):
    """The questions are at the bottom of a long page; the message must not be left far
    above them, out of sight."""
    page = new_page("telefon")
    log_in(page, server.base, OFFICIALS["telefon"][0])
    page.goto(server.base + "/utbildning/introduktion/")
    questions = page.locator("fieldset.training-question")
    for i, right in enumerate(json.loads(server.shell(RIGHT_ANSWERS))):
        for text in right:
            questions.nth(i).get_by_label(text, exact=True).check()
    page.get_by_role("button", name="Skicka svaren").click()
    message = page.get_by_role("status").filter(has_text="Alla svar är rätt")
    expect(message).to_be_visible()
    # The browser scrolls to the address's fragment some time after the page has loaded.
    page.wait_for_load_state("load")
    page.evaluate(SCROLLING_STOPPED)
    box = message.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]
    screenshot(page, "utbildning-klar-telefon")


def test_a_visitor_answers_on_a_phone_then_logs_in_and_saves(new_page, portal):
    """The risk inventory needs no account; saving it does, and the answers come along."""
    page = new_page("telefon", viewport={"width": 320, "height": 640})
    answer_risk_inventory(page, portal, "HÖG")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    contact = page.get_by_role("heading", name="Kontakta säkerhetshandläggaren före aktiviteten")
    expect(contact).to_be_visible()
    page.get_by_role("button", name="Logga in för att spara").click()
    page.get_by_label("E-postadress").fill(OFFICIALS["granskning"][0])
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_text("Svaren finns kvar här")).to_be_visible()
    save_risk_inventory(page, "Debatt på torget (besökare)")
    expect(page.get_by_text("Samlad risknivå: HÖG")).to_be_visible()
