"""Gallring: delete what has passed its retention period (see the PORTAL_RETENTION_* settings).

Run once a day. What it deletes and why is what the privacy page promises: closed reports
with their files some years after closing, forgotten drafts, old risk inventories and old
rows of the access log. The summary names counts and references, never what a report says.
Each app deletes its own data (its retention.py, registered through portal.retention); this
command knows none of them, only the sessions every app shares.
"""

import argparse
import logging

from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from portal import retention
from portal.models import DailyJob

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
        # Each server's timer may start it: one runs at a time, and the next finds nothing
        # left. All of it or nothing.
        with DailyJob.one_at_a_time("gallra"), transaction.atomic():
            # Each app deletes its own (portal.retention), all of it or nothing.
            swept = [sweep(now, dry_run) for sweep in retention.sweeps()]
            # Expired sessions may hold text typed before a time-out that nobody came
            # back for.
            sessions = Session.objects.filter(expire_date__lt=now)
            expired_sessions = sessions.count()
            if not dry_run:
                sessions.delete()
        # Only here, after the commit and the removal of the files, is anything reported done.
        counts = {kind: n for part in swept for kind, n in part.counts.items()}
        counts["utgångna sessioner"] = expired_sessions
        named = {kind: names for part in swept for kind, names in part.named.items() if names}
        periods = [period for part in swept for period in part.periods]
        self.report(now, counts, named, periods, dry_run)
        for warning in (warning for part in swept for warning in part.warnings):
            logger.warning("%s", warning)
            self.stderr.write(warning)

    def report(self, now, counts, named, periods, dry_run):
        when = f"{timezone.localtime(now):%Y-%m-%d %H:%M}"
        heading = "torrkörning, inget raderades; detta skulle raderas" if dry_run else "raderat"
        summary = ", ".join(f"{kind} {count}" for kind, count in counts.items())
        logger.info("Gallring %s (%s): %s", when, heading, summary)
        for kind, names in named.items():
            logger.info("Gallring %s, %s: %s", when, kind, ", ".join(names))
        self.stdout.write(f"Gallring {when} ({heading}):")
        for kind, count in counts.items():
            self.stdout.write(f"  {kind}: {count}")
        for kind, names in named.items():
            self.stdout.write(f"  {kind}: {', '.join(names)}")
        self.stdout.write(f"Bevarandetider i dagar: {', '.join(periods)}.")
