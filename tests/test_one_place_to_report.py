"""The portal is where the region receives reports: wherever the plan says to report to the
region, on screen or on paper, the words lead to the report form."""

import io
import re
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader

from .conftest import sent_report

pytestmark = pytest.mark.django_db

BLOCKS = {"p", "li", "dd", "td", "h1", "h2", "h3", "h4", "h5", "h6"}
REPORT_FORM = "/rapportera/"


class Blocks(HTMLParser):
    """Each paragraph, list item or heading of the page's main part: its text, and whether
    it holds a link to the report form."""

    def __init__(self):
        super().__init__()
        self.open = []
        self.found = []
        self.in_main = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self.in_main = True
        if not self.in_main:
            return
        if tag in BLOCKS:
            self.open.append({"tag": tag, "text": "", "links": False})
        if tag == "a" and attrs.get("href", "").split("#")[0] == REPORT_FORM:
            for block in self.open:
                block["links"] = True

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main = False
        if self.open and tag == self.open[-1]["tag"]:
            self.found.append(self.open.pop())

    def handle_data(self, data):
        for block in self.open:
            block["text"] += data


def mentions_of_reporting(html):
    parser = Blocks()
    parser.feed(html)
    return [b for b in parser.found if "rapportera" in b["text"].lower()]


@pytest.fixture
def receipt_url(logged_in, official):
    incident = sent_report(official, timing="har_hant", police_report="nej")
    return f"/mina-rapporter/{incident.pk}/kvitto/"


@pytest.mark.parametrize("url", ["/", "/fore/", "/under/", "/efter/", "/checklista/"])
def test_every_mention_of_reporting_on_a_public_page_links_to_the_form(client, url):
    mentions = mentions_of_reporting(client.get(url).text)
    assert mentions, "the page should speak of reporting to the region"
    unlinked = [" ".join(b["text"].split()) for b in mentions if not b["links"]]
    assert unlinked == []


def test_the_start_page_and_the_checklist_say_where_to_report(client):
    start = client.get("/").text
    assert "rapportera händelser</a> finns på samverkanswebben" in start
    checklist = client.get("/checklista/").text
    assert '<a href="/rapportera/">Rapportera händelsen till regionen</a>' in checklist


def test_every_mention_of_reporting_on_the_receipt_links_to_the_form(logged_in, receipt_url):
    mentions = mentions_of_reporting(logged_in.get(receipt_url).text)
    assert mentions
    assert [" ".join(b["text"].split()) for b in mentions if not b["links"]] == []


@pytest.mark.parametrize("url", ["/handlingsplan.pdf", "/checklista.pdf"])
def test_on_paper_reporting_to_the_region_prints_the_forms_address(client, settings, url):
    """A printed "rapportera till regionen" can't be clicked: its address is printed."""
    pages = PdfReader(io.BytesIO(client.get(url).content)).pages
    flat = " ".join(" ".join(page.extract_text() for page in pages).split())
    address = settings.PORTAL_BASE_URL + REPORT_FORM
    # Each sentence that tells the reader to report to the region gives the address after it.
    mentions = list(re.finditer(r"[Rr]apportera (händelse|till regionen)", flat))
    assert mentions
    for match in mentions:
        assert address in flat[match.start() : match.start() + 250].replace(" ", "")
