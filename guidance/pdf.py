import dataclasses
import hashlib
import html
import io
import re
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import segno
from django.conf import settings
from django.contrib.staticfiles import finders

from .models import PHASE_PAGES, Phase, tel_href
from .rendering import RenderedSection

# Section HTML has been through nh3, which writes every link in this one form.
LINK = re.compile(r'<a href="(?P<href>[^"]*)">(?P<text>.*?)</a>', re.S)


def render_pdf(
    html: str,
    stylesheets: Sequence[str] = ("css/print.css",),
    *,
    one_page: bool = False,
    url_fetcher: Any = None,
) -> bytes:
    """A4 PDF from HTML, styled by the given static stylesheets (the shared print.css first).

    one_page: the document is a card meant to be one sheet. When an edit has made its text
    longer, the type is made a little smaller, step by step, rather than spilling onto a
    second page (its stylesheet sets its sizes in rem for this).

    url_fetcher: a weasyprint.urls.URLFetcher for the images the HTML refers to, instead of
    WeasyPrint's own, which would fetch any address."""
    # Imported here: WeasyPrint takes a noticeable time to import, and only the
    # PDF views need it.
    from weasyprint import CSS, HTML

    # PDF/UA: a tagged PDF with its language and title, so screen readers can read it.
    options = {"pdf_variant": "pdf/ua-1"}
    source = HTML(string=html, base_url=settings.PORTAL_BASE_URL, url_fetcher=url_fetcher)
    styles = [CSS(filename=_static_file(name)) for name in stylesheets]
    document = source.render(stylesheets=styles, **options)
    for percent in (94, 88, 82, 76) if one_page else ():
        if len(document.pages) == 1:
            break
        smaller = CSS(string=f":root {{ font-size: {percent}% }}")
        document = source.render(stylesheets=[*styles, smaller], **options)
    return document.write_pdf(**options)


def for_print(sections: Iterable[RenderedSection]) -> list[RenderedSection]:
    """The sections with their links written out for paper (see print_links)."""
    return [
        dataclasses.replace(s, html=print_links(s.html, settings.PORTAL_BASE_URL)) for s in sections
    ]


def print_links(section_html: str, base_url: str) -> str:
    """On paper nobody can click: a link whose text is not its own address gets the address
    printed after it, "Rapportera till regionen (https://…/rapportera/)". A link into the
    contacts says "(se Kontakter)" instead, as every PDF prints the contacts in full. The
    link itself stays, for those who read the PDF on a screen."""
    contacts_page = urljoin(base_url + "/", PHASE_PAGES[Phase.KONTAKT])

    def written_out(match: re.Match[str]) -> str:
        href = html.unescape(match["href"])
        text = html.unescape(re.sub(r"<[^>]+>", "", match["text"]))
        if href.startswith("tel:"):
            # Written as a contact's number is: 010-470 55 64 dials tel:+46104705564.
            address = "" if tel_href(text) == href else href.removeprefix("tel:")
        elif href.startswith("mailto:"):
            address = "" if text == href.removeprefix("mailto:") else href.removeprefix("mailto:")
        else:
            address = urljoin(base_url + "/", href)
            if address.startswith(contacts_page):
                address = "se Kontakter"
            elif _bare(text) == _bare(address):
                address = ""
        if not address:
            return match[0]
        return f'{match[0]} <span class="print-address">({html.escape(address)})</span>'

    return LINK.sub(written_out, section_html)


def _bare(address: str) -> str:
    return re.sub(r"^https?://|/$", "", address.strip())


def qr_svg(url: str) -> str:
    """A QR code for the printed plan, made at render time from PORTAL_BASE_URL."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True)
    return out.getvalue().decode()


@cache
def layout_version() -> str:
    """A fingerprint of the print templates and stylesheets, and of the code that fills them
    (this module writes the links out for paper, the views choose what goes on the card), so
    that a deploy that changes how the PDFs look does not serve PDFs cached before it."""
    code = [Path(__file__), Path(__file__).with_name("views.py")]
    return files_fingerprint(["guidance/pdf/*.html"], ["css/print.css"], code)


def files_fingerprint(
    template_patterns: Iterable[str], static_paths: Iterable[str], other_paths: Iterable[Path] = ()
) -> str:
    """The SHA-256 of the templates matching the patterns, of the static files and of any
    other files, short: it changes when a deploy changes any of them."""
    digest = hashlib.sha256()
    templates = Path(settings.BASE_DIR, "templates")
    files = [path for pattern in template_patterns for path in sorted(templates.glob(pattern))]
    files += [Path(_static_file(path)) for path in static_paths]
    files += other_paths
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _static_file(name: str) -> str:
    """Where a static file is; a file not found is named in the error."""
    path = finders.find(name)
    if path is None:
        raise FileNotFoundError(f"Den statiska filen {name} finns inte.")
    return path
