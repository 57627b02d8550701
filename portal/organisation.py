"""The organisation this installation serves: the one place every page, mail, PDF, the admin
and the reference numbers take its names from, so that the same release serves any region
or municipality, each on an installation of its own.

What IT sets once at install comes from the settings (PORTAL_ORGANISATION_NAME,
PORTAL_ORGANISATION_IN_TEXT, PORTAL_NAME, PORTAL_REFERENCE_PREFIX, DEFAULT_FROM_EMAIL,
PORTAL_LOGO); the security officers' unit, which they rename themselves when their
organisation changes, from the admin (SecurityUnit). Templates get it as `organisation`:
pages through the context processor, mails through portal.mail.render, the PDFs from their
views."""

import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, cached_property

# Where the logo is served among the static files, whatever the file is called on the server.
LOGO_PREFIX = "organisation"


def genitive(name: str) -> str:
    """Swedish genitive: Exempel kommuns, regionens; a name ending in s, x or z stays as it
    is (Västerås säkerhetshandläggare)."""
    return name if name[-1:].lower() in "sxz" else name + "s"


class Organisation:
    """The organisation's names as templates and code use them, read when asked for."""

    @property
    def name(self) -> str:
        """As written on its own: "Exempel kommun", "Region Exempel"."""
        return settings.PORTAL_ORGANISATION_NAME

    @property
    def name_genitive(self) -> str:
        return genitive(self.name)

    @property
    def in_text(self) -> str:
        """As written in running text: "rapportera till regionen", "uppdrag i kommunen"."""
        return settings.PORTAL_ORGANISATION_IN_TEXT

    @property
    def in_text_genitive(self) -> str:
        return genitive(self.in_text)

    @property
    def portal_name(self) -> str:
        return settings.PORTAL_NAME

    @property
    def reference_prefix(self) -> str:
        return settings.PORTAL_REFERENCE_PREFIX

    @property
    def from_email(self) -> str:
        return settings.DEFAULT_FROM_EMAIL

    @property
    def logo(self) -> str:
        """The logo's static path, or "" when there is none."""
        return logo_static_path()

    @cached_property
    def security_unit(self) -> str:
        """The security officers' unit, as written in running text: "säkerhets- och
        beredskapsstaben". One query, made only where a template says it."""
        from .models import SecurityUnit

        return SecurityUnit.current().name


def current() -> Organisation:
    return Organisation()


def fingerprint() -> str:
    """Changes when IT changes what the organisation is called: part of the content's version,
    so that no cached page, PDF or copy kept on a phone keeps the old name after a restart."""
    values = [
        settings.PORTAL_ORGANISATION_NAME,
        settings.PORTAL_ORGANISATION_IN_TEXT,
        settings.PORTAL_NAME,
        settings.PORTAL_LOGO,
    ]
    return hashlib.sha256("\n".join(values).encode()).hexdigest()[:8]


def context(request: HttpRequest) -> dict[str, Any]:
    """The context processor: `organisation` on every page."""
    return {"organisation": SimpleLazyObject(current)}


def logo_static_path() -> str:
    return f"{LOGO_PREFIX}/{Path(settings.PORTAL_LOGO).name}" if settings.PORTAL_LOGO else ""


class LogoFinder(BaseFinder):
    """Serves the one file PORTAL_LOGO names as a static file (organisation/<its name>), so
    that the logo is installed without touching the code and without making its directory,
    or anything else in it, public. collectstatic copies it as it copies the others."""

    def find(self, path: str, find_all: bool = False) -> Any:
        if not settings.PORTAL_LOGO or path != logo_static_path():
            return []  # as Django's finders say "not here"
        return [settings.PORTAL_LOGO] if find_all else settings.PORTAL_LOGO

    def list(self, ignore_patterns: Any) -> Any:
        if settings.PORTAL_LOGO:
            logo = Path(settings.PORTAL_LOGO)
            storage = FileSystemStorage(location=logo.parent)
            storage.prefix = LOGO_PREFIX  # type: ignore[attr-defined]
            yield logo.name, storage
