"""The action plan as a file, as an organisation loads it with manage.py load_plan FILE.md
(the format of guidance/content/handlingsplan.md, described at its top).

A file is read whole and checked before anything is changed: every phase there, every
[[contact]] known, nothing in the Markdown that the pages would not show as written (HTML,
images, links other than http, https, mailto, tel or the portal's own). A file with any fault
is refused with the line of each, and changes nothing. A good one replaces the sections and
the contacts in one transaction, with the other parts it carries.

The parts above guidance (the risk questions, the training modules) read and load their own
part of the file: each registers itself from its AppConfig.ready(), as it adds its share of
gallra, so that guidance knows none of them. A part whose file has none keeps what it has,
and its check says whether that still fits the new plan (a module that shows a section the
new plan does not have, a notice that names a contact it drops)."""

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser

import markdown
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import models, transaction

from .models import Contact, Phase, Section
from .rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, TOKEN, URL_SCHEMES

# The contacts part of the file, beside the phases.
CONTACTS = "kontaktlista"
# What the portal's own pages are made of, whatever the plan: the checklist page and card
# show the section #checklista of Efter; the footer and the risk inventory's advice name the
# security officer.
REQUIRED_SECTIONS = {"checklista": Phase.EFTER}
REQUIRED_CONTACTS = {"sakerhetshandlaggare"}

HEADING = re.compile(r"^## +(?P<title>.+?)(?: +\{#(?P<slug>[^}\s]*)\})? *$")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
FIELD = re.compile(r"^- +(?P<name>[^:]+?) *: *(?P<value>.*?) *$")


@dataclass(frozen=True)
class Problem:
    """A fault in the file, on its line; line None for what the portal holds already."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"rad {self.line}: {self.message}" if self.line else self.message


@dataclass
class Entry:
    """A ## heading and the lines under it, each with its number in the file."""

    line: int
    title: str
    slug: str | None
    lines: list[tuple[int, str]] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n".join(text for _, text in self.lines).strip()


@dataclass
class Part:
    """A # heading: a phase, the contact list, or another part such as the risk questions."""

    name: str
    line: int
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Plan:
    """The file read: its parts, and the sections and contacts it holds."""

    parts: dict[str, Part]
    sections: list[tuple[str, Entry]]
    contacts: dict[str, Contact]

    @property
    def section_slugs(self) -> set[str]:
        return {entry.slug for _, entry in self.sections if entry.slug}


@dataclass(frozen=True)
class PlanPart:
    """An app's share of the plan. check(part, plan) gives the faults: part is None when the
    file has none, and the app keeps what it has. load(part, plan) replaces it, inside
    load_plan's transaction, and says what it loaded ("11 riskfrågor")."""

    check: Callable[[Part | None, Plan], list[Problem]]
    name: str | None = None
    load: Callable[[Part, Plan], str] | None = None


_parts: list[PlanPart] = []


def register(part: PlanPart) -> None:
    _parts.append(part)


# Reading


def numbered_lines(text: str) -> tuple[list[tuple[int, str]], list[Problem]]:
    """The file's lines with their numbers, HTML comments blanked (their lines kept, so that
    the numbers stay the file's)."""
    problems = []
    start = text.find("<!--")
    while start != -1:
        end = text.find("-->", start + 4)
        if end == -1:
            line = text.count("\n", 0, start) + 1
            problems.append(Problem(line, "en kommentar <!-- stängs aldrig med -->."))
            text = text[:start]
            break
        comment = text[start : end + 3]
        text = text[:start] + "\n" * comment.count("\n") + text[end + 3 :]
        start = text.find("<!--", start)
    return list(enumerate(text.splitlines(), start=1)), problems


def read_parts(text: str) -> tuple[dict[str, Part], list[Problem]]:
    lines, problems = numbered_lines(text)
    parts: dict[str, Part] = {}
    part: Part | None = None
    for number, line in lines:
        if line.startswith("# ") or line == "#":
            name = line[1:].strip()
            if name in parts:
                problems.append(
                    Problem(number, f"delen ”# {name}” finns redan på rad {parts[name].line}.")
                )
            part = parts.setdefault(name, Part(name, number))
            continue
        if line.startswith("## ") and not line.startswith("###"):
            match = HEADING.match(line)
            if part is None:
                problems.append(Problem(number, "en rubrik före första delen (# start)."))
            elif match:
                part.entries.append(Entry(number, match["title"].strip(), match["slug"]))
            else:
                problems.append(Problem(number, "rubriken är tom: skriv ”## Rubrik {#adress}”."))
            continue
        if part is not None and part.entries:
            part.entries[-1].lines.append((number, line))
        elif line.strip():
            where = f"under ”# {part.name}” före dess första ##-rubrik" if part else "före # start"
            problems.append(Problem(number, f"text {where}: den hör inte till något avsnitt."))
    return parts, problems


def fields(
    entry: Entry, names: Iterable[str]
) -> tuple[dict[str, tuple[int, str]], list[tuple[int, str]], list[Problem]]:
    """The entry's leading "- namn: värde" lines, by name, with the lines after them and the
    faults: a name not among those given, or given twice."""
    known = set(names)
    values: dict[str, tuple[int, str]] = {}
    problems = []
    rest = list(entry.lines)
    while rest and (not rest[0][1].strip() or FIELD.match(rest[0][1])):
        number, line = rest.pop(0)
        if not line.strip():
            if values:
                break
            continue
        match = FIELD.match(line)
        assert match
        name = match["name"].strip().lower()
        if name not in known:
            listed = ", ".join(sorted(known))
            problems.append(Problem(number, f"okänt fält ”{name}”; kända fält: {listed}."))
        elif name in values:
            problems.append(Problem(number, f"fältet ”{name}” står två gånger."))
        else:
            values[name] = (number, match["value"])
    return values, rest, problems


def read(text: str) -> tuple[Plan, list[Problem]]:
    """The plan in the text, and every fault in it (none: it may be loaded)."""
    parts, problems = read_parts(text)
    known = {*Phase.values, CONTACTS, *(p.name for p in _parts if p.name)}
    for part in parts.values():
        if part.name not in known:
            listed = ", ".join(
                f"# {name}"
                for name in [*Phase.values, CONTACTS] + sorted(p.name for p in _parts if p.name)
            )
            problems.append(Problem(part.line, f"okänd del ”# {part.name}”; kända: {listed}."))
    contacts, contact_problems = read_contacts(parts.get(CONTACTS))
    problems += contact_problems
    plan = Plan(parts=parts, sections=[], contacts=contacts)
    problems += read_sections(plan)
    for plan_part in _parts:
        problems += plan_part.check(parts.get(plan_part.name) if plan_part.name else None, plan)
    return plan, sorted(problems, key=lambda p: (p.line is None, p.line or 0))


def read_sections(plan: Plan) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    for phase in Phase.values:
        part = plan.parts.get(phase)
        if part is None:
            problems.append(Problem(None, f"fasen ”# {phase}” saknas: planen ska ha alla faser."))
            continue
        if not part.entries:
            problems.append(Problem(part.line, f"fasen ”# {phase}” har inget avsnitt."))
        for entry in part.entries:
            problems += heading_problems(entry, seen, Section)
            if not entry.body:
                problems.append(Problem(entry.line, f"avsnittet ”{entry.title}” har ingen text."))
            problems += markdown_problems(entry.lines, plan.contacts)
            plan.sections.append((phase, entry))
    for slug, phase in REQUIRED_SECTIONS.items():
        if not any(p == phase and e.slug == slug for p, e in plan.sections):
            problems.append(
                Problem(
                    None,
                    f"avsnittet {{#{slug}}} saknas under ”# {phase}”: portalens sidor visar det.",
                )
            )
    return problems


def max_length(model: type[models.Model], name: str) -> int | None:
    column = model._meta.get_field(name)
    return column.max_length if isinstance(column, models.Field) else None


def heading_problems(
    entry: Entry, seen: dict[str, int], model: type[models.Model], title_field: str = "title"
) -> list[Problem]:
    problems = []
    if not entry.slug:
        problems.append(
            Problem(
                entry.line, f"rubriken saknar sin adress: skriv ”## {entry.title} {{#adress}}”."
            )
        )
    elif not SLUG.fullmatch(entry.slug):
        problems.append(
            Problem(
                entry.line,
                f"adressen {{#{entry.slug}}} får bara ha a–z, siffror och bindestreck.",
            )
        )
    elif entry.slug in seen:
        problems.append(
            Problem(
                entry.line, f"adressen {{#{entry.slug}}} finns redan på rad {seen[entry.slug]}."
            )
        )
    else:
        seen[entry.slug] = entry.line
    longest = max_length(model, title_field)
    if longest and len(entry.title) > longest:
        problems.append(Problem(entry.line, f"rubriken är längre än {longest} tecken."))
    return problems


CONTACT_FIELDS = {
    "namn": "person",
    "beskrivning": "description",
    "telefon": "phone",
    "e-post": "email",
    "webb": "url",
    "nödnummer": "urgent",
}
PHONE = re.compile(r"\+?[0-9][0-9 ()-]*[0-9]")


def read_contacts(part: Part | None) -> tuple[dict[str, Contact], list[Problem]]:
    if part is None:
        return {}, [Problem(None, f"delen ”# {CONTACTS}” saknas: planens kontakter står där.")]
    contacts: dict[str, Contact] = {}
    problems = []
    seen: dict[str, int] = {}
    for entry in part.entries:
        problems += heading_problems(entry, seen, Contact)
        values, rest, faults = fields(entry, CONTACT_FIELDS)
        problems += faults
        for number, line in rest:
            if line.strip():
                problems.append(
                    Problem(number, "en kontakt har bara fält: ”- telefon: 010-123 45 67”.")
                )
        contact = Contact(key=entry.slug or "", title=entry.title)
        for name, (number, value) in values.items():
            attribute = CONTACT_FIELDS[name]
            if attribute == "urgent":
                if value.lower() not in ("ja", "nej"):
                    problems.append(Problem(number, "nödnummer ska vara ja eller nej."))
                contact.urgent = value.lower() == "ja"
                continue
            longest = max_length(Contact, attribute)
            if longest and len(value) > longest:
                problems.append(Problem(number, f"{name} är längre än {longest} tecken."))
            problem = _contact_value_problem(name, value)
            if problem:
                problems.append(Problem(number, problem))
            setattr(contact, attribute, value)
        if not (contact.phone or contact.email or contact.url):
            problems.append(
                Problem(
                    entry.line, f"kontakten ”{entry.title}” har varken telefon, e-post eller webb."
                )
            )
        if entry.slug:
            contacts[entry.slug] = contact
    for key in REQUIRED_CONTACTS - contacts.keys():
        problems.append(
            Problem(
                part.line, f"kontakten {{#{key}}} saknas: sidfoten och riskinventeringen visar den."
            )
        )
    return contacts, problems


def _contact_value_problem(name: str, value: str) -> str | None:
    validators: dict[str, Callable[[str], None]] = {
        "e-post": EmailValidator(),
        "webb": URLValidator(schemes=["http", "https"]),
    }
    if name == "telefon" and not PHONE.fullmatch(value):
        return f"telefon ”{value}” är inget telefonnummer: siffror, mellanslag, bindestreck."
    if name in validators:
        try:
            validators[name](value)
        except ValidationError:
            return f"{name} ”{value}” är ingen giltig adress."
    return None


# The Markdown


HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^>]*)?/?>")
CODE_SPAN = re.compile(r"`[^`]*`")
LINK_TARGETS = [
    re.compile(r"\]\(\s*<?(?P<url>[^)\s>]+)"),  # [text](url)
    re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(?P<url>\S+?)>?(?:\s|$)"),  # [id]: url
    re.compile(r"<(?P<url>[A-Za-z][A-Za-z0-9+.-]*:[^>\s]*)>"),  # <scheme:...>
]
SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):")
ANY_TOKEN = re.compile(r"\[\[[^\]]*\]\]")
LINKS_ALLOWED = "bara http, https, mailto och tel, eller en adress i portalen som /rapportera/"


def markdown_problems(lines: list[tuple[int, str]], contacts: dict[str, Contact]) -> list[Problem]:
    """What in these lines of Markdown the pages would not show as written: HTML, images, a
    link of another kind than http, https, mailto, tel or the portal's own, a [[contact]] that
    the plan does not have. What the lines miss, the text rendered as the pages render it
    catches, on the text's first line."""
    problems = []
    for number, line in lines:
        visible = CODE_SPAN.sub("", line)
        for match in ANY_TOKEN.finditer(visible):
            token = TOKEN.fullmatch(match[0])
            if token is None:
                problems.append(
                    Problem(
                        number,
                        f"{match[0]} går inte att läsa: skriv [[nyckel]] eller [[nyckel.name]], "
                        "[[nyckel.person]], [[nyckel.phone]], [[nyckel.email]], [[nyckel.url]].",
                    )
                )
            elif token[1] not in contacts:
                problems.append(
                    Problem(number, f"okänd kontakt [[{token[1]}]]: den finns inte i # {CONTACTS}.")
                )
        if tag := HTML_TAG.search(visible):
            problems.append(Problem(number, f"HTML ({tag[0]}) visas inte: skriv Markdown."))
        if "![" in visible:
            problems.append(Problem(number, "bilder kan inte visas i planen."))
        for pattern in LINK_TARGETS:
            for match in pattern.finditer(visible):
                if problem := _link_problem(match["url"]):
                    problems.append(Problem(number, problem))
    if not problems and lines:
        problems = [Problem(lines[0][0], p) for p in _rendered_problems(lines, contacts)]
    return problems


def _link_problem(url: str) -> str | None:
    # What a browser makes of it: entities decoded, spaces and control characters dropped.
    plain = re.sub(r"[\x00-\x20]", "", html.unescape(url))
    scheme = SCHEME.match(plain)
    if scheme and scheme["scheme"].lower() not in URL_SCHEMES:
        return f"länken {url} går inte att använda: {LINKS_ALLOWED}."
    if plain.startswith("//"):
        return f"länken {url} saknar http:// eller https://."
    return None


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"texten blir <{tag}>, som inte visas: skriv Markdown.")
        for name, value in attrs:
            if name not in ALLOWED_ATTRIBUTES.get(tag, set()):
                self.problems.append(f"texten får attributet {name} på <{tag}>, som inte visas.")
            elif name == "href" and (problem := _link_problem(value or "")):
                self.problems.append(problem)


def _rendered_problems(lines: list[tuple[int, str]], contacts: dict[str, Contact]) -> list[str]:
    text = "\n".join(line for _, line in lines)
    # As render() makes it, up to its sanitiser: whatever that would take away is a fault.
    with_contacts = TOKEN.sub(lambda m: m[0] if m[1] not in contacts else "kontakt", text)
    parser = _Tags()
    parser.feed(markdown.markdown(with_contacts, output_format="html"))
    parser.close()
    return list(dict.fromkeys(parser.problems))


def contact_keys_used(texts: Iterable[str]) -> set[str]:
    return {match[1] for text in texts for match in TOKEN.finditer(text)}


# Loading


def load(plan: Plan) -> list[str]:
    """Replace the sections and contacts with the plan's, and each part the file carries, in
    one transaction. Returns what was loaded, one line a part."""
    summary = []
    with transaction.atomic():
        for order, (key, contact) in enumerate(plan.contacts.items(), start=1):
            values = {
                "title": contact.title,
                "person": contact.person,
                "description": contact.description,
                "phone": contact.phone,
                "email": contact.email,
                "url": contact.url,
                "urgent": contact.urgent,
                "order": order,
            }
            Contact.objects.update_or_create(key=key, defaults=values)
        Contact.objects.exclude(key__in=plan.contacts).delete()
        for order, (phase, entry) in enumerate(plan.sections, start=1):
            Section.objects.update_or_create(
                slug=entry.slug,
                defaults={
                    "phase": phase,
                    "title": entry.title,
                    "body": entry.body,
                    "order": order * 10,
                    "status": Section.Status.PUBLICERAD,
                },
            )
        summary.append(f"{len(plan.sections)} avsnitt, {len(plan.contacts)} kontakter")
        for plan_part in _parts:
            if plan_part.name and plan_part.load and (part := plan.parts.get(plan_part.name)):
                summary.append(plan_part.load(part, plan))
        # Last, when the parts no longer cite the sections the plan does not have (a training
        # question cites the section its answer comes from, and keeps it from being deleted).
        Section.objects.exclude(slug__in=plan.section_slugs).delete()
    return summary
