from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from portal.security import AuthenticatedHttpRequest

from .models import Notice


def _get_notice_for_user(pk: int) -> Notice:
    """A notice an official may open; a draft or one whose date has not come is a 404."""
    return get_object_or_404(Notice.objects.visible(), pk=pk)


@login_required
def archive(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {"current": Notice.objects.current(), "archived": Notice.objects.archived()}
    return render(request, "notices/archive.html", context)


@login_required
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return render(request, "notices/detail.html", {"notice": _get_notice_for_user(pk)})
