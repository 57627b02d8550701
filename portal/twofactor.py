"""Second factor for staff: an authenticator app (TOTP) and one-time recovery codes."""

import io
import math
from base64 import b32encode
from importlib import import_module

import segno
from django import forms
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User
from .security import AuthenticatedHttpRequest
from .words import counted

RECOVERY_CODES = 10


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Kod",
        max_length=16,
        help_text="Sex siffror från appen, eller en av dina reservkoder.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].replace(" ", "").strip().lower()


def _next(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or "/admin/"
    if not url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return "/admin/"
    return url


def _staff_only(request: AuthenticatedHttpRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied


def _confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@never_cache
@login_required
def verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    _staff_only(request)
    totp = _confirmed_totp(request.user)
    if totp is None:
        return redirect(f"/konto/tvastegs/aktivera/?next={_next(request)}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        device = totp if code.isdigit() and len(code) == 6 else None
        if device is None:
            device = StaticDevice.objects.filter(user=request.user, confirmed=True).first()
        if wait := _throttled(device):
            form.add_error("code", wait)
        elif device is not None and device.verify_token(code):
            _login(request, device)
            return redirect(_next(request))
        else:
            form.add_error("code", "Koden stämmer inte, eller har redan använts. Försök igen.")
    return render(request, "registration/otp_verify.html", {"form": form, "next": _next(request)})


@never_cache
@login_required
def enrol(request: AuthenticatedHttpRequest) -> HttpResponse:
    _staff_only(request)
    if _confirmed_totp(request.user):
        return redirect(f"/konto/tvastegs/?next={_next(request)}")
    device, _ = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "Autentiseringsapp"}
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if wait := _throttled(device):
            form.add_error("code", wait)
        elif device.verify_token(form.cleaned_data["code"]):
            codes = _confirm(device)
            _login(request, device)
            return render(
                request,
                "registration/otp_recovery_codes.html",
                {"codes": codes, "next": _next(request)},
            )
        else:
            form.add_error(
                "code", "Koden stämmer inte. Kontrollera klockan i telefonen och försök igen."
            )
    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=5, xmldecl=False)
    context = {
        "form": form,
        "qr": out.getvalue().decode(),
        "secret": _spaced(device),
        "next": _next(request),
    }
    return render(request, "registration/otp_enrol.html", context)


def _throttled(device: TOTPDevice | StaticDevice | None) -> str | None:
    """After a wrong code django-otp tries no code on the device for a while (1 second, then
    2, 4, 8 ...), so that codes cannot be guessed one after another. A right code typed in
    that while is not tried: the person is told to wait, not that the code is wrong."""
    if device is None:
        return None
    allowed, details = device.verify_is_allowed()
    if allowed or not details or "locked_until" not in details:
        return None
    seconds = max(1, math.ceil((details["locked_until"] - timezone.now()).total_seconds()))
    return (
        f"Efter en felaktig kod måste du vänta en stund innan du försöker igen. Vänta "
        f"{_duration(seconds)} och skriv sedan koden som appen visar då. Koden du skrev nu "
        "har inte prövats."
    )


def _duration(seconds: int) -> str:
    minutes, hours, days = (math.ceil(seconds / n) for n in (60, 3600, 86400))
    if seconds < 120:
        return counted(seconds, "sekund", "sekunder")
    if minutes < 120:
        return counted(minutes, "minut", "minuter")
    if hours < 48:
        return counted(hours, "timme", "timmar")
    return counted(days, "dygn", "dygn")


def _login(request: HttpRequest, device: TOTPDevice | StaticDevice) -> None:
    # A new session key and CSRF token, as at the password login: what someone learnt before
    # the second factor is worth nothing after it.
    otp_login(request, device)
    request.session.cycle_key()
    rotate_token(request)


@transaction.atomic
def _confirm(device: TOTPDevice) -> list[str]:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    static, _ = StaticDevice.objects.get_or_create(
        user=device.user, defaults={"name": "Reservkoder", "confirmed": True}
    )
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def _spaced(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def reset(user: User) -> int:
    """For a lost phone: removes the person's app and recovery codes and ends every login of
    theirs, so that the next login, with the password, sets up a new app. Returns how many
    logins were ended."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    return _end_sessions(user)


def _end_sessions(user: User) -> int:
    # The sessions live in the database (the default engine); each is read to find whose it
    # is. There are a few hundred at most, and this is done when someone has lost a phone.
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in store.get_model_class().objects.filter(expire_date__gt=timezone.now()):
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            store(session.session_key).delete()
            ended += 1
    return ended
