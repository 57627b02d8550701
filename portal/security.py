"""Who is asking, and for how long a login lasts."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeGuard, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm, FileField, MultipleChoiceField
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control
from django.utils.datastructures import MultiValueDict

from . import crypto

# For the type checker only: the admin's AppConfig (portal.admin_site) imports this module
# before the models can be loaded.
if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request a view behind @login_required gets: its user has logged in."""

    user: User


def client_ip(request: HttpRequest) -> str | None:
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


def has_second_factor(user: User | AnonymousUser) -> bool:
    """Whether this login has given the second factor. django-otp's middleware puts
    is_verified on request.user; a user from anywhere else has not given one."""
    verified = getattr(user, "is_verified", None)
    return verified is not None and verified()


def is_verified_officer(user: User | AnonymousUser) -> TypeGuard[User]:
    """Whether this login may do the security officers' work: read every sent report, its
    files and the shared risk inventories, see the drafts of the training, publish notices.
    An officer is a member of the group Säkerhetshandläggare (User.is_security_officer),
    which neither the role field nor being a superuser makes anyone; and a password alone
    is not enough, the login must have given the second factor."""
    return getattr(user, "is_security_officer", False) and has_second_factor(user)


def verified_officer_required[V: Callable[..., HttpResponseBase]](view: V) -> V:
    """For the officers' own pages: anyone else gets 403. (In the admin, admin_view has
    already sent whoever has not logged in with the second factor to do so.) For a
    ModelAdmin's method, use it through django.utils.decorators.method_decorator."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_verified_officer(request.user):
            raise PermissionDenied("Sidan är till för säkerhetshandläggarna.")
        return view(request, *args, **kwargs)

    return cast(V, checked)


TIMED_OUT_USER = "portal:timed_out_user"
# How long a visitor's answers wait for the login that saves them: long enough to log in,
# short enough that the next person to log in on a shared computer does not get them.
VISITOR_KEEP_SECONDS = 30 * 60


class KeptThroughLogin:
    """What was typed into a page's forms when the login ran out, kept in the session and
    given back after the login: to the same person logging in again, never to the next
    user of the browser. Each page that keeps something has one, named for it
    ("incidents:report"); its session key is kept_through_login:<name>.

    Only the forms' own fields are kept, and of each only a value the field takes: a text
    within its length, a date, one of its choices. So what the session holds is bounded by
    the forms, never by what was sent, which may be megabytes. A value the field refuses is
    left out, and the official is told when it is given back as initial values. A file
    can't be kept without a login.

    Nothing is kept for a visitor who was never logged in, unless the page offers to log in
    to save what was answered (visitors_too): then it goes to the first login within
    VISITOR_KEEP_SECONDS, once."""

    def __init__(self, name: str, *, visitors_too: bool = False) -> None:
        self.session_key = f"kept_through_login:{name}"
        self.visitors_too = visitors_too

    def keep(self, request: HttpRequest, *forms: BaseForm) -> None:
        """Keep what was sent into these forms (bound to the POST)."""
        owner = request.session.get(TIMED_OUT_USER)
        if owner is None and not self.visitors_too:
            return
        values: dict[str, list[Any]] = {}
        left_out: list[str] = []
        for form in forms:
            for name, field in form.fields.items():
                if isinstance(field, FileField):
                    continue
                sent = field.widget.value_from_datadict(
                    form.data, form.files, form.add_prefix(name)
                )
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
        # Encrypted, as the report would be: the sessions lie in the database.
        data = crypto.encrypt_text(json.dumps({"values": values, "left_out": left_out}))
        request.session[self.session_key] = {"owner": owner, "data": data, "kept_at": time.time()}

    def take(self, request: HttpRequest) -> MultiValueDict[str, Any] | None:
        """What was kept, once, as data to bind the forms to again, or None."""
        kept = self._take(request)
        return None if kept is None else MultiValueDict(kept["values"])

    def take_initial(self, request: HttpRequest, form: BaseForm) -> dict[str, Any] | None:
        """What was kept, once, as the form's initial values, or None: a list for a field of
        several choices, one value for the others. What could not be kept is named in a
        message."""
        kept = self._take(request)
        if kept is None:
            return None
        values = kept["values"]
        for name in kept["left_out"]:
            if name in form.fields:
                messages.warning(
                    request,
                    f"Det du fyllde i vid ”{form.fields[name].label}” kunde inte sparas medan "
                    "du loggade in, eftersom det var för långt eller inte i rätt form. Fyll i "
                    "det igen.",
                )
        return {
            name: values[name] if isinstance(field, MultipleChoiceField) else values[name][-1]
            for name, field in form.fields.items()
            if name in values
        }

    def _take(self, request: HttpRequest) -> dict[str, Any] | None:
        kept = request.session.pop(self.session_key, None)
        if not kept or not request.user.is_authenticated:
            return None
        mine = kept["owner"] == request.user.pk
        if not mine and not (
            kept["owner"] is None and time.time() - kept["kept_at"] < VISITOR_KEEP_SECONDS
        ):
            return None
        if isinstance(kept["data"], dict):  # kept before it was encrypted
            return kept["data"]
        try:
            return json.loads(crypto.decrypt_text(kept["data"]))
        except crypto.Unreadable:
            return None  # its key is gone: as if nothing had been kept


class SessionTimeoutMiddleware:
    """Ends a login after a time without activity, and after an absolute time.

    The admin holds every report, so its limits are shorter, and once a session has used
    the admin they hold for the whole session. An official's longer idle time leaves room
    to write a report; if it runs out anyway, the report form keeps what was typed through
    the login."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
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

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.user.is_authenticated or request.path.startswith(PRIVATE_PATHS):
            patch_cache_control(response, no_store=True, private=True)
        return response
