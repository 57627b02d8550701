"""Reminds officials who have not taken the introduction to personal security. Run once a
day by cron or a systemd timer, like send_reminders.

An official whose account is more than PORTAL_INTRODUCTION_DAYS days old and who has not
completed the introduction module gets a mail with a link to it; then at most one more a
month until it is done. The mail holds a greeting and the link, nothing else. It is queued in
the outbox and sent by the worker, which tries a failed one again. Each server may start the
command: it runs once a day (portal.models.DailyJob), whoever starts it first.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.models import DailyJob, OutgoingMail
from training.models import IntroductionReminder, TrainingModule


class Command(BaseCommand):
    help = (
        "Skickar en påminnelse till förtroendevalda som inte har gjort introduktionen om "
        "personsäkerhet inom den tid som gäller, högst en gång i månaden. Körs en gång om dagen."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        with DailyJob.once_a_day("send_training_reminders", timezone.localdate(now)) as first:
            if not first:
                self.stdout.write("Påminnelserna om introduktionen är redan skickade i dag.")
                return
            counts = self.remind(now)
        if counts is None:
            return
        sent, failed = counts
        self.stdout.write(f"Påminnelser om introduktionen: {sent} skickade.")
        if failed:
            # The others went out; a non-zero exit makes cron and systemd report the failure.
            raise CommandError(f"{failed} påminnelser kunde inte skickas.", returncode=1)

    def remind(self, now):
        introduction = TrainingModule.objects.published().filter(is_introduction=True).first()
        if introduction is None:
            self.stdout.write("Ingen publicerad introduktionsmodul: inga påminnelser skickade.")
            return None
        url = settings.PORTAL_BASE_URL + introduction.get_absolute_url()
        sent = failed = 0
        for official in introduction.officials_to_remind(timezone.localdate(now)):
            context = {"name": official.get_short_name(), "url": url}
            result = OutgoingMail.objects.queue(
                "training/introduction_reminder", [official.email], context
            )
            # Recorded as reminded when queued: a reminder that fails is tried again by the
            # outbox, not by a second reminder the next day.
            IntroductionReminder.record(official, now)
            if result.failed:
                self.stderr.write(f"Kunde inte skicka påminnelse till {official.email}.")
                failed += 1
            else:
                sent += 1
        return sent, failed
