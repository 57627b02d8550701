from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


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
    return render(request, "portal/my_pages.html")


def privacy(request):
    return render(request, "portal/privacy.html")


def accessibility(request):
    return render(request, "portal/accessibility.html")
