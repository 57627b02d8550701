"""Count the statistics again from the reports (incidents.counts), for the operators: after the
reports alone have been restored from a backup, after an import that wrote reports past the
portal's verbs, or when the log says the counts do not add up. A whole backup of the database
holds the counts with the reports and needs none of this.

    manage.py recount_statistics           # prints the differences, and counts again
    manage.py recount_statistics --check   # prints the differences; exit code 1 if any

It reads every sent report, once for each kind of count: seconds at a million reports, while
sending and triage wait (on PostgreSQL) and the statistics page still answers.
"""

from django.core.management.base import BaseCommand, CommandError

from incidents import counts
from incidents.models import Incident
from portal.words import counted

# How the keys of each kind of count are written in the differences.
KEY_NAMES = {
    counts.AnswerCount: ["kanal", "allvarlighet", "status", "vet vem det var", "polisanmälan"],
    counts.ListCount: ["vad det var", "följder"],
    counts.MonthCount: ["månad"],
}
VALUE_NAMES = {"n": "rapporter", "triaged": "bedömda", "closed": "avslutade"}


def described(difference: counts.Difference) -> str:
    year, *rest = difference.key
    key = ", ".join(
        f"{name} {value or '–'}"
        for name, value in zip(KEY_NAMES[difference.table], rest, strict=True)
    )
    names = VALUE_NAMES if difference.table is counts.AnswerCount else {"n": "rapporter"}

    def values(found: dict[str, int] | None) -> str:
        return ", ".join(f"{label} {(found or {}).get(name, 0)}" for name, label in names.items())

    return (
        f"{year}, {key}: i rapporterna {values(difference.counted)}; "
        f"i statistiken {values(difference.stored)}"
    )


class Command(BaseCommand):
    help = (
        "Räknar statistiken över händelserapporter på nytt från rapporterna och visar "
        "skillnaderna mot den sparade. Med --check ändras inget, och koden blir 1 om något skiljer."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Jämför bara: ändra inget, avsluta med kod 1 om statistiken inte stämmer.",
        )

    def handle(self, *args, check=False, **options):
        differences = counts.recount(Incident.objects.all(), rebuild=not check)
        sent = counted(
            Incident.objects.submitted().count(), "skickad rapport", "skickade rapporter"
        )
        if not differences:
            self.stdout.write(f"Statistiken stämmer med rapporterna ({sent}).")
            return
        for difference in differences:
            self.stdout.write(described(difference))
        found = counted(len(differences), "skillnad", "skillnader")
        if check:
            raise CommandError(
                f"Statistiken stämmer inte med rapporterna: {found}. "
                "Kör manage.py recount_statistics för att räkna om den.",
                returncode=1,
            )
        self.stdout.write(f"{found} rättade: statistiken är räknad på nytt från {sent}.")
