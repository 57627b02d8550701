"""Who is asking, and for how long a login lasts."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
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


def has_second_factor(user):
    """Whether this login has given the second factor. django-otp's middleware puts
    is_verified on request.user; a user from anywhere else has not given one."""
    verified = getattr(user, "is_verified", None)
    return verified is not None and verified()


TIMED_OUT_USER = "portal:timed_out_user"
# How long a visitor's answers wait for the login that saves them: long enough to log in,
# short enough that the next person to log in on a shared computer does not get them.
VISITOR_KEEP_SECONDS = 30 * 60


def keep_until_login(request, key, data, *, visitor_too=False):
    """Keep what an official typed when their login ran out, for them alone: it is given
    back only to the same person logging in again, never to the next user of the browser.

    Nothing is kept for a visitor who was never logged in, unless the page offers to log
    in to save what was answered (visitor_too): then it goes to the first login within
    VISITOR_KEEP_SECONDS, once."""
    owner = request.session.get(TIMED_OUT_USER)
    if owner is not None or visitor_too:
        request.session[key] = {"owner": owner, "data": data, "kept_at": time.time()}


def take_kept(request, key):
    kept = request.session.pop(key, None)
    if not kept or not request.user.is_authenticated:
        return None
    if kept["owner"] == request.user.pk:
        return kept["data"]
    if kept["owner"] is None and time.time() - kept.get("kept_at", 0) < VISITOR_KEEP_SECONDS:
        return kept["data"]
    return None


def keep_post_until_login(request, key, form):
    """Keep what was typed into a form (bound to the POST) through the login.

    Only the form's own fields, and of each only a value the field takes: a text within
    its length, a date, one of its choices. So what the session holds is bounded by the
    form, never by what was sent, which may be megabytes. A value the field refuses is
    left out, and the official is told when it is given back (kept_initial). Nothing is
    kept for a visitor who was never logged in (keep_until_login)."""
    if request.session.get(TIMED_OUT_USER) is None:
        return
    values, left_out = {}, []
    for name, field in form.fields.items():
        if isinstance(field, FileField):
            continue  # a file can't be kept without a login
        sent = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        if sent in field.empty_values:
            continue
        try:
            cleaned = field.clean(sent)
        except ValidationError:
            left_out.append(name)
            continue
        if isinstance(field, MultipleChoiceField):
            values[name] = list(dict.fromkeys(cleaned))
        elif isinstance(cleaned, str):
            values[name] = [cleaned]
        else:  # a date, a time, a number: as it was written, which the field has read
            values[name] = [str(sent).strip()]
    keep_until_login(request, key, {"values": values, "left_out": left_out})


def kept_initial(request, key, form):
    """What keep_post_until_login kept, as the form's initial values, or None: a list for a
    field of several choices, one value for the others. What could not be kept is named
    in a message."""
    data = take_kept(request, key)
    if not data:
        return None
    # .get: what a session kept in the older form, before a deploy, is not given back.
    values, left_out = data.get("values", {}), data.get("left_out", [])
    for name in left_out:
        if name in form.fields:
            messages.warning(
                request,
                f"Det du fyllde i vid ”{form.fields[name].label}” kunde inte sparas medan du "
                "loggade in, eftersom det var för långt eller inte i rätt form. Fyll i det igen.",
            )
    return {
        name: values[name] if isinstance(field, MultipleChoiceField) else values[name][-1]
        for name, field in form.fields.items()
        if name in values
    }


class SessionTimeoutMiddleware:
    """Ends a login after a time without activity, and after an absolute time.

    The admin holds every report, so its limits are shorter, and once a session has used
    the admin they hold for the whole session. An official's longer idle time leaves room
    to write a report; if it runs out anyway, the report form keeps what was typed through
    the login."""

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
