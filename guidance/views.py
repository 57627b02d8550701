from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.text import slugify

from . import rendering
from .models import Contact, Phase, content_version, last_changed
from .pdf import layout_version, qr_svg, render_pdf
from .rendering import rendered_sections

PHASE_TITLES = {
    Phase.FORE: ("Före", "Förebygg: det du och regionen gör innan något händer."),
    Phase.UNDER: ("Under", "Vad du gör när något händer."),
    Phase.EFTER: ("Efter", "Vad du gör direkt efter, och hur händelsen följs upp."),
}


def public_page_cache(view):
    """Serves a guidance page to visitors without a session from a cache keyed by the
    content's version: the page someone opens under threat must come fast, and it is the
    same for everyone who is not logged in."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.COOKIES.get(settings.SESSION_COOKIE_NAME) or request.COOKIES.get("messages"):
            return view(request, *args, **kwargs)
        key = f"guidance:page:{request.path}:{content_version()}"
        content = cache.get(key)
        if content is not None:
            return HttpResponse(content)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies:
            cache.set(key, response.content, timeout=3600)
        return response

    return wrapped


def _staff(request):
    return request.user.is_authenticated and request.user.is_staff


@public_page_cache
def home(request):
    sections = rendered_sections([Phase.START], include_drafts=_staff(request))
    return render(request, "guidance/home.html", {"sections": sections})


@public_page_cache
def phase_page(request, phase):
    title, lead = PHASE_TITLES[phase]
    sections = rendered_sections([phase], include_drafts=_staff(request))
    return render(
        request,
        f"guidance/{phase}.html",
        {"phase": phase, "title": title, "lead": lead, "sections": sections},
    )


@public_page_cache
def checklist(request):
    sections = rendering.checklist(include_drafts=_staff(request))
    return render(request, "guidance/checklist.html", {"sections": sections})


@public_page_cache
def contacts_page(request):
    sections = rendered_sections([Phase.KONTAKT], include_drafts=_staff(request))
    return render(request, "guidance/contacts.html", {"sections": sections})


def _pdf_response(name, build):
    cache = caches["pdf"]
    key = f"{name}:{content_version()}:{layout_version()}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = build()
        cache.set(key, pdf)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{slugify(name)}.pdf"'
    return response


def plan_pdf(request):
    def build():
        phases = [(None, Phase.START), *((t, p) for p, (t, _) in PHASE_TITLES.items())]
        html = render_to_string(
            "guidance/pdf/plan.html",
            {
                "phases": [(title, rendered_sections([phase])) for title, phase in phases],
                "contact_sections": rendered_sections([Phase.KONTAKT]),
                "contacts": Contact.objects.all(),
                "last_changed": last_changed(),
                "qr": qr_svg(settings.PORTAL_BASE_URL + "/"),
                "base_url": settings.PORTAL_BASE_URL,
            },
        )
        return render_pdf(html)

    return _pdf_response("handlingsplan", build)


def checklist_pdf(request):
    def build():
        html = render_to_string(
            "guidance/pdf/checklist.html",
            {
                "sections": rendering.checklist(),
                "contacts": Contact.objects.all(),
                "base_url": settings.PORTAL_BASE_URL,
            },
        )
        return render_pdf(html)

    return _pdf_response("checklista", build)
