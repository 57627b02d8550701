"""The columns and the Mina rapporter filter of the officers' report list, kept narrow so
that the list fits a 1280-pixel screen beside its filters: dates as 2026-11-29 14:05, the
handler's name free to wrap, and the failed e-mail as one word where it failed."""

from django.contrib import admin
from django.utils import timezone

from portal.models import User


@admin.display(description="mottagen", ordering="submitted_at")
def received(incident):
    return timezone.localtime(incident.submitted_at).strftime("%Y-%m-%d %H:%M")


@admin.display(description="handläggare", ordering="handler__full_name")
def handler_name(incident):
    return str(incident.handler) if incident.handler else None


@admin.display(description="nästa uppföljning", ordering="next_follow_up")
def follow_up(incident):
    return incident.next_follow_up.isoformat() if incident.next_follow_up else None


@admin.display(description="e-post")
def mail_failed(incident):
    # The receipt to the reporter or the notice to the officers did not go out, so the
    # reporter may not know that the report arrived. The report's page says when.
    return "Misslyckades" if incident.notification_failed_at else None


class MineFilter(admin.SimpleListFilter):
    title = "mina rapporter"
    parameter_name = "mina"

    def lookups(self, request, model_admin):
        return [("oppna", "Mina öppna"), ("alla", "Alla mina")]

    def queryset(self, request, queryset):
        match self.value():
            case "oppna":
                return queryset.open().filter(handler=request.user)
            case "alla":
                return queryset.filter(handler=request.user)
        return queryset


class HandlerFilter(admin.RelatedFieldListFilter):
    """The security officers to choose among: listing everyone who ever handled a report
    would read every report on each page of the list."""

    def field_choices(self, field, request, model_admin):
        officers = User.objects.security_officers().order_by("full_name", "email")
        return [(user.pk, str(user)) for user in officers]
