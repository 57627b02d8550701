from django import forms
from django.contrib.auth import forms as auth_forms

from .models import User
from .tasks import send_password_reset

EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length


def login_username(request, credentials):
    """The address that django-axes counts failed logins against (AXES_USERNAME_CALLABLE):
    in lower case, as the accounts are stored, so that ANNA@… and anna@… share one lock."""
    source = credentials or getattr(request, "POST", {})
    return (source.get("username") or "").strip().lower() or None


class PasswordResetForm(auth_forms.PasswordResetForm):
    def save(self, **kwargs):
        # Every address asked for takes the same path, known or not: the task looks it up
        # and mails the link. The time of the answer must not tell who has an account.
        send_password_reset.enqueue(self.cleaned_data["email"])


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": "Fel e-postadress eller lösenord. Kontrollera och försök igen.",
        "inactive": "Kontot är inte aktivt. Kontakta säkerhetshandläggaren.",
    }

    def clean_username(self):
        # Refused before any login is tried, so that it is neither looked up nor counted.
        username = self.cleaned_data["username"]
        if len(username) > EMAIL_MAX_LENGTH:
            raise forms.ValidationError(
                "E-postadressen är för lång. Kontrollera den och försök igen."
            )
        return username


class SetPasswordForm(auth_forms.SetPasswordForm):
    """Choosing a password, from an invitation or a reset link. What is wrong with the
    password (too short, too common) is said at the field where it is chosen; that the two
    differ, at the second."""

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return super(auth_forms.SetPasswordForm, self).clean()
