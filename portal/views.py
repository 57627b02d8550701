from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import never_cache

from . import health, organisation
from .forms import SetPasswordForm
from .models import User
from .my_pages import news_for
from .security import AuthenticatedHttpRequest


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, in Swedish and with the organisation's names. Like Django's own, it is
    rendered without the request's context (no user, no query): it is what is shown when the
    database is down, so it asks nothing of it. The names come from the settings."""
    page = loader.get_template("500.html").render({"organisation": organisation.current()})
    return HttpResponse(page, status=500)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when every part the portal uses answers, 503 naming those that don't (JSON, for
    the load balancer and the operator). No login, never cached, and over plain http too
    (SECURE_REDIRECT_EXEMPT): a load balancer asks each server directly."""
    checks = health.report()
    up = all(result == "ok" for result in checks.values())
    return JsonResponse(
        {"status": "ok" if up else "fel", "checks": checks},
        status=200 if up else 503,
        json_dumps_params={"ensure_ascii": False},
    )


@login_required
def my_pages(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "portal/my_pages.html", {"news": news_for(request)})


class InvitationConfirmView(auth_views.PasswordResetConfirmView):
    """The invitation's link: the person chooses a password and is logged in, and goes on
    to where their work is: an official to Mina sidor, staff (a security officer) to the
    administration, which first sets up the second factor."""

    template_name = "registration/invitation_confirm.html"
    form_class = SetPasswordForm
    # The password was proved by the link; axes counts failed logins, and there was none.
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def form_valid(self, form: "auth_forms.SetPasswordForm[User]") -> HttpResponse:
        assert self.user is not None  # dispatch() shows the form only for the link's user
        self.post_reset_login = self.user.is_active
        response = super().form_valid(form)
        if self.post_reset_login:
            messages.success(self.request, "Ditt lösenord är sparat och du är inloggad.")
        return response

    def get_success_url(self) -> str:
        if not self.post_reset_login:
            return reverse("password_reset_complete")
        assert self.user is not None  # as in form_valid, which comes first
        if self.user.is_staff:
            return reverse("admin:index")
        return resolve_url(settings.LOGIN_REDIRECT_URL)


def _in_words(days: int) -> str:
    if days % 365 == 0:
        return "ett år" if days == 365 else f"{days // 365} år"
    return f"{days} dagar"


def privacy(request: HttpRequest) -> HttpResponse:
    retention = {
        "closed_reports": _in_words(settings.PORTAL_RETENTION_CLOSED_REPORT_DAYS),
        "drafts": _in_words(settings.PORTAL_RETENTION_DRAFT_DAYS),
        "risk_assessments": _in_words(settings.PORTAL_RETENTION_RISK_ASSESSMENT_DAYS),
        "access_log": _in_words(settings.PORTAL_RETENTION_ACCESS_LOG_DAYS),
    }
    return render(request, "portal/privacy.html", {"retention": retention})


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/accessibility.html")
