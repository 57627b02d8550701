from typing import Any, cast

from django import forms
from django.contrib.auth import forms as auth_forms
from django.http import HttpRequest

from .models import User
from .tasks import send_password_reset

# An EmailField always has a max_length (254 unless given).
EMAIL_MAX_LENGTH = cast(int, User._meta.get_field("email").max_length)


def login_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """The address that django-axes counts failed logins against (AXES_USERNAME_CALLABLE):
    in lower case, as the accounts are stored, so that ANNA@… and anna@… share one lock."""
    source = credentials or getattr(request, "POST", {})
    return (source.get("username") or "").strip().lower() or None


class PasswordResetForm(auth_forms.PasswordResetForm):
    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every address asked for takes the same path, known or not: the task looks it up
        # and mails the link. The time of the answer must not tell who has an account.
        send_password_reset.enqueue(self.cleaned_data["email"])


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": "Fel e-postadress eller lösenord. Kontrollera och försök igen.",
        "inactive": "Kontot är inte aktivt. Kontakta säkerhetshandläggaren.",
    }

    def clean_username(self) -> str:
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

    def clean(self) -> dict[str, Any] | None:
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return super(auth_forms.SetPasswordForm, self).clean()
