"""The reports' part of Mina sidor: the reporter's reports with something new in them."""

from django.template.loader import render_to_string

from portal.security import AuthenticatedHttpRequest

from .models import Incident


def reports_with_news(request: AuthenticatedHttpRequest) -> str:
    news = Incident.objects.reported_by(request.user).submitted().with_unread_news()
    if not news:
        return ""
    return render_to_string(
        "incidents/_my_pages_news.html", {"reports_with_news": news}, request=request
    )
