"""Underlag till polisanmälan: a sent report as one PDF for the official to take to the police.

It holds what the reporter can see of their report on their own page (what they wrote, what
they added later, the security officers' messages to them and their answers), never the
officers' internal notes or triage. Each evidence file is listed with the time it was received
and the SHA-256 recorded then, so that the police can check that a copy is the file that was
sent; images are printed as pages of their own. The files are read through the storage API,
wherever the storage keeps them, and never through an address.
"""

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from PIL import Image

from guidance.pdf import render_pdf
from guidance.rendering import contacts_by_key
from portal import organisation

from .models import Evidence, Incident

STYLESHEETS = ("css/print.css", "css/police-bundle.css")
# Images as the evidence module stores them (cleaned: JPEG or PNG), which WeasyPrint prints.
PRINTED_IMAGES = ("image/jpeg", "image/png", "image/gif", "image/webp")


@dataclass
class Event:
    """One entry of the report's timeline."""

    at: datetime
    title: str
    text: str = ""
    files: list[Evidence] = field(default_factory=list)


def timeline(incident: Incident, files: list[Evidence]) -> list[Event]:
    """The report's course as its reporter sees it on their page, in order of time."""
    assert incident.submitted_at is not None, "only a sent report has a course"
    sent = f"Rapporten skickades till {organisation.current().name}"
    if incident.registered_by_id:
        sent = "Säkerhetshandläggaren registrerade rapporten efter ett samtal"
    events = [Event(incident.submitted_at, sent, files=[f for f in files if not f.supplement_id])]
    for supplement in incident.supplements.all():
        title = "Svar till säkerhetshandläggaren" if supplement.in_reply_to_id else "Komplettering"
        added = [f for f in files if f.supplement_id == supplement.pk]
        events.append(Event(supplement.created_at, title, supplement.text, added))
    for message in incident.messages.all():
        events.append(
            Event(message.created_at, "Meddelande från säkerhetshandläggaren", message.text)
        )
    return sorted(events, key=lambda event: event.at)


def evidence_fetcher(files: list[Evidence]) -> Any:
    """A WeasyPrint URL fetcher that reads this report's evidence (evidence:<pk>) from the
    storage, and refuses anything else: no other file, and nothing on any network."""
    # Imported here: WeasyPrint takes a noticeable time to import (see guidance.pdf).
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    by_url = {f"evidence:{item.pk}": item for item in files}

    class EvidenceFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            item = by_url.get(url)
            if item is None:
                raise ValueError(f"Underlaget hämtar bara rapportens egna bevisfiler, inte {url}")
            with item.file.open("rb") as handle:
                data = handle.read()
            return URLFetcherResponse(url, for_print(item, data), {"Content-Type": "image/jpeg"})

    return EvidenceFetcher()


def for_print(item: Evidence, data: bytes) -> bytes:
    """The image as a JPEG for the PDF: a JPEG as it is stored, any other as a copy. WeasyPrint
    puts a JPEG into the PDF as it is, but decodes and compresses a PNG again, which took
    three to four seconds for one phone screenshot (five of them 22 s), against a few tenths
    of a second this way. The SHA-256 printed is of the stored file, not of this copy."""
    if item.content_type == "image/jpeg":
        return data
    with Image.open(io.BytesIO(data)) as image:
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            # Transparent parts are white on paper, as they are on the page.
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, "white")
            flat.paste(rgba, mask=rgba.getchannel("A"))
        else:
            flat = image.convert("RGB")
        out = io.BytesIO()
        flat.save(out, format="JPEG", quality=92)
    return out.getvalue()


def render(incident: Incident) -> tuple[bytes, int]:
    """The PDF, and how many evidence files it accounts for."""
    files = list(incident.evidence.all())
    html = render_to_string(
        "incidents/pdf/police_bundle.html",
        {
            "incident": incident,
            "reporter": incident.reporter,
            "timeline": timeline(incident, files),
            "files": files,
            "images": [item for item in files if item.content_type in PRINTED_IMAGES],
            "contacts": contacts_by_key(),
            "printed_at": timezone.now(),
            "organisation": organisation.current(),
        },
    )
    return render_pdf(html, STYLESHEETS, url_fetcher=evidence_fetcher(files)), len(files)
