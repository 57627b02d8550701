"""Loads the action plan and its contacts, so a new install holds the whole plan after migrate."""

import re
from pathlib import Path

from django.db import migrations

CONTENT = Path(__file__).resolve().parent.parent / "content" / "handlingsplan.md"

CONTACTS = [
    {
        "key": "112",
        "title": "Polis, ambulans och räddningstjänst",
        "description": "Vid akut fara – SOS Alarm",
        "phone": "112",
        "urgent": True,
    },
    {
        "key": "securitas",
        "title": "Vaktbolaget Securitas",
        "description": "I regionens lokaler",
        "phone": "010-470 55 64",
        "urgent": True,
    },
    {
        "key": "tib",
        "title": "Tjänsteman i Beredskap (TiB)",
        "description": "Vid allvarlig händelse, via regionens växel",
        "phone": "016-103000",
        "urgent": True,
    },
    {
        "key": "polisen",
        "title": "Polisen, när det inte är akut",
        "description": "Polisanmälan och tips",
        "phone": "11414",
        "urgent": True,
    },
    {
        "key": "sakerhetshandlaggare",
        "title": "Säkerhetshandläggare",
        "person": "Joakim Strand",
        "description": "Stöd, rådgivning och uppföljning",
        "phone": "0703-377911",
        "email": "joakim.strand@regionsormland.se",
    },
    {
        "key": "samverkanswebben",
        "title": "Samverkanswebben",
        "description": "Politisk organisation / Personsäkerhet",
        "url": "https://samverkan.regionsormland.se/",
    },
]

PHASES = {"start", "fore", "under", "efter", "kontakt"}
SECTION = re.compile(r"^## (?P<title>.+?) \{#(?P<slug>[\w-]+)\}\s*$")


def parse(text):
    """Yields (phase, slug, title, body) from the content file's headings."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    phase = current = None
    body = []
    for line in text.splitlines():
        if line.startswith("# ") or SECTION.match(line):
            if current:
                yield (phase, *current, "\n".join(body).strip())
            body = []
            current = None
            if line.startswith("# "):
                phase = line[2:].strip()
            else:
                match = SECTION.match(line)
                current = (match["slug"], match["title"])
        elif current:
            body.append(line)
    if current:
        yield (phase, *current, "\n".join(body).strip())


def load(apps, schema_editor):
    Section = apps.get_model("guidance", "Section")
    Contact = apps.get_model("guidance", "Contact")
    for order, contact in enumerate(CONTACTS, start=1):
        Contact.objects.update_or_create(key=contact["key"], defaults={**contact, "order": order})
    # The file's phases only: its contact list (and any other part) is load_plan's to read.
    sections = [s for s in parse(CONTENT.read_text("utf-8")) if s[0] in PHASES]
    for order, (phase, slug, title, body) in enumerate(sections, 1):
        Section.objects.update_or_create(
            slug=slug,
            defaults={
                "phase": phase,
                "title": title,
                "body": body,
                "order": order * 10,
                "status": "publicerad",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("guidance", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
