"""Hands the mail waiting in the outbox to the worker, or, without one, sends it here.

The worker's service runs this before the worker starts (ExecStartPre, see the README): a
worker stopped hard (killed, the power gone) in the middle of a long list leaves its run
unfinished and the rest of the list waiting with no run queued for it. Each mail is marked
sent in the transaction that sends it, so what went before the stop is not sent again.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone

from portal.models import OutgoingMail
from portal.tasks import deliver_mail


class Command(BaseCommand):
    help = (
        "Lämnar e-posten som väntar i kön till arbetaren (eller skickar den direkt, utan "
        "arbetare). Körs när arbetaren startar."
    )

    def handle(self, *args, **options):
        waiting = OutgoingMail.objects.waiting()
        due = OutgoingMail.objects.due().count()
        later = waiting.filter(next_attempt_at__gt=timezone.now())
        if deliver_mail.get_backend().supports_defer:
            with transaction.atomic():
                if due:
                    deliver_mail.enqueue()
                for at in later.wake_ups():
                    deliver_mail.using(run_after=at).enqueue()
            self.stdout.write(
                f"E-post i kön: {due} att skicka nu, {later.count()} att försöka igen senare."
            )
        else:
            result = deliver_mail.enqueue() if due else None
            if result is not None and result.status == TaskResultStatus.FAILED:
                raise CommandError("E-posten kunde inte skickas; se loggen.")
            sent = result.return_value if result is not None else 0
            self.stdout.write(
                f"E-post: {sent} av {due} skickade, {waiting.count()} väntar på ett nytt försök."
            )
