from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from guidance import plan


class Command(BaseCommand):
    help = (
        "Läser in en handlingsplan (i formatet i guidance/content/handlingsplan.md): avsnitten, "
        "kontakterna och, där filen har dem, riskfrågorna och utbildningsmodulerna. Filen "
        "kontrolleras först; har den fel ändras ingenting."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Planen, en Markdown-fil i UTF-8.")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Kontrollera bara filen och säg vad som skulle läsas in; ändra ingenting.",
        )

    def handle(self, *args, file, check=False, **options):
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Kan inte läsa {file}: {exc.strerror or exc}.") from None
        except UnicodeDecodeError as exc:
            line = exc.object[: exc.start].count(b"\n") + 1
            raise CommandError(
                f"{file}: rad {line} är inte UTF-8. Spara filen som UTF-8."
            ) from None
        read, problems = plan.read(text)
        if problems:
            for problem in problems:
                self.stderr.write(f"{file}: {problem}")
            raise CommandError(
                f"Planen lästes inte in: {len(problems)} fel i {file}. Ingenting är ändrat."
            )
        if check:
            self.stdout.write(f"{file} går att läsa in. Ingenting är ändrat (--check).")
            return
        summary = plan.load(read)
        self.stdout.write(f"Inläst från {file}: " + "; ".join(summary) + ".")
