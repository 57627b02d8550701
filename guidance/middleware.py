import hashlib
from collections.abc import Callable
from functools import cache as memoize

from django.conf import settings
from django.core.cache import cache, caches
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse

from .models import content_version

PUBLIC_PAGE_NAMES = ["home", "fore", "under", "efter", "checklist", "contacts", "offline"]
# What an official may need while the database is down: the public pages above, the two
# PDFs and the service worker that keeps the emergency pages on the phone.
EMERGENCY_NAMES = [*PUBLIC_PAGE_NAMES, "plan_pdf", "checklist_pdf", "service_worker"]
# The response headers a kept copy is served with.
KEPT_HEADERS = ["Content-Type", "Content-Disposition", "Cache-Control"]


@memoize
def public_pages() -> frozenset[str]:
    return frozenset(reverse(f"guidance:{name}") for name in PUBLIC_PAGE_NAMES)


@memoize
def emergency_paths() -> frozenset[str]:
    return frozenset(reverse(f"guidance:{name}") for name in EMERGENCY_NAMES)


class PublicPageCacheMiddleware:
    """Serves the guidance pages to visitors without a session from a cache keyed by the
    content's version, before sessions, authentication and the rest are set up: the page
    someone opens under threat must come fast, and it is the same for everyone who is not
    logged in. The middleware above it still adds every security header.

    It also keeps the last good copy of every emergency page, PDF and the service worker,
    as anyone sees them, in the "kept" cache (on disk, or in the Redis the servers share):
    when the database is down (or anything else makes the portal answer with a server
    error) that copy is served instead, to everyone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        path = request.path
        if request.method != "GET" or path not in emergency_paths():
            return self.get_response(request)
        anonymous = not (
            request.COOKIES.get(settings.SESSION_COOKIE_NAME) or request.COOKIES.get("messages")
        )
        if path in public_pages() and anonymous and not request.GET:
            try:
                key = f"guidance:page:{path}:{content_version()}"
            except DatabaseError:
                return self.last_good(path) or self.get_response(request)
            content = cache.get(key)
            if content is not None:
                return HttpResponse(content)
            response = self.get_response(request)
            ok = response.status_code == 200 and not response.cookies
            if ok and isinstance(response, HttpResponse):  # not a streamed one
                cache.set(key, response.content, timeout=3600)
        else:
            response = self.get_response(request)
        if response.status_code >= 500:
            return self.last_good(path) or response
        # A page is kept as a visitor sees it; the PDFs and the worker are the same for all.
        same_for_all = anonymous or path not in public_pages()
        if same_for_all and response.status_code == 200 and not response.cookies:
            self.keep(path, response)
        return response

    def keep(self, path: str, response: HttpResponseBase) -> None:
        if not isinstance(response, HttpResponse):  # streamed: no content to keep
            return
        digest = hashlib.sha256(response.content).hexdigest()
        # The digest of the kept copy is kept beside it, where every process and every server
        # sees it: an unchanged copy is not written again, and a copy that differs from what
        # another server kept last always is.
        kept = caches["kept"]
        if kept.get(f"kept-digest:{path}") != digest:
            headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
            kept.set_many(
                {f"kept:{path}": (response.content, headers), f"kept-digest:{path}": digest},
                timeout=None,
            )

    def last_good(self, path: str) -> HttpResponse | None:
        kept = caches["kept"].get(f"kept:{path}")
        if kept is None:
            return None
        content, headers = kept
        response = HttpResponse(content)
        for name, value in headers.items():
            response[name] = value
        return response
