"""The training modules as part of the action plan's file (# utbildning), for manage.py
load_plan. Without the part the portal keeps the modules it has, if they still fit the new
plan: the sections they show and the contacts they name must be in it."""

import re
from dataclasses import dataclass, field

from guidance.models import Section
from guidance.plan import (
    Entry,
    Part,
    Plan,
    PlanPart,
    Problem,
    contact_keys_used,
    fields,
    heading_problems,
    markdown_problems,
    max_length,
)

from .models import Choice, QuizQuestion, TrainingModule

NAME = "utbildning"
CHOICE = re.compile(r"^- \[(?P<mark>[ xX])\] +(?P<text>.+?) *$")


@dataclass
class Question:
    line: int
    text: str
    explanation: list[tuple[int, str]] = field(default_factory=list)
    choices: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class Module:
    entry: Entry
    is_introduction: bool = False
    sections: list[str] = field(default_factory=list)
    intro: list[tuple[int, str]] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)


def _module(entry: Entry, plan: Plan) -> tuple[Module, list[Problem]]:
    values, rest, problems = fields(entry, ["introduktion", "avsnitt"])
    module = Module(entry)
    if "introduktion" in values:
        number, value = values["introduktion"]
        if value.lower() not in ("ja", "nej"):
            problems.append(Problem(number, "introduktion ska vara ja eller nej."))
        module.is_introduction = value.lower() == "ja"
    if "avsnitt" in values:
        number, value = values["avsnitt"]
        module.sections = [slug.strip().lstrip("#") for slug in value.split(",") if slug.strip()]
        for slug in module.sections:
            if slug not in plan.section_slugs:
                problems.append(Problem(number, f"avsnittet #{slug} finns inte i planen."))
    question = None
    for number, line in rest:
        if line.startswith("### "):
            question = Question(number, line[4:].strip())
            module.questions.append(question)
        elif question is None:
            module.intro.append((number, line))
        elif match := CHOICE.match(line):
            question.choices.append((match["text"], match["mark"] != " "))
        else:
            question.explanation.append((number, line))
    problems += markdown_problems(module.intro, plan.contacts)
    if not module.questions:
        problems.append(
            Problem(entry.line, f"modulen ”{entry.title}” har ingen fråga (### Frågan).")
        )
    for q in module.questions:
        longest = max_length(QuizQuestion, "text") or 0
        if len(q.text) > longest:
            problems.append(Problem(q.line, f"frågan är längre än {longest} tecken."))
        if not any(line.strip() for _, line in q.explanation):
            problems.append(Problem(q.line, "frågan saknar en förklaring, som visas efter svaret."))
        if len(q.choices) < 2 or not any(right for _, right in q.choices):
            problems.append(
                Problem(q.line, "frågan behöver minst två svar och minst ett rätt: ”- [x] …”.")
            )
        problems += markdown_problems(q.explanation, plan.contacts)
    return module, problems


def _text(lines: list[tuple[int, str]]) -> str:
    return "\n".join(line for _, line in lines).strip()


def check(part: Part | None, plan: Plan) -> list[Problem]:
    if part is None:
        return _kept_modules_problems(plan)
    if not part.entries:
        return [Problem(part.line, "# utbildning har ingen modul (## Rubrik {#adress}).")]
    problems = []
    seen: dict[str, int] = {}
    introductions = []
    for entry in part.entries:
        problems += heading_problems(entry, seen, TrainingModule)
        module, faults = _module(entry, plan)
        problems += faults
        if module.is_introduction:
            introductions.append(entry.line)
    if len(introductions) > 1:
        problems.append(Problem(introductions[1], "bara en modul kan vara introduktionen."))
    return problems


def _kept_modules_problems(plan: Plan) -> list[Problem]:
    """The modules the portal keeps must fit the new plan."""
    problems = []
    for module in TrainingModule.objects.prefetch_related("sections", "questions__section"):
        shown_or_cited = {s.slug for s in module.sections.all()} | {
            q.section.slug for q in module.questions.all() if q.section is not None
        }
        missing = sorted(shown_or_cited - plan.section_slugs)
        if missing:
            shown = ", ".join(f"#{slug}" for slug in missing)
            problems.append(
                Problem(
                    None,
                    f"utbildningsmodulen ”{module.title}” visar eller har frågor ur {shown}, "
                    "som planen inte har: ta med avsnittet, eller utbildningen (# utbildning).",
                )
            )
        texts = [module.intro, *(q.explanation for q in module.questions.all())]
        unknown = sorted(contact_keys_used(texts) - plan.contacts.keys())
        if unknown:
            named = ", ".join(f"[[{key}]]" for key in unknown)
            problems.append(
                Problem(
                    None,
                    f"utbildningsmodulen ”{module.title}” nämner {named}, "
                    "som planen inte har: ta med kontakten, eller utbildningen (# utbildning).",
                )
            )
    return problems


def load(part: Part, plan: Plan) -> str:
    """The plan's modules replace the portal's. A module someone has completed is kept, as a
    draft, so that the record of who took it stays (Completion)."""
    modules = [_module(entry, plan)[0] for entry in part.entries]
    slugs = [m.entry.slug for m in modules]
    TrainingModule.objects.filter(is_introduction=True).update(is_introduction=False)
    gone = TrainingModule.objects.exclude(slug__in=slugs)
    gone.filter(completions__isnull=False).update(status=TrainingModule.Status.UTKAST)
    # A module kept as a draft no longer teaches: its questions stop citing sections the new
    # plan does not have, so that those sections can go.
    QuizQuestion.objects.filter(module__in=gone).exclude(
        section__slug__in=plan.section_slugs
    ).update(section=None)
    gone.filter(completions__isnull=True).delete()
    for order, module in enumerate(modules, start=1):
        made, _ = TrainingModule.objects.update_or_create(
            slug=module.entry.slug,
            defaults={
                "title": module.entry.title,
                "intro": _text(module.intro),
                "order": order * 10,
                "status": TrainingModule.Status.PUBLICERAD,
                "is_introduction": module.is_introduction,
            },
        )
        made.sections.set(Section.objects.filter(slug__in=module.sections))
        made.questions.all().delete()
        for number, q in enumerate(module.questions, start=1):
            question = QuizQuestion.objects.create(
                module=made, text=q.text, explanation=_text(q.explanation), order=number * 10
            )
            Choice.objects.bulk_create(
                Choice(question=question, text=text, is_correct=right) for text, right in q.choices
            )
    return f"{len(modules)} utbildningsmoduler"


PART = PlanPart(name=NAME, check=check, load=load)
