"""Reminds officials who have not taken the introduction to personal security. Run once a
day by cron or a systemd timer, like send_reminders.

An official whose account is more than PORTAL_INTRODUCTION_DAYS days old and who has not
completed the introduction module gets a mail with a link to it; then at most one more a
month until it is done. The mail holds a greeting and the link, nothing else.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal import mail
from training.models import IntroductionReminder, TrainingModule


class Command(BaseCommand):
    help = (
        "Skickar en påminnelse till förtroendevalda som inte har gjort introduktionen om "
        "personsäkerhet inom den tid som gäller, högst en gång i månaden. Körs en gång om dagen."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        introduction = TrainingModule.objects.published().filter(is_introduction=True).first()
        if introduction is None:
            self.stdout.write("Ingen publicerad introduktionsmodul: inga påminnelser skickade.")
            return
        url = settings.PORTAL_BASE_URL + introduction.get_absolute_url()
        sent = failed = 0
        for official in introduction.officials_to_remind(timezone.localdate(now)):
            context = {"name": official.get_short_name(), "url": url}
            if not mail.send("training/introduction_reminder", [official.email], context).sent:
                # Not recorded as reminded, so it is tried again at the next run.
                self.stderr.write(f"Kunde inte skicka påminnelse till {official.email}.")
                failed += 1
                continue
            IntroductionReminder.record(official, now)
            sent += 1
        self.stdout.write(f"Påminnelser om introduktionen: {sent} skickade.")
        if failed:
            # The others went out; a non-zero exit makes cron and systemd report the failure.
            raise CommandError(f"{failed} påminnelser kunde inte skickas.", returncode=1)
