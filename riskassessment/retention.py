"""The risk inventories' gallring: inventories nobody has changed for their period."""

from datetime import datetime

from django.conf import settings

from portal.retention import Swept

from .models import Assessment


def sweep_inventories(now: datetime, dry_run: bool) -> Swept:
    assessments = Assessment.objects.past_retention(now)
    counts = {"riskinventeringar": assessments.count()}
    if not dry_run:
        assessments.delete()
    days = settings.PORTAL_RETENTION_RISK_ASSESSMENT_DAYS
    return Swept(counts, periods=[f"riskinventeringar {days} efter senaste ändring"])
