"""Work handed off from the request (django.tasks): the mail, whose sending must not hold up
the answer, or show in how long it takes. With the database backend a worker runs these
(manage.py db_worker, see the README); without it they run at once, where they are asked for."""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import mailers
from django.db import transaction
from django.tasks import task
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import OutgoingMail, User

logger = logging.getLogger(__name__)

# The most mails one run of deliver_mail sends before it hands the rest to the next run: a
# worker told to stop (a restart, a new version) finishes its run first, so a run is kept to
# seconds, and a second worker (another server) takes a share of a long list meanwhile.
BATCH = 200


@dataclass
class Run:
    """What one run of deliver_mail did."""

    sent: int = 0
    failed: list[int] = field(default_factory=list)  # the rows, to be woken for again
    more: bool = False  # stopped at the limit with more due


@task
def deliver_mail() -> int:
    """Sends the mail that is due in the outbox (portal.models.OutgoingMail), each mail in a
    transaction of its own. With a worker, a run sends at most BATCH and then queues the
    next run; a mail that failed is woken for at its next try (run_after). Without a worker
    (the immediate backend, which can't wait), a run sends all that is due and a mail that
    failed waits for the next mail queued, the next run of send_queued_mail, or the admin's
    "Försök igen nu". Returns the number sent."""
    queued = deliver_mail.get_backend().supports_defer
    run = deliver_due(BATCH if queued else None)
    if queued:
        if run.more:
            deliver_mail.enqueue()
        for at in OutgoingMail.objects.filter(pk__in=run.failed).wake_ups():
            deliver_mail.using(run_after=at).enqueue()
    return run.sent


def deliver_due(limit: int | None) -> Run:
    """Send what is due, the longest waiting first, at most limit mails, over one connection
    to the mail server."""
    run = Run()
    connection = mailers.default
    try:
        connection.open()
    except Exception as error:
        logger.exception("E-postservern svarar inte")
        fail_due(limit, type(error).__name__, run)
        return run
    try:
        while limit is None or len(run.failed) + run.sent < limit:
            with transaction.atomic():
                # Locked (PostgreSQL), and skipped by another worker meanwhile.
                outgoing = OutgoingMail.objects.due().select_for_update(skip_locked=True).first()
                if outgoing is None:
                    return run
                if outgoing.attempt(connection):
                    run.sent += 1
                else:
                    run.failed.append(outgoing.pk)
        run.more = OutgoingMail.objects.due().exists()
        return run
    finally:
        connection.close()


def fail_due(limit: int | None, error: str, run: Run) -> None:
    """The mail server could not be reached: each mail of this run's share counts a failed
    try, as if it had been tried."""
    due = OutgoingMail.objects.due()
    for pk in due.values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            outgoing = due.filter(pk=pk).select_for_update(skip_locked=True).first()
            if outgoing is not None:
                outgoing.record_failure(error)
                run.failed.append(pk)


@task
def send_password_reset(email: str) -> None:
    """Queues a link to choose a new password to the active account with this address, if
    there is one. Enqueued for every address asked for, known or not, so that the answer
    takes as long for both. An invited official who has not yet chosen a password (and so
    has none that works) gets a link too."""
    for user in User.objects.filter(email__iexact=email, is_active=True):
        context = {
            "email": user.email,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
            "base_url": settings.PORTAL_BASE_URL,
        }
        OutgoingMail.objects.queue("portal/password_reset", [user.email], context)
