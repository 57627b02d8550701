"""Work handed off from the request (django.tasks): mail whose sending must not hold up the
answer, or show in how long it takes."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.tasks import task
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from . import mail
from .models import User


@task
def send_password_reset(email: str) -> None:
    """Mails a link to choose a new password to the active account with this address, if
    there is one. Enqueued for every address asked for, known or not. An invited official who
    has not yet chosen a password (and so has none that works) gets a link too."""
    for user in User.objects.filter(email__iexact=email, is_active=True):
        context = {
            "email": user.email,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
            "base_url": settings.PORTAL_BASE_URL,
        }
        if mail.send("portal/password_reset", [user.email], context).failed:
            # The page said a link is on its way: the task is marked as failed, for the
            # worker's record (portal.mail has logged which mail and to whom).
            raise mail.NotSent("portal/password_reset")
