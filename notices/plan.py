"""The notices keep their text when an organisation loads a new plan (manage.py load_plan):
the contacts they name must be in it."""

from guidance.plan import Part, Plan, PlanPart, Problem, contact_keys_used

from .models import Notice


def check(part: Part | None, plan: Plan) -> list[Problem]:
    problems = []
    for notice in Notice.objects.only("title", "body"):
        unknown = sorted(contact_keys_used([notice.body]) - plan.contacts.keys())
        if unknown:
            problems.append(
                Problem(
                    None,
                    f"informationen ”{notice.title}” i Aktuellt nämner "
                    f"{', '.join(f'[[{k}]]' for k in unknown)}, som planen inte har: ta med "
                    "kontakten, eller ändra informationen först.",
                )
            )
    return problems


PART = PlanPart(check=check)
