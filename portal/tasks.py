"""Work handed off from the request (django.tasks): mail whose sending must not hold up the
answer, or show in how long it takes."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import User


@task
def send_password_reset(email):
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
        subject = render_to_string("registration/password_reset_subject.txt", context)
        body = render_to_string("registration/password_reset_email.html", context)
        send_mail(" ".join(subject.split()), body, None, [user.email])
