import io

import segno
from django.conf import settings
from django.contrib.staticfiles import finders


def render_pdf(html):
    # Imported here: WeasyPrint takes a noticeable time to import, and only the
    # PDF views need it.
    from weasyprint import CSS, HTML

    stylesheet = CSS(filename=finders.find("css/print.css"))
    return HTML(string=html, base_url=settings.PORTAL_BASE_URL).write_pdf(stylesheets=[stylesheet])


def qr_svg(url):
    """A QR code for the printed plan, made at render time from PORTAL_BASE_URL."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True)
    return out.getvalue().decode()
