from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from incidents.models import Incident


@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("databasen svarar inte\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@login_required
def my_pages(request):
    news = Incident.objects.reported_by(request.user).submitted().with_unread_news()
    return render(request, "portal/my_pages.html", {"reports_with_news": news})


def _in_words(days):
    if days % 365 == 0:
        return "ett år" if days == 365 else f"{days // 365} år"
    return f"{days} dagar"


def privacy(request):
    retention = {
        "closed_reports": _in_words(settings.PORTAL_RETENTION_CLOSED_REPORT_DAYS),
        "drafts": _in_words(settings.PORTAL_RETENTION_DRAFT_DAYS),
        "risk_assessments": _in_words(settings.PORTAL_RETENTION_RISK_ASSESSMENT_DAYS),
        "access_log": _in_words(settings.PORTAL_RETENTION_ACCESS_LOG_DAYS),
    }
    return render(request, "portal/privacy.html", {"retention": retention})


def accessibility(request):
    return render(request, "portal/accessibility.html")
