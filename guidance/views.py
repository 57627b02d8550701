from collections.abc import Callable
from functools import cache as memoize
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.text import slugify

from portal import organisation
from portal.security import has_second_factor

from . import rendering
from .models import Phase, content_version, last_changed
from .pdf import files_fingerprint, for_print, layout_version, qr_svg, render_pdf
from .rendering import rendered_sections

PHASE_TITLES = {
    Phase.FORE: ("Före", "Förebygg: det du och {in_text} gör innan något händer."),
    Phase.UNDER: ("Under", "Vad du gör när något händer."),
    Phase.EFTER: ("Efter", "Vad du gör direkt efter, och hur händelsen följs upp."),
}


def _staff(request: HttpRequest) -> bool:
    """Staff who have given their second factor see the drafts, as in the admin."""
    user = request.user
    return user.is_authenticated and user.is_staff and has_second_factor(user)


def home(request: HttpRequest) -> HttpResponse:
    sections = rendered_sections([Phase.START], include_drafts=_staff(request))
    return render(request, "guidance/home.html", {"sections": sections})


def phase_page(request: HttpRequest, phase: Phase) -> HttpResponse:
    title, lead = PHASE_TITLES[phase]
    lead = lead.format(in_text=organisation.current().in_text)
    sections = rendered_sections([phase], include_drafts=_staff(request))
    return render(
        request,
        f"guidance/{phase}.html",
        {"phase": phase, "title": title, "lead": lead, "sections": sections},
    )


def checklist(request: HttpRequest) -> HttpResponse:
    sections = rendering.checklist(include_drafts=_staff(request))
    return render(request, "guidance/checklist.html", {"sections": sections})


def contacts_page(request: HttpRequest) -> HttpResponse:
    sections = rendered_sections([Phase.KONTAKT], include_drafts=_staff(request))
    return render(request, "guidance/contacts.html", {"sections": sections})


def _pdf_response(name: str, build: Callable[[], bytes]) -> HttpResponse:
    cache = caches["pdf"]
    key = f"{name}:{content_version()}:{layout_version()}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = build()
        cache.set(key, pdf)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{slugify(name)}.pdf"'
    return response


def plan_pdf(request: HttpRequest) -> HttpResponse:
    def build() -> bytes:
        phases = [(None, Phase.START), *((t, p) for p, (t, _) in PHASE_TITLES.items())]
        # The QR code and its caption give the one address: the portal's start page.
        portal_url = settings.PORTAL_BASE_URL + "/"
        printed = [(title, for_print(rendered_sections([phase]))) for title, phase in phases]
        start = printed[0][1]
        html = render_to_string(
            "guidance/pdf/plan.html",
            {
                "organisation": organisation.current(),
                "logo": logo_url(),
                # The plan's own opening line, under its title on the cover.
                "tagline": start[0].title if start else "",
                "phases": printed,
                "contact_sections": for_print(rendered_sections([Phase.KONTAKT])),
                "contacts": rendering.contacts_by_key().values(),
                "last_changed": last_changed(),
                "qr": qr_svg(portal_url),
                "portal_url": portal_url,
            },
        )
        return render_pdf(html)

    return _pdf_response("handlingsplan", build)


def logo_url() -> str:
    """The organisation's logo as a file on disk: WeasyPrint reads it there, rather than
    asking the portal for it over the network."""
    path = (
        finders.find(organisation.logo_static_path()) if organisation.logo_static_path() else None
    )
    return Path(path).as_uri() if isinstance(path, str) else ""


# The plan's first steps under a threat or violence, for the card by the phone.
FIRST_STEPS = {"hotsituation", "valdssituation"}


def checklist_pdf(request: HttpRequest) -> HttpResponse:
    """The one page an official keeps by the phone: the numbers to call, what to do while it
    happens, and the checklist for right after."""

    def build() -> bytes:
        phones = [c for c in rendering.contacts_by_key().values() if c.phone]
        first_steps = [s for s in rendered_sections([Phase.UNDER]) if s.slug in FIRST_STEPS]
        html = render_to_string(
            "guidance/pdf/checklist.html",
            {
                "organisation": organisation.current(),
                "call_first": [c for c in phones if c.urgent],
                "call_later": [c for c in phones if not c.urgent],
                "first_steps": for_print(first_steps),
                "sections": for_print(rendering.checklist()),
                "portal_url": settings.PORTAL_BASE_URL + "/",
            },
        )
        return render_pdf(html, one_page=True)

    return _pdf_response("checklista", build)


# Offline: the pages someone may need with no network, for the service worker to keep.
OFFLINE_PAGE_NAMES = ["under", "contacts", "checklist", "offline"]
OFFLINE_STATIC = [
    "bootstrap/css/bootstrap.min.css",
    "css/portal.css",
    "css/print.css",
    "js/offline.js",
    "js/menu.js",
    "icons/portal-192.png",
]


@memoize
def _offline_layout_version() -> str:
    """A fingerprint of the templates and stylesheets the offline pages are made of, so that
    a deploy that changes how they look also renews the copies kept on phones."""
    return files_fingerprint(["base.html", "guidance/*.html"], OFFLINE_STATIC)


def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "guidance/offline.html")


def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest, so that an official can put the portal on the home screen."""
    icons = [
        {"src": static("icons/portal-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("icons/portal-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("icons/portal-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    data = {
        "name": f"{organisation.current().portal_name} – {organisation.current().name}",
        "short_name": "Personsäkerhet",
        "description": "Stöd före, under och efter hot, hat och våld mot förtroendevalda.",
        "lang": "sv",
        "start_url": reverse("guidance:home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#003d73",
        "icons": icons,
        "shortcuts": [
            {"name": "Under en händelse", "url": reverse("guidance:under")},
            {"name": "Kontakter och nummer", "url": reverse("guidance:contacts")},
            {"name": "Checklista", "url": reverse("guidance:checklist")},
        ],
    }
    return JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )


def service_worker(request: HttpRequest) -> HttpResponse:
    """Keeps the emergency pages for use without network. The script carries the content's
    version, so the browser installs it anew, and fetches the pages anew, when the guidance
    changes. It is served from the root so that it may look after every page."""
    context = {
        "version": f"{content_version()}-{_offline_layout_version()}",
        "pages": [reverse(f"guidance:{name}") for name in OFFLINE_PAGE_NAMES],
        "offline_page": reverse("guidance:offline"),
        "assets": [static(path) for path in OFFLINE_STATIC],
    }
    response = render(request, "guidance/sw.js", context, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response
