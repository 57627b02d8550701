"""The reports' gallring: closed reports some years after closing and forgotten drafts, with
their files, and old rows of the access log."""

from datetime import datetime

from django.conf import settings

from portal.retention import Swept

from .models import AccessLogEntry, Evidence, Incident


def sweep_reports(now: datetime, dry_run: bool) -> Swept:
    incidents = Incident.objects.past_retention(now)
    if not dry_run:
        # Locked until the commit, so that what is counted is what is deleted.
        incidents = incidents.select_for_update()
    expired = list(incidents.values_list("pk", "reference"))
    pks = [pk for pk, _ in expired]
    references = sorted(reference for _, reference in expired if reference)
    access_log = AccessLogEntry.objects.past_retention(now)
    counts = {
        "avslutade rapporter": len(references),
        "utkast": len(expired) - len(references),
        "bevisfiler": Evidence.objects.filter(incident__in=pks).count(),
        "rader i åtkomstloggen": access_log.count(),
    }
    if not dry_run:
        Incident.objects.filter(pk__in=pks).delete_with_files()
        access_log.delete()
    return Swept(
        counts,
        periods=[
            f"avslutade rapporter {settings.PORTAL_RETENTION_CLOSED_REPORT_DAYS} efter avslut",
            f"utkast {settings.PORTAL_RETENTION_DRAFT_DAYS}",
            f"åtkomstlogg {settings.PORTAL_RETENTION_ACCESS_LOG_DAYS}",
        ],
        named={"rapporter": references},
        warnings=_closed_without_date(),
    )


def _closed_without_date() -> list[str]:
    # Closing through the triage always sets closed_at; a closed report without one (an
    # import, a hand edit) would otherwise be kept for ever without anyone knowing.
    undated = Incident.objects.submitted().filter(
        status=Incident.Status.AVSLUTAD, closed_at__isnull=True
    )
    # A sent report always has its reference (a constraint of the table).
    references = sorted(r for r in undated.values_list("reference", flat=True) if r)
    if not references:
        return []
    return [
        f"{len(references)} avslutade rapporter saknar avslutsdatum och gallras inte: "
        f"{', '.join(references)}"
    ]
