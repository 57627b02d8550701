"""Guidance text: Markdown with contact tokens, rendered and sanitised.

Nothing an editor types reaches a page as script: the Markdown's HTML goes
through nh3 with a short allowlist of tags, attributes and URL schemes.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import unescape

import markdown
import nh3
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.html import escape, strip_tags

from .models import Contact, Phase, Section, content_version

TOKEN = re.compile(r"\[\[([\w-]+)(?:\.(name|person|phone|email|url))?\]\]")

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "h3", "h4",
    "blockquote", "code", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def unknown_tokens(text: str, keys: Iterable[str]) -> list[str]:
    return sorted({m.group(1) for m in TOKEN.finditer(text)} - set(keys))


def known_contacts_only(text: str) -> str:
    """A contact is written [[key]] in every text the officers write, and the key must
    exist: a number is never typed twice, and a typo is caught when saving."""
    unknown = unknown_tokens(text, Contact.objects.values_list("key", flat=True))
    if unknown:
        raise ValidationError(
            "Okänd kontakt i texten: %(keys)s. Använd en nyckel från kontaktlistan.",
            params={"keys": ", ".join(f"[[{k}]]" for k in unknown)},
        )
    return text


def _token(contact: Contact | None, field: str | None) -> str:
    if contact is None:
        return "[okänd kontakt]"
    if field == "name":
        return escape(contact.title)
    if field == "person":
        return escape(contact.person or contact.title)
    if field == "email" or (field is None and not contact.phone and not contact.url):
        return f"[{contact.email}](mailto:{contact.email})" if contact.email else ""
    if field == "url" or (field is None and not contact.phone):
        return f"[{contact.url}]({contact.url})" if contact.url else ""
    return f"[{contact.phone}]({contact.tel_href})" if contact.phone else ""


def render(text: str, contacts: Mapping[str, Contact]) -> str:
    """contacts: a dict of Contact by key."""
    text = TOKEN.sub(lambda m: _token(contacts.get(m.group(1)), m.group(2)), text)
    html = markdown.markdown(text, output_format="html")
    # No target attribute is allowed, so links need no rel="noopener".
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
    )


@dataclass(frozen=True)
class RenderedSection:
    phase: str
    slug: str
    title: str
    html: str
    is_draft: bool


def contacts_by_key(version: str | None = None) -> dict[str, Contact]:
    """Every contact by its key, loaded once per content version."""
    key = f"guidance:contacts:{version or content_version()}"
    found = cache.get(key)
    if found is None:
        found = {c.key: c for c in Contact.objects.all()}
        cache.set(key, found, timeout=24 * 3600)
    return found


def rendered_sections(
    phases: list[Phase], *, include_drafts: bool = False
) -> list[RenderedSection]:
    """The sections of the given phases, in order, rendered once per content version."""
    version = content_version()
    key = f"guidance:{version}:{','.join(phases)}:{int(include_drafts)}"
    sections = cache.get(key)
    if sections is None:
        contacts = contacts_by_key(version)
        queryset = Section.objects.filter(phase__in=phases)
        if not include_drafts:
            queryset = queryset.published()
        order = {phase: i for i, phase in enumerate(phases)}
        sections = sorted(
            (
                RenderedSection(s.phase, s.slug, s.title, render(s.body, contacts), s.is_draft)
                for s in queryset
            ),
            key=lambda s: order[s.phase],
        )
        cache.set(key, sections, timeout=24 * 3600)
    return sections


def checklist(*, include_drafts: bool = False) -> list[RenderedSection]:
    """The plan's CHECKLISTA (direkt efter akut händelse), for every page that shows it."""
    sections = rendered_sections([Phase.EFTER], include_drafts=include_drafts)
    return [s for s in sections if s.slug == "checklista"]


def words(text: str) -> str:
    """A text as its words only, in lower case with one space between: the plan's wording
    whatever its markup, punctuation, capitals and line breaks."""
    return " ".join(re.findall(r"\w+", unescape(strip_tags(text)).casefold()))


def says(rendered: str, phrase: str) -> bool:
    """Whether a rendered text holds the phrase word for word, as whole words."""
    wanted = words(phrase)
    return bool(wanted) and f" {wanted} " in f" {words(rendered)} "
