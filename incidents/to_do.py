"""The reports' part of the admin's start page (Att göra)."""

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from portal.admin_site import ToDo
from portal.security import is_verified_officer
from portal.words import counted

from .models import Incident


def reports_to_do(request: HttpRequest) -> list[ToDo]:
    """What waits for a security officer when the admin opens: new reports nobody has
    assessed, follow-ups whose date has passed, and their own open reports. Counted in one
    query; each links to the report list filtered to just those reports."""
    if not is_verified_officer(request.user):
        return []
    # One pass over the open reports, not over the closed ones that a decade piles up: on
    # PostgreSQL read from the index of the open reports alone (migration 0010), which is
    # why what is counted is the status (never empty), a column the index holds, not the id.
    counts = Incident.objects.open().aggregate(
        untriaged=Count("status", filter=Q(status=Incident.Status.NY)),
        due=Count("status", filter=Q(next_follow_up__lt=timezone.localdate())),
        mine=Count("status", filter=Q(handler=request.user)),
    )
    changelist = reverse("admin:incidents_incident_changelist")
    return [
        ToDo(
            "Nya rapporter som inte bedömts",
            counts["untriaged"],
            counted(counts["untriaged"], "rapport", "rapporter"),
            f"{changelist}?status__exact={Incident.Status.NY}",
        ),
        ToDo(
            "Uppföljningar som passerat",
            counts["due"],
            counted(counts["due"], "uppföljning", "uppföljningar"),
            f"{changelist}?uppfoljning=forsenad",
        ),
        ToDo(
            "Mina öppna rapporter",
            counts["mine"],
            counted(counts["mine"], "rapport", "rapporter"),
            f"{changelist}?mina=oppna",
        ),
    ]
