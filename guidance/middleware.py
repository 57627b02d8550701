from functools import cache as memoize

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import reverse

from .models import content_version

PUBLIC_PAGE_NAMES = ["home", "fore", "under", "efter", "checklist", "contacts", "offline"]


@memoize
def public_pages():
    return frozenset(reverse(f"guidance:{name}") for name in PUBLIC_PAGE_NAMES)


class PublicPageCacheMiddleware:
    """Serves the guidance pages to visitors without a session from a cache keyed by the
    content's version, before sessions, authentication and the rest are set up: the page
    someone opens under threat must come fast, and it is the same for everyone who is not
    logged in. The middleware above it still adds every security header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method != "GET"
            or request.path not in public_pages()
            or request.GET
            or request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            or request.COOKIES.get("messages")
        ):
            return self.get_response(request)
        key = f"guidance:page:{request.path}:{content_version()}"
        content = cache.get(key)
        if content is not None:
            return HttpResponse(content)
        response = self.get_response(request)
        if response.status_code == 200 and not response.cookies:
            cache.set(key, response.content, timeout=3600)
        return response
