"""Who is asking, and for how long a login lasts."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.forms import FileField, MultipleChoiceField
from django.utils.cache import patch_cache_control


def client_ip(request):
    """The visitor's address. Behind the region's proxy it is the last address the proxy
    added to X-Forwarded-For; anything before it was written by the client and is not
    trusted. PORTAL_TRUSTED_PROXIES says how many proxies stand in front of the portal."""
    proxies = settings.PORTAL_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")


TIMED_OUT_USER = "portal:timed_out_user"


def keep_until_login(request, key, data):
    """Keep what an official typed when their login ran out, for them alone: it is given
    back only to the same person logging in again, never to the next user of the browser."""
    request.session[key] = {"owner": request.session.get(TIMED_OUT_USER), "data": data}


def take_kept(request, key):
    kept = request.session.pop(key, None)
    if kept and request.user.is_authenticated and kept["owner"] == request.user.pk:
        return kept["data"]
    return None


def keep_post_until_login(request, key):
    """Keep a form as it was sent (its fields' lists of values) through the login."""
    data = {k: v for k, v in request.POST.lists() if k != "csrfmiddlewaretoken"}
    keep_until_login(request, key, data)


def kept_initial(request, key, form):
    """What keep_post_until_login kept, as the form's initial values, or None: a list for a
    field of several choices, one value for the others, nothing for files (a file can't be
    kept without a login)."""
    data = take_kept(request, key)
    if not data:
        return None
    return {
        name: data[name] if isinstance(field, MultipleChoiceField) else data[name][-1]
        for name, field in form.fields.items()
        if name in data and not isinstance(field, FileField)
    }


class SessionTimeoutMiddleware:
    """Ends a login after a time without activity, and after an absolute time.

    The admin holds every report, so its limits are shorter. An official in the middle of
    a report keeps a longer idle time; if it runs out anyway, the report form keeps what
    was typed through the login."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.setdefault("login_started", now)
            seen = session.get("last_seen", now)
            admin = request.path.startswith("/admin/") or session.get("admin_used", False)
            idle_limit, absolute_limit = (
                (settings.PORTAL_ADMIN_IDLE_TIMEOUT, settings.PORTAL_ADMIN_ABSOLUTE_TIMEOUT)
                if admin
                else (settings.PORTAL_IDLE_TIMEOUT, settings.PORTAL_ABSOLUTE_TIMEOUT)
            )
            if now - seen > idle_limit or now - started > absolute_limit:
                user_pk = request.user.pk
                logout(request)
                session[TIMED_OUT_USER] = user_pk  # whose typed text may be kept
                messages.info(request, "Du har loggats ut efter en tid utan aktivitet.")
            else:
                if now - seen >= 60 or "last_seen" not in session:
                    session["last_seen"] = now
                if request.path.startswith("/admin/") and not session.get("admin_used"):
                    session["admin_used"] = True
        return self.get_response(request)


PRIVATE_PATHS = (
    "/admin/", "/konto/", "/logga-in/", "/glomt-losenord/", "/valj-losenord/", "/inbjudan/",
    "/mina-sidor/", "/mina-rapporter/", "/rapportera/", "/riskinventering/",
)  # fmt: skip


class NoStoreMiddleware:
    """Pages and files that may hold personal data are never kept in a browser's or a
    proxy's cache: everything a logged-in user sees, and every account, report and risk
    page. Public guidance stays cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated or request.path.startswith(PRIVATE_PATHS):
            patch_cache_control(response, no_store=True, private=True)
        return response
