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

from . import organisation
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
    due = list(OutgoingMail.objects.due().values_list("pk", flat=True)[:limit])
    if not due:
        return run
    connection = mailers.default
    try:
        connection.open()
    except Exception as error:
        # Nobody reached the server: each mail of the run counts a failed try.
        logger.exception("E-postservern svarar inte")
        for pk in due:
            with transaction.atomic():
                if outgoing := claim(pk):
                    outgoing.record_failure(type(error).__name__)
                    run.failed.append(pk)
        return run
    # The organisation's names, read once for the run rather than once a mail.
    names = organisation.current()
    try:
        for pk in due:
            with transaction.atomic():
                if outgoing := claim(pk):
                    if outgoing.attempt(connection, names):
                        run.sent += 1
                    else:
                        run.failed.append(pk)
    finally:
        connection.close()
    run.more = limit is not None and OutgoingMail.objects.due().exists()
    return run


def claim(pk: int) -> OutgoingMail | None:
    """The mail, locked until the transaction ends, if it is still due: not sent meanwhile,
    nor being sent by another worker (PostgreSQL: its lock is skipped, not waited for). The
    keys are read first and each row then found by its key, so that a long list costs the
    same for each mail (a scan from the start of the waiting ones would pass every mail
    already sent in a transaction still open, as the request's is without a worker)."""
    return OutgoingMail.objects.due().filter(pk=pk).select_for_update(skip_locked=True).first()


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
