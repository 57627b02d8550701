"""Hotfullt samtal on a phone 390 px wide: reached from Under in one tap, axe finds nothing,
the targets are large, and what is typed is saved on the server as it is typed (a reload
shows it) while nothing is kept in the browser."""

import re

from playwright.sync_api import expect

from .support import PASSWORD, axe_violations, log_in, screenshot

EMAIL = "sam.samtal@example.se"
SAID = "Jag vet var du bor, och jag kommer efter mötet."
PHONE_390 = {"width": 390, "height": 844}

KEPT_IN_THE_BROWSER = """async () => {
  const kept = [];
  const stores = [["localStorage", localStorage], ["sessionStorage", sessionStorage]];
  for (const [name, store] of stores) {
    for (let i = 0; i < store.length; i++) kept.push(name + " " + store.key(i));
  }
  for (const db of await indexedDB.databases()) kept.push("IndexedDB " + db.name);
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      if ((await response.text()).includes("Jag vet var du bor")) kept.push("cache " + request.url);
    }
  }
  return kept;
}"""


def saved_on_the_server(server, email=EMAIL):
    return server.shell(
        "from incidents.models import CallLog;"
        f"print(repr(CallLog.objects.get(incident__reporter__email={email!r}).said))"
    )


def test_the_call_log_on_a_phone_saves_on_the_server_as_it_is_typed(new_page, portal, server):
    server.shell(
        "from portal.models import User;"
        f"User.objects.create_user({EMAIL!r}, {PASSWORD!r}, full_name='Sam Samtal'); print('ok')"
    )
    page = new_page("telefon", viewport=PHONE_390)
    log_in(page, portal, EMAIL)
    page.goto(portal + "/under/")
    page.get_by_role("link", name="Hotfullt samtal? Skriv ner det som sägs").click()
    expect(page.locator("h1")).to_have_text("Hotfullt samtal")

    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]
    controls = page.locator("form.call-log-form").locator("input:visible, textarea, button")
    small = [
        control.get_attribute("name")
        for control in controls.all()
        if (box := control.bounding_box())["height"] < 44 or box["width"] < 44
    ]
    assert small == []

    page.get_by_label("Vad säger personen? Skriv ordagrant").fill(SAID)
    page.get_by_label("Numret som visades").fill("070-999 88 77")
    expect(page.locator("#autosave-status")).to_contain_text("Sparad kl.")
    expect(page).to_have_url(re.compile(r"/rapportera/samtal/\d+/$"))
    assert saved_on_the_server(server) == repr(SAID)
    assert page.evaluate(KEPT_IN_THE_BROWSER) == []
    screenshot(page, "samtalslogg-telefon-390")

    page.reload()
    expect(page.get_by_label("Vad säger personen? Skriv ordagrant")).to_have_value(SAID)
    expect(page.get_by_label("Numret som visades")).to_have_value("070-999 88 77")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Gör en rapport av samtalet").click()
    expect(page.locator("h1")).to_have_text("Rapportera händelse")
    expect(page.get_by_label("Vad hände under?")).to_have_value(re.compile(re.escape(SAID)))
    hot = page.get_by_role("group", name=re.compile("Vad var det")).get_by_label("Hot", exact=True)
    expect(hot).to_be_checked()
    assert page.csp_errors == []


def test_a_visitor_writes_in_the_call_log_and_logs_in_to_save_it(new_page, portal, server):
    email = "vera.visitor@example.se"
    server.shell(
        "from portal.models import User;"
        f"User.objects.create_user({email!r}, {PASSWORD!r}, full_name='Vera Visitor'); print('ok')"
    )
    page = new_page("telefon", viewport=PHONE_390)
    page.goto(portal + "/")
    page.get_by_role("link", name=re.compile("Hotfullt samtal")).click()
    expect(page.get_by_text("Du är inte inloggad.")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Vad säger personen? Skriv ordagrant").fill(SAID)
    page.get_by_role("button", name="Logga in och spara").click()

    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_label("Vad säger personen? Skriv ordagrant")).to_have_value(SAID)
    # The page's script saves what came back through the login at once.
    expect(page.locator("#autosave-status")).to_contain_text("Sparad kl.")
    assert saved_on_the_server(server, email) == repr(SAID)
    assert axe_violations(page) == []
    assert page.csp_errors == []
