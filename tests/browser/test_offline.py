"""Without network: once the portal has been visited, the UNDER guidance, the emergency
numbers and the checklist open on a phone, and nothing personal is kept."""

from playwright.sync_api import expect

from .support import OFFICIALS, log_in

KEPT = ["/under/", "/kontakt/", "/checklista/", "/ingen-anslutning/"]

WAIT_FOR_KEPT_PAGES = """async (pages) => {
  await navigator.serviceWorker.ready;
  for (let i = 0; i < 100; i++) {
    const kept = await Promise.all(pages.map((page) => caches.match(page)));
    if (kept.every(Boolean)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}"""

EVERYTHING_KEPT = """async () => {
  const kept = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      kept.push([new URL(request.url).pathname, await response.text()]);
    }
  }
  return kept;
}"""


FORGET_EVERYTHING = """async () => {
  for (const registration of await navigator.serviceWorker.getRegistrations()) {
    await registration.unregister();
  }
  for (const name of await caches.keys()) await caches.delete(name);
}"""


def visit_once(page, base, path="/"):
    page.goto(base + path)
    assert page.evaluate(WAIT_FOR_KEPT_PAGES, KEPT), "the service worker kept no pages"


def test_under_contacts_and_checklist_open_on_a_phone_without_network(new_page, portal):
    page = new_page("telefon")
    visit_once(page, portal)
    page.context.set_offline(True)

    page.goto(portal + "/under/")
    expect(page.locator("h1")).to_have_text("Under en händelse")
    expect(page.locator(".call-button").first).to_have_attribute("href", "tel:112")
    page.goto(portal + "/kontakt/")
    expect(page.get_by_role("link", name="112").first).to_be_visible()
    page.goto(portal + "/checklista/")
    expect(page.locator("h1")).to_have_text("Checklista")
    # The portal's look comes along: the stylesheet was kept too.
    strip = page.locator(".emergency-strip")
    assert strip.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(161, 15, 20)"

    # A page that needs the network says so, and points to what works.
    page.goto(portal + "/fore/")
    expect(page.locator("h1")).to_have_text("Du är inte ansluten till internet")
    page.get_by_role("link", name="Kontakter och telefonnummer").click()
    expect(page.locator("h1")).to_have_text("Kontakter")


def test_nothing_personal_is_kept_for_offline_use(new_page, portal):
    email, name = OFFICIALS["offline"]
    page = new_page("telefon")
    log_in(page, portal, email)
    # Start over logged in, so that the pages are kept while a session cookie exists.
    page.evaluate(FORGET_EVERYTHING)
    visit_once(page, portal, "/mina-sidor/")
    for path in ["/under/", "/mina-rapporter/", "/riskinventering/mina/", "/kontakt/"]:
        page.goto(portal + path)
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()

    kept = page.evaluate(EVERYTHING_KEPT)
    pages = {path: body for path, body in kept if not path.startswith("/static/")}
    assert sorted(pages) == sorted(KEPT)
    for path, body in pages.items():
        assert name not in body and email not in body and "Logga ut" not in body, path

    # Offline, the kept copy is the one anyone sees: not logged in.
    page.context.set_offline(True)
    page.goto(portal + "/under/")
    page.locator("summary.site-menu-button").click()  # on a phone the menu is folded away
    expect(page.locator(".site-menu-panel").get_by_role("link", name="Logga in")).to_be_visible()
    expect(page.get_by_text(name)).to_have_count(0)


def test_the_portal_can_be_put_on_the_home_screen(page, portal):
    page.goto(portal + "/")
    href = page.locator("link[rel=manifest]").get_attribute("href")
    manifest = page.request.get(portal + href)
    assert manifest.headers["content-type"] == "application/manifest+json"
    data = manifest.json()
    assert data["start_url"] == "/" and data["display"] == "standalone"
    sizes = set()
    for icon in data["icons"]:
        response = page.request.get(portal + icon["src"])
        assert response.ok and response.headers["content-type"] == "image/png"
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes


def test_the_kept_pages_open_when_the_server_answers_with_an_error(new_page, portal):
    """A proxy's 502 while the portal restarts, or a 500 while its database is down: the
    phone shows its kept copy of the emergency pages instead of the error."""
    page = new_page("telefon")
    visit_once(page, portal)
    page.context.route("**/under/", lambda route: route.fulfill(status=502, body="502 Bad Gateway"))
    page.goto(portal + "/under/")
    expect(page.locator("h1")).to_have_text("Under en händelse")
    expect(page.locator(".call-button").first).to_have_attribute("href", "tel:112")
