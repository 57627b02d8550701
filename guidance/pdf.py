import hashlib
import io
from functools import cache
from pathlib import Path

import segno
from django.conf import settings
from django.contrib.staticfiles import finders


def render_pdf(html, stylesheets=("css/print.css",)):
    """A4 PDF from HTML, styled by the given static stylesheets (the shared print.css first)."""
    # Imported here: WeasyPrint takes a noticeable time to import, and only the
    # PDF views need it.
    from weasyprint import CSS, HTML

    # PDF/UA: a tagged PDF with its language and title, so screen readers can read it.
    return HTML(string=html, base_url=settings.PORTAL_BASE_URL).write_pdf(
        stylesheets=[CSS(filename=finders.find(name)) for name in stylesheets],
        pdf_variant="pdf/ua-1",
    )


def qr_svg(url):
    """A QR code for the printed plan, made at render time from PORTAL_BASE_URL."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True)
    return out.getvalue().decode()


@cache
def layout_version():
    """A fingerprint of the print templates and stylesheets, so that a deploy that changes
    how the PDFs look does not serve PDFs cached before it."""
    return files_fingerprint(["guidance/pdf/*.html"], ["css/print.css"])


def files_fingerprint(template_patterns, static_paths):
    """The SHA-256 of the templates matching the patterns and of the static files, short:
    it changes when a deploy changes any of them."""
    digest = hashlib.sha256()
    templates = Path(settings.BASE_DIR, "templates")
    files = [path for pattern in template_patterns for path in sorted(templates.glob(pattern))]
    files += [Path(finders.find(path)) for path in static_paths]
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
