"""The risk inventory's questions as part of the action plan's file (# riskfrågor), for
manage.py load_plan. Without the part the portal keeps the questions it has."""

from guidance.plan import Entry, Part, Plan, PlanPart, Problem, fields, max_length

from .models import RiskQuestion

NAME = "riskfrågor"
FIELDS = {"förklaring": "help_text", "råd vid hög": "high_advice"}


def _question(entry: Entry) -> tuple[dict[str, str], list[Problem]]:
    values, rest, problems = fields(entry, FIELDS)
    for number, line in rest:
        if line.strip():
            problems.append(
                Problem(
                    number, "en riskfråga har bara fälten ”- förklaring:” och ”- råd vid HÖG:”."
                )
            )
    longest = max_length(RiskQuestion, "text") or 0
    if len(entry.title) > longest:
        problems.append(Problem(entry.line, f"frågan är längre än {longest} tecken."))
    if not values.get("råd vid hög", (0, ""))[1]:
        problems.append(Problem(entry.line, f"frågan ”{entry.title}” saknar ”- råd vid HÖG:”."))
    question = {"text": entry.title, **{FIELDS[k]: v for k, (_, v) in values.items()}}
    return question, problems


def check(part: Part | None, plan: Plan) -> list[Problem]:
    if part is None:
        return []
    if not part.entries:
        return [Problem(part.line, "# riskfrågor har ingen fråga (## Frågan).")]
    return [problem for entry in part.entries for problem in _question(entry)[1]]


def load(part: Part, plan: Plan) -> str:
    """The plan's questions replace the portal's. Saved inventories keep their answers: each
    answer holds its question's words as they were (Answer)."""
    RiskQuestion.objects.all().delete()
    RiskQuestion.objects.bulk_create(
        RiskQuestion(order=order * 10, **_question(entry)[0])
        for order, entry in enumerate(part.entries, start=1)
    )
    return f"{len(part.entries)} riskfrågor"


PART = PlanPart(name=NAME, check=check, load=load)
