from django.contrib.auth import forms as auth_forms

from .models import User


class PasswordResetForm(auth_forms.PasswordResetForm):
    def get_users(self, email):
        # Unlike Django's default, an invited user who never chose a password
        # (and so has an unusable one) can ask for a new link here too.
        return User.objects.filter(email__iexact=email, is_active=True)


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": "Fel e-postadress eller lösenord. Kontrollera och försök igen.",
        "inactive": "Kontot är inte aktivt. Kontakta säkerhetshandläggaren.",
    }
