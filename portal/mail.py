"""Every mail the portal sends goes out through here: the receipt and the news to someone who
reported, the security officers' notices of new reports, supplements and answers, their
reminders, important notices to the officials, invitations, password reset links and the
reminders about the introduction.

A mail NEVER carries the content of a report, nor anything else that belongs behind the login
(what happened, where, who, a message, the text of a notice). It says that there is something
and where it is: a reference, a title, a link that asks for the login. Mail passes through
servers the organisation does not control, and may be read by whoever has the recipient's phone.

So that no mail can say more than it should, a mail is rendered from its templates with only
what its caller hands it: plain data (text, numbers, yes/no, lists of them), never a report or
another model. tests/test_mail.py sends every kind of mail with a report full of a marker and
checks that the marker is in none of them.

Each kind of mail is a pair of templates, "<app>/mail/<name>_subject.txt" and
"<app>/mail/<name>.txt", and is named "<app>/<name>". Each recipient gets a message of their
own, so that no one sees who else got it.

No request waits on the mail server: a caller queues its mail in the outbox
(OutgoingMail.objects.queue in portal.models, one row a recipient, holding the plain data
above and nothing else), and a task (portal.tasks.deliver_mail) sends it through send() below.
A mail that cannot be sent is logged with its kind and recipient, never its text, and tried
again later, each time after a longer wait; one that never goes is shown to the security
officers in the admin (Utgående e-post), with its recipient and kind. An app that must know
how its mail went (a report marked when its notice to the officers failed, an invitation
recorded once it has gone) says so with when_sent() or when_failed() from its ready().
"""

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.template.loader import render_to_string

from . import organisation

if TYPE_CHECKING:
    from .models import OutgoingMail

logger = logging.getLogger(__name__)

# Every kind of mail, as the admin's list of outgoing mail names it.
KINDS = {
    "incidents/officers": "Om en händelserapport, till säkerhetshandläggarna",
    "incidents/receipt": "Kvitto på en händelserapport",
    "incidents/news": "Nytt i en händelserapport, till den som rapporterat",
    "incidents/reminder_follow_up": "Påminnelse om uppföljningar, till handläggaren",
    "incidents/reminder_group": "Påminnelse om rapporter, till säkerhetshandläggarna",
    "notices/important": "Viktig information, till alla förtroendevalda",
    "portal/invitation": "Inbjudan till portalen",
    "portal/password_reset": "Länk för nytt lösenord",
    "training/introduction_reminder": "Påminnelse om introduktionen",
}


@dataclass
class Result:
    """The addresses a mail went to, those it could not be sent to (with the kind of error,
    never its text, which may quote the mail) and, handed to the worker, those still waiting."""

    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)


def render(
    kind: str, context: Mapping[str, Any], names: organisation.Organisation | None = None
) -> tuple[str, str]:
    """The subject, on one line, and the text of a mail of this kind. names: the
    organisation's, read once for many mails (its security unit is a query)."""
    app, name = kind.split("/")
    # The organisation's names are the portal's, not the caller's: added here, for every mail.
    context = {"organisation": names or organisation.current(), **context}
    subject = render_to_string(f"{app}/mail/{name}_subject.txt", context)
    body = render_to_string(f"{app}/mail/{name}.txt", context)
    return " ".join(subject.split()), body


def message(
    kind: str,
    recipient: str,
    context: Mapping[str, Any],
    names: organisation.Organisation | None = None,
) -> EmailMessage:
    """One mail of this kind to one address."""
    subject, body = render(kind, context, names)
    return EmailMessage(subject, body, None, [recipient])


def plain(context: Mapping[str, Any]) -> None:
    """Refuses a context that is not plain data: what is not handed over cannot be printed,
    and plain data is what the outbox can keep until the mail goes."""
    json.dumps(context)


def send(
    kind: str,
    recipients: Iterable[str],
    context: Mapping[str, Any],
    *,
    connection: BaseEmailBackend | None = None,
    names: organisation.Organisation | None = None,
) -> Result:
    """Send a mail of this kind to each address on its own, now, over the given open
    connection or a new one. Returns who got it and who did not; a failure for one address
    does not stop the others. The portal's own mail goes through the outbox, which sends
    each of its rows through here."""
    plain(context)
    recipients = list(dict.fromkeys(recipients))
    names = names or organisation.current()
    result = Result()
    if not recipients:
        return result
    opened = nullcontext(connection) if connection is not None else mailers.default
    try:
        with opened as open_connection:
            for address in recipients:
                try:
                    open_connection.send_messages([message(kind, address, context, names)])
                except Exception as error:
                    logger.exception("Mejlet %s till %s kunde inte skickas", kind, address)
                    result.failed.append(address)
                    result.reasons[address] = type(error).__name__
                else:
                    result.sent.append(address)
    except Exception as error:
        result.failed = [a for a in recipients if a not in result.sent]
        result.reasons.update(dict.fromkeys(result.failed, type(error).__name__))
        logger.exception(
            "Mejlet %s: e-postservern svarar inte, %d mottagare fick det inte",
            kind,
            len(result.failed),
        )
    return result


type Handler = Callable[["OutgoingMail"], None]

_when_sent: dict[str, list[Handler]] = {}
_when_failed: dict[str, list[Handler]] = {}


def when_sent(kind: str, handler: Handler) -> None:
    """handler(outgoing_mail) is called when a mail of this kind has gone, in the transaction
    that records it."""
    _when_sent.setdefault(kind, []).append(handler)


def when_failed(kind: str, handler: Handler) -> None:
    """handler(outgoing_mail) is called each time a mail of this kind could not be sent, in
    the transaction that records it: its state says whether it will be tried again."""
    _when_failed.setdefault(kind, []).append(handler)


def tell(outgoing: "OutgoingMail", *, sent: bool) -> None:
    for handler in (_when_sent if sent else _when_failed).get(outgoing.kind, []):
        # A handler that fails must not undo the record of the mail: a sent mail would be
        # sent again, and a failing one would stand first in the queue for ever.
        try:
            with transaction.atomic():
                handler(outgoing)
        except Exception:
            logger.exception(
                "Mejlet %s till %s: efterarbetet misslyckades", outgoing.kind, outgoing.recipient
            )
