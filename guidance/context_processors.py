from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .rendering import contacts_by_key


def contacts(request: HttpRequest) -> dict[str, Any]:
    """The contacts every page shows (the emergency strip, the footer), loaded on first
    use so that responses showing none ask the database nothing."""
    return {"contacts": SimpleLazyObject(contacts_by_key)}
