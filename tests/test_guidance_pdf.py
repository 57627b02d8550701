"""The printed plan and the checklist card: what the PDFs say must still work on paper."""

import html
import io
import re
import shutil
import subprocess
from urllib.parse import urljoin

import pytest
from pypdf import PdfReader

from guidance import pdf
from guidance.models import Contact, Phase, Section
from guidance.rendering import checklist, rendered_sections

pytestmark = pytest.mark.django_db

BASE_URL = "https://personsakerhet.example.se"
LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.S)

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdftotext") and shutil.which("zbarimg")),
    reason="needs poppler-utils and zbar-tools (installed by .ci/run)",
)


@pytest.fixture(autouse=True)
def _portal_address(settings):
    settings.PORTAL_BASE_URL = BASE_URL


def get_pdf(client, url):
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    return response.content


def pages_text(content):
    return [
        re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(content)).pages
    ]


def squeezed(text):
    """Text without any white space, so a line break inside an address does not matter."""
    return re.sub(r"\s+", "", html.unescape(text))


def link_targets(content):
    return {
        annotation.get_object()["/A"].get("/URI")
        for page in PdfReader(io.BytesIO(content)).pages
        for annotation in page.get("/Annots") or []
        if annotation.get_object().get("/Subtype") == "/Link"
    }


def page_words(content, tmp_path):
    """Each page's height and its words' boxes (y_min, y_max, word), read by pdftotext."""
    (tmp_path / "doc.pdf").write_bytes(content)
    out = subprocess.run(
        ["pdftotext", "-bbox", str(tmp_path / "doc.pdf"), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    word = re.compile(
        r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</word>'
    )
    return [
        (float(height), [(float(y0), float(y1), w) for y0, y1, w in word.findall(body)])
        for height, body in re.findall(
            r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', out, re.S
        )
    ]


def lowest_text(height, words):
    """How far down the page its text reaches, as a share of the page (the footer left out)."""
    footer = min((y0 for y0, _, w in words if w == "Sida"), default=height)
    return max(y1 for y0, y1, _ in words if y0 < footer) / height


def list_items(body, after=None):
    """The plain text of the Markdown list items in a section's body, after a given line."""
    if after:
        body = body.split(after, 1)[1]
    items = [line[2:] for line in body.splitlines() if line.startswith("- ")]
    # A link prints as on paper: its text, then its address.
    items = [re.sub(r"\[([^\]]+)\]\(([^)]*)\)", printed_link, item) for item in items]
    return [re.split(r"\*\*\[\[", item)[0].replace("**", "").strip() for item in items]


def printed_link(markdown_link):
    return expected_print(markdown_link[2], markdown_link[1])


def expected_print(href, text):
    """What a link in a section must print, so it still works on paper."""
    if href.startswith(("tel:", "mailto:")):
        return text
    if href.startswith("/kontakt/"):
        return f"{text} (se Kontakter)"
    address = urljoin(BASE_URL + "/", href)
    return text if text == address else f"{text} ({address})"


# The QR code and its caption.


@needs_poppler
def test_the_qr_caption_prints_the_address_the_code_opens(client, tmp_path):
    content = get_pdf(client, "/handlingsplan.pdf")
    last = len(PdfReader(io.BytesIO(content)).pages)
    (tmp_path / "plan.pdf").write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-f", str(last), "-l", str(last), "-r", "150", "-png",
         str(tmp_path / "plan.pdf"), str(tmp_path / "page")],
        check=True,
    )  # fmt: skip
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(next(tmp_path.glob("page*.png")))],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert decoded == f"{BASE_URL}/"
    caption = re.search(r"Personsäkerhetsportalen (\S+)", pages_text(content)[-1])
    assert caption and caption[1] == decoded


# Links on paper.


@pytest.mark.parametrize(
    ("html_in", "printed"),
    [
        ('<a href="/rapportera/">Rapportera</a>', f"Rapportera ({BASE_URL}/rapportera/)"),
        ('<a href="/fore/#resor">resor</a>', f"resor ({BASE_URL}/fore/#resor)"),
        ('<a href="https://example.se/a">En sida</a>', "En sida (https://example.se/a)"),
        ('<a href="https://example.se/">https://example.se/</a>', "https://example.se/"),
        (f'<a href="/">{BASE_URL}/</a>', f"{BASE_URL}/"),
        ('<a href="/kontakt/#tib">TiB</a>', "TiB (se Kontakter)"),
        ('<a href="tel:+46104705564">010-470 55 64</a>', "010-470 55 64"),
        ('<a href="tel:112">Ring</a>', "Ring (112)"),
        ('<a href="mailto:a@example.se">a@example.se</a>', "a@example.se"),
        ('<a href="mailto:a@example.se">Skriv</a>', "Skriv (a@example.se)"),
        ('<a href="/x/"><strong>Fet</strong> länk</a>', f"Fet länk ({BASE_URL}/x/)"),
    ],
)
def test_a_link_prints_its_address_unless_its_text_is_the_address(html_in, printed):
    out = pdf.print_links(f"<p>Se {html_in}.</p>", BASE_URL)
    assert re.sub(r"<[^>]+>", "", out) == f"Se {printed}."
    assert out.startswith(f"<p>Se {html_in.split('>')[0]}>"), "the link stays a link"


def test_every_link_in_the_plan_still_works_on_paper(client):
    content = get_pdf(client, "/handlingsplan.pdf")
    text = squeezed(" ".join(pages_text(content)))
    sections = rendered_sections([Phase.START, Phase.FORE, Phase.UNDER, Phase.EFTER, Phase.KONTAKT])
    links = [link for section in sections for link in LINK.findall(section.html)]
    assert any(href == "/rapportera/" for href, _ in links)
    targets = link_targets(content)
    for href, label in links:
        label = re.sub(r"<[^>]+>", "", label)
        assert squeezed(expected_print(href, label)) in text, (href, label)
        assert urljoin(BASE_URL + "/", href) in targets, href
    assert "Kontakter" in pages_text(content)[-1]


def test_every_link_on_the_checklist_card_still_works_on_paper(client):
    Section.objects.filter(slug="checklista").update(
        body="- [Rapportera till regionen](/rapportera/)\n"
        "- Kontakta [säkerhetshandläggare](/kontakt/#sakerhetshandlaggare)"
    )
    text = squeezed(" ".join(pages_text(get_pdf(client, "/checklista.pdf"))))
    assert squeezed(f"Rapportera till regionen ({BASE_URL}/rapportera/)") in text
    assert squeezed("säkerhetshandläggare (se Kontakter)") in text and "Kontakter" in text


# Contacts keep their conditions.


@pytest.mark.parametrize("url", ["/handlingsplan.pdf", "/checklista.pdf"])
def test_the_contacts_in_a_pdf_keep_when_and_why_to_call(client, url):
    text = " ".join(pages_text(get_pdf(client, url)))
    for contact in Contact.objects.exclude(phone=""):
        assert contact.description and contact.description in text, contact.key
    for condition in ["I regionens lokaler", "via regionens växel", "Vid akut fara"]:
        assert condition in text


# The printed plan's pages.


@needs_poppler
def test_no_page_of_the_plan_is_left_mostly_empty(client, tmp_path):
    pages = page_words(get_pdf(client, "/handlingsplan.pdf"), tmp_path)
    # The cover is meant to be airy, and the last page ends where the plan ends.
    for number, (height, words) in enumerate(pages[1:-1], start=2):
        assert lowest_text(height, words) > 0.5, f"sida {number} är mest tom"


def test_the_eleven_risk_questions_stay_on_one_page(client):
    body = Section.objects.get(slug="riskinventering").body
    questions = list_items(body, after="Utgå alltid från frågeställningarna")
    assert len(questions) == 11
    pages = pages_text(get_pdf(client, "/handlingsplan.pdf"))
    on_pages = {
        number
        for question in questions
        for number, text in enumerate(pages)
        if squeezed(question[:40]) in squeezed(text)
    }
    assert len(on_pages) == 1, on_pages


# The checklist card by the phone.


def test_the_checklist_card_is_one_page_with_the_numbers_the_first_steps_and_the_checklist(client):
    content = get_pdf(client, "/checklista.pdf")
    pages = pages_text(content)
    assert len(pages) == 1
    text = pages[0]
    under = [
        s for s in rendered_sections([Phase.UNDER]) if s.slug in {"hotsituation", "valdssituation"}
    ]
    assert [s.title for s in under] == ["Vid en hotsituation", "Vid en våldssituation"]
    efter = checklist()[0]
    positions = [text.index(number) for number in ["112", "010-470 55 64", "016-103000"]]
    positions += [text.index("0703-377911"), text.index(under[0].title)]
    positions += [text.index(under[1].title), text.index(efter.title)]
    assert positions == sorted(positions), "först numren, sedan Under, sist checklistan"
    for section in under:
        for item in list_items(Section.objects.get(slug=section.slug).body):
            assert squeezed(item) in squeezed(text), item
    items = list_items(Section.objects.get(slug="checklista").body)
    assert len(items) == 8
    for item in items:
        assert squeezed(item) in squeezed(text[text.index(efter.title) :]), item


def test_the_checklist_card_does_not_give_11414_as_a_number_to_call_first(client):
    # 11414 is not marked urgent: the plan gives it for the calmer stage and the police report.
    text = pages_text(get_pdf(client, "/checklista.pdf"))[0]
    call_first = text[text.index("Ring först") : text.index("När det inte är akut")]
    for number in ["112", "010-470 55 64", "016-103000"]:
        assert number in call_first
    assert "11414" not in call_first
    assert "11414" in text


@needs_poppler
def test_the_checklist_card_fills_its_page_in_large_type(client, tmp_path):
    [(height, words)] = page_words(get_pdf(client, "/checklista.pdf"), tmp_path)
    assert lowest_text(height, words) > 0.85
    # A word's box is about 1.16 times its type size: most words at 12 pt or more.
    large = [w for y0, y1, w in words if y1 - y0 >= 12 * 1.16]
    assert len(large) >= 0.8 * len(words)


def test_the_checklist_card_stays_one_page_when_an_officer_lengthens_the_checklist(client):
    extra = [
        f"Ett nytt steg nummer {n} som säkerhetshandläggaren lagt till i listan" for n in range(5)
    ]
    section = Section.objects.get(slug="checklista")
    section.body += "".join(f"\n- {line}" for line in extra)
    section.save()
    pages = pages_text(get_pdf(client, "/checklista.pdf"))
    assert len(pages) == 1
    for line in extra:
        assert line in pages[0]
