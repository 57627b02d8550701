"""The portal is the plan's samverkanswebb for reports: every "rapportera till regionen" in
the initial content leads to the report form. And 11414 is not an emergency number, so it
leaves the "Ring först" buttons on Under; the plan gives it for the calmer stage and the
police report, where the text keeps it.

Only the initial wording is replaced: a sentence the security officer has already rewritten
is left as it is."""

from django.db import migrations

REPLACEMENTS = {
    "inledning": [
        (
            "Mer information, utbildningar och möjlighet att rapportera händelser finns på "
            "samverkanswebben",
            "Mer information, utbildningar och möjlighet att [rapportera händelser](/rapportera/) "
            "finns på samverkanswebben",
        ),
    ],
    "ansvarsfordelning": [
        (
            "Har ett eget ansvar att rapportera händelser av hot, hat och våldskaraktär till "
            "regionen och",
            "Har ett eget ansvar att [rapportera händelser av hot, hat och våldskaraktär till "
            "regionen](/rapportera/) och",
        ),
    ],
    "skall-ta-del-av": [
        (
            "genomföra utbildningar och rapportera händelser via samverkanswebben",
            "genomföra utbildningar och [rapportera händelser](/rapportera/) via samverkanswebben",
        ),
    ],
    "rapport-till-regionen": [
        (
            "detta görs via samverkanswebben, [se kontaktuppgifter](/kontakt/#mer-information) – "
            "eller här i portalen: [Rapportera händelse](/rapportera/).",
            "detta görs via samverkanswebben: [Rapportera händelse](/rapportera/).",
        ),
    ],
    "mer-information": [
        (
            "eller använd QR-koden på handlingsplanens baksida.",
            "eller använd QR-koden på handlingsplanens baksida, som öppnar Personsäkerhetsportalen.",
        ),
    ],
    "checklista": [
        (
            "- Rapportera händelsen till regionen via samverkanswebben",
            "- [Rapportera händelsen till regionen](/rapportera/) via samverkanswebben",
        ),
    ],
}


def rewrite(apps, *, undo):
    """Each section's initial wording replaced (or, undoing, put back); saved, so that the
    content's version changes and no cached page or PDF keeps the old text."""
    Section = apps.get_model("guidance", "Section")
    Contact = apps.get_model("guidance", "Contact")
    for section in Section.objects.filter(slug__in=REPLACEMENTS):
        body = section.body
        for old, new in REPLACEMENTS[section.slug]:
            body = body.replace(new, old) if undo else body.replace(old, new)
        if body != section.body:
            section.body = body
            section.save()
    for contact in Contact.objects.filter(key="polisen", urgent=not undo):
        contact.urgent = undo
        contact.save()


def forward(apps, schema_editor):
    rewrite(apps, undo=False)


def backward(apps, schema_editor):
    rewrite(apps, undo=True)


class Migration(migrations.Migration):
    dependencies = [("guidance", "0002_initial_content")]
    operations = [migrations.RunPython(forward, backward)]
