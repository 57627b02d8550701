from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.text import slugify

from . import rendering
from .models import Phase, content_version, last_changed
from .pdf import layout_version, qr_svg, render_pdf
from .rendering import rendered_sections

PHASE_TITLES = {
    Phase.FORE: ("Före", "Förebygg: det du och regionen gör innan något händer."),
    Phase.UNDER: ("Under", "Vad du gör när något händer."),
    Phase.EFTER: ("Efter", "Vad du gör direkt efter, och hur händelsen följs upp."),
}


def _staff(request):
    return request.user.is_authenticated and request.user.is_staff


def home(request):
    sections = rendered_sections([Phase.START], include_drafts=_staff(request))
    return render(request, "guidance/home.html", {"sections": sections})


def phase_page(request, phase):
    title, lead = PHASE_TITLES[phase]
    sections = rendered_sections([phase], include_drafts=_staff(request))
    return render(
        request,
        f"guidance/{phase}.html",
        {"phase": phase, "title": title, "lead": lead, "sections": sections},
    )


def checklist(request):
    sections = rendering.checklist(include_drafts=_staff(request))
    return render(request, "guidance/checklist.html", {"sections": sections})


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
                "contacts": rendering.contacts_by_key().values(),
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
                "contacts": rendering.contacts_by_key().values(),
                "base_url": settings.PORTAL_BASE_URL,
            },
        )
        return render_pdf(html)

    return _pdf_response("checklista", build)
