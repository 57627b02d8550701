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

A mail that cannot be sent is logged with its kind and recipient, never its text, and reported
back to the caller, who decides what it means: the report is kept and marked, the reminder is
tried again, the officer is told.
"""

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.mail import EmailMessage, mailers
from django.template.loader import render_to_string

from . import organisation

logger = logging.getLogger(__name__)


class NotSent(Exception):
    """For a caller whose work has failed if its mail did not go out, such as a task."""


@dataclass
class Result:
    """The addresses a mail went to, and those it could not be sent to."""

    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def render(kind: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """The subject, on one line, and the text of a mail of this kind."""
    app, name = kind.split("/")
    # The organisation's names are the portal's, not the caller's: added here, for every mail.
    context = {"organisation": organisation.current(), **context}
    subject = render_to_string(f"{app}/mail/{name}_subject.txt", context)
    body = render_to_string(f"{app}/mail/{name}.txt", context)
    return " ".join(subject.split()), body


def message(kind: str, recipient: str, context: Mapping[str, Any]) -> EmailMessage:
    """One mail of this kind to one address."""
    subject, body = render(kind, context)
    return EmailMessage(subject, body, None, [recipient])


def send(kind: str, recipients: Iterable[str], context: Mapping[str, Any]) -> Result:
    """Send a mail of this kind to each address on its own. Returns who got it and who did not;
    a failure for one address does not stop the others."""
    # Plain data only: what is not handed over cannot be printed, and plain data is what a
    # task's arguments can carry, should the sending be handed to a worker.
    json.dumps(context)
    recipients = list(dict.fromkeys(recipients))
    result = Result()
    if not recipients:
        return result
    try:
        with mailers.default as connection:
            for address in recipients:
                try:
                    connection.send_messages([message(kind, address, context)])
                except Exception:
                    logger.exception("Mejlet %s till %s kunde inte skickas", kind, address)
                    result.failed.append(address)
                else:
                    result.sent.append(address)
    except Exception:
        result.failed = [a for a in recipients if a not in result.sent]
        logger.exception(
            "Mejlet %s: e-postservern svarar inte, %d mottagare fick det inte",
            kind,
            len(result.failed),
        )
    return result
