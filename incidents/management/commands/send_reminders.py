"""Daily reminders to the security officers, run once a day by cron or a systemd timer:

- each handler gets a list of their reports whose next follow-up date has passed;
- the group gets a list of new reports that nobody has triaged within two working days,
  and of due follow-ups whose handler is no longer an active security officer (so that
  no report is forgotten because its handler has left).

The mails carry references and links behind the login, never what a report says. They are
queued in the outbox and sent by the worker, which tries a failed one again. Each server may
start the command: it runs once a day (portal.models.DailyJob), whoever starts it first.
"""

import argparse
import logging
from collections import defaultdict
from datetime import date, timedelta

import holidays
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident
from portal.models import DailyJob, OutgoingMail, User
from portal.words import counted

logger = logging.getLogger(__name__)

# How soon a new report is to be looked at: after two working days untriaged, the officers
# are reminded. (The plan itself sets no time.)
TRIAGE_WORKING_DAYS = 2

# The days nobody is at work: the public holidays (långfredagen, annandag påsk, juldagen and
# the rest) and the eves that are days off in practice (midsommarafton, julafton,
# nyårsafton). The holidays package keeps the rules, Easter included, for every year.
SWEDISH_DAYS_OFF = holidays.Sweden(
    categories=(holidays.PUBLIC, holidays.DE_FACTO), include_sundays=False
)


def add_working_days(day, count):
    """The date `count` working days after `day`. Working days are Monday to Friday, less
    the Swedish public holidays and midsommarafton, julafton and nyårsafton. From
    skärtorsdagen 2026 (2 April) that is Wednesday 8 April: långfredagen and annandag påsk
    are not working days."""
    while count:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in SWEDISH_DAYS_OFF:
            count -= 1
    return day


def triage_overdue(today):
    """New reports still not triaged when the second whole working day after the day they
    were sent (in Sweden) has ended: sent on a Friday afternoon, that is Tuesday, so the
    reminder comes on Wednesday."""
    untriaged = Incident.objects.untriaged().order_by("submitted_at")
    return [
        incident
        for incident in untriaged.only("pk", "reference", "submitted_at")
        if add_working_days(timezone.localdate(incident.submitted_at), TRIAGE_WORKING_DAYS) < today
    ]


def follow_ups_due_by_handler(today, officers):
    """Due follow-ups, grouped by handler; those without an active security officer as
    handler under None."""
    due = (
        Incident.objects.follow_up_due(today)
        .select_related("handler")
        .order_by("next_follow_up", "submitted_at")
        .only("pk", "reference", "next_follow_up", "handler")
    )
    grouped = defaultdict(list)
    for incident in due:
        grouped[incident.handler if incident.handler in officers else None].append(incident)
    return grouped


def admin_link(incident):
    return settings.PORTAL_BASE_URL + reverse("admin:incidents_incident_change", args=[incident.pk])


def listed(incidents):
    # Only what the mail may carry: the reference and the link.
    return [{"reference": i.reference, "url": admin_link(i)} for i in incidents]


def iso_date(value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ange datumet som ÅÅÅÅ-MM-DD, inte {value!r}") from None


class Command(BaseCommand):
    help = (
        "Skickar påminnelser: till varje handläggare om uppföljningar vars datum har passerat, "
        "och till säkerhetshandläggarna om nya rapporter som inte bedömts inom två arbetsdagar. "
        "Körs en gång om dagen."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=iso_date,
            help="Räkna som om det vore detta datum (ÅÅÅÅ-MM-DD), för test och övning.",
        )

    def handle(self, *args, today=None, **options):
        today = today or timezone.localdate()
        self.failed = 0
        with DailyJob.once_a_day("send_reminders", today) as first:
            if not first:
                self.stdout.write(f"{today}: påminnelserna är redan skickade i dag.")
                return
            sent = self.send(today)
        if not sent and not self.failed:
            self.stdout.write(f"{today}: inga påminnelser skickade.")
        if self.failed:
            # The others went out; a non-zero exit makes cron and systemd report the failure.
            raise CommandError(f"{self.failed} påminnelser kunde inte skickas.", returncode=1)

    def send(self, today):
        officers = list(User.objects.security_officers())
        by_handler = follow_ups_due_by_handler(today, set(officers))
        unassigned = by_handler.pop(None, [])
        sent = 0

        for handler, incidents in sorted(by_handler.items(), key=lambda item: item[0].email):
            sent += self.remind(
                "incidents/reminder_follow_up",
                [handler.email],
                {"name": handler.get_short_name(), "incidents": listed(incidents)},
                what=f"{counted(len(incidents), 'uppföljning', 'uppföljningar')} att göra",
            )

        overdue = triage_overdue(today)
        if overdue or unassigned:
            recipients = [officer.email for officer in officers]
            recipients += settings.INCIDENT_NOTIFY_EMAILS
            sent += self.remind(
                "incidents/reminder_group",
                recipients,
                {
                    "untriaged": listed(overdue),
                    "unassigned": listed(unassigned),
                    "working_days": TRIAGE_WORKING_DAYS,
                },
                what=(
                    f"{counted(len(overdue), 'ny rapport', 'nya rapporter')} väntar på bedömning, "
                    f"{counted(len(unassigned), 'uppföljning', 'uppföljningar')} utan handläggare"
                ),
                group="säkerhetshandläggarna",
            )
        return sent

    def remind(self, kind, recipients, context, *, what, group=None):
        """Queue one reminder, a message to each recipient. Without a worker it has been sent
        when queued, and a failure is known: it is logged, without content, and the rest go
        on (the outbox tries it again). Returns 1 if it reached, or is on its way to, anyone."""
        if not recipients:
            logger.error("Påminnelse om händelserapporter: ingen mottagare (%s)", group)
            self.stderr.write(f"Ingen mottagare för påminnelse till {group}.")
            self.failed += 1
            return 0
        result = OutgoingMail.objects.queue(kind, recipients, context)
        for address in result.failed:
            self.stderr.write(f"Kunde inte skicka påminnelse till {address}.")
        self.failed += len(result.failed)
        if result.sent:
            who = f"{group} ({len(result.sent)} mottagare)" if group else result.sent[0]
            self.stdout.write(f"Skickade påminnelse till {who}: {what}.")
        elif result.waiting:
            who = f"{group} ({len(result.waiting)} mottagare)" if group else result.waiting[0]
            self.stdout.write(f"Lade påminnelse i kö till {who}: {what}.")
        else:
            return 0
        return 1
