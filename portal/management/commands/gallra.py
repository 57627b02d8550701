"""Gallring: delete what has passed its retention period (see the PORTAL_RETENTION_* settings).

Run once a day. What it deletes and why is what the privacy page promises: closed reports
with their files some years after closing, forgotten drafts, old risk inventories and old
rows of the access log. The summary names counts and references, never what a report says.
"""

import argparse
import logging

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from incidents.models import AccessLogEntry, Evidence, Incident
from riskassessment.models import Assessment

logger = logging.getLogger("portal.retention")


def moment(value):
    parsed = parse_datetime(value)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"ange en tidpunkt som 2029-05-01T03:00, inte {value!r}")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class Command(BaseCommand):
    help = (
        "Gallrar det som har passerat sin bevarandetid: avslutade rapporter med filer, "
        "gamla utkast, riskinventeringar och rader i åtkomstloggen."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Visa vad som skulle gallras, utan att radera något.",
        )
        parser.add_argument(
            "--now",
            type=moment,
            help="Gallra som om klockan vore denna tidpunkt (ISO 8601), för övningar och test.",
        )

    def handle(self, *args, dry_run=False, now=None, **options):
        now = now or timezone.now()
        with transaction.atomic():
            incidents = Incident.objects.past_retention(now)
            if not dry_run:
                # Locked until the commit, so that what is counted is what is deleted.
                incidents = incidents.select_for_update()
            expired = list(incidents.values_list("pk", "reference"))
            pks = [pk for pk, _ in expired]
            references = sorted(reference for _, reference in expired if reference)
            assessments = Assessment.objects.past_retention(now)
            access_log = AccessLogEntry.objects.past_retention(now)
            # Expired sessions may hold text typed before a time-out that nobody came
            # back for.
            sessions = Session.objects.filter(expire_date__lt=now)
            counts = {
                "avslutade rapporter": len(references),
                "utkast": len(expired) - len(references),
                "bevisfiler": Evidence.objects.filter(incident__in=pks).count(),
                "riskinventeringar": assessments.count(),
                "rader i åtkomstloggen": access_log.count(),
                "utgångna sessioner": sessions.count(),
            }
            if not dry_run:
                Incident.objects.filter(pk__in=pks).delete_with_files()
                assessments.delete()
                access_log.delete()
                sessions.delete()
        # Only here, after the commit and the removal of the files, is anything reported done.
        self.report(now, counts, references, dry_run)
        self.warn_about_closed_reports_without_date()

    def report(self, now, counts, references, dry_run):
        when = f"{timezone.localtime(now):%Y-%m-%d %H:%M}"
        heading = "torrkörning, inget raderades; detta skulle raderas" if dry_run else "raderat"
        summary = ", ".join(f"{kind} {count}" for kind, count in counts.items())
        logger.info("Gallring %s (%s): %s", when, heading, summary)
        if references:
            logger.info("Gallring %s, rapporter: %s", when, ", ".join(references))
        self.stdout.write(f"Gallring {when} ({heading}):")
        for kind, count in counts.items():
            self.stdout.write(f"  {kind}: {count}")
        if references:
            self.stdout.write(f"  rapporter: {', '.join(references)}")
        self.stdout.write(
            "Bevarandetider i dagar: avslutade rapporter "
            f"{settings.PORTAL_RETENTION_CLOSED_REPORT_DAYS} efter avslut, utkast "
            f"{settings.PORTAL_RETENTION_DRAFT_DAYS}, riskinventeringar "
            f"{settings.PORTAL_RETENTION_RISK_ASSESSMENT_DAYS} efter senaste ändring, "
            f"åtkomstlogg {settings.PORTAL_RETENTION_ACCESS_LOG_DAYS}."
        )

    def warn_about_closed_reports_without_date(self):
        # Closing through the triage always sets closed_at; a closed report without one (an
        # import, a hand edit) would otherwise be kept for ever without anyone knowing.
        undated = Incident.objects.submitted().filter(
            status=Incident.Status.AVSLUTAD, closed_at__isnull=True
        )
        references = sorted(undated.values_list("reference", flat=True))
        if references:
            logger.warning(
                "%d avslutade rapporter saknar avslutsdatum och gallras inte: %s",
                len(references),
                ", ".join(references),
            )
            self.stderr.write(
                f"{len(references)} avslutade rapporter saknar avslutsdatum och gallras inte: "
                f"{', '.join(references)}"
            )
