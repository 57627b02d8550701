from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from .models import Contact, content_version


def _contacts_by_key():
    key = f"guidance:contacts:{content_version()}"
    found = cache.get(key)
    if found is None:
        found = {c.key: c for c in Contact.objects.all()}
        cache.set(key, found, timeout=24 * 3600)
    return found


def contacts(request):
    """The contacts every page shows (the emergency strip, the footer), loaded on first
    use so that responses showing none ask the database nothing."""
    return {"contacts": SimpleLazyObject(_contacts_by_key)}
