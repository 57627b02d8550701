from collections.abc import Iterable
from typing import Any

from django import forms
from django.forms import BoundField

from .models import QuizQuestion


class QuizAnswersForm(forms.Form):
    """One field per question: radio buttons when one answer is right, checkboxes when
    several are. A wrong answer is an error on its question, so that the error summary
    links to it and the answers given stay chosen for the next try."""

    WRONG = "Fel svar. Läs förklaringen och försök igen."

    def __init__(self, questions: Iterable[QuizQuestion], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        # question pk: True (rätt) or False (fel), once checked
        self.verdicts: dict[int, bool] = {}
        for number, question in enumerate(self.questions, start=1):
            choices = [(str(c.pk), c.text) for c in question.choices.all()]
            field: forms.ChoiceField
            if question.has_one_answer:
                field = forms.ChoiceField(
                    widget=forms.RadioSelect,
                    error_messages={"required": "Välj ett svar."},
                )
            else:
                field = forms.MultipleChoiceField(
                    widget=forms.CheckboxSelectMultiple,
                    error_messages={"required": "Välj ett eller flera svar."},
                )
            field.choices = choices
            field.label = f"Fråga {number}"
            self.fields[self.field_name(question)] = field

    @staticmethod
    def field_name(question: QuizQuestion) -> str:
        return f"fraga-{question.pk}"

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for question in self.questions:
            name = self.field_name(question)
            if name not in cleaned:
                continue  # not answered: the field's own error says so
            chosen = cleaned[name]
            chosen = [chosen] if isinstance(chosen, str) else chosen
            self.verdicts[question.pk] = question.is_answered_by(chosen)
            if not self.verdicts[question.pk]:
                self.add_error(name, self.WRONG)
        return cleaned

    @property
    def wrong_count(self) -> int:
        return sum(not right for right in self.verdicts.values())

    def summary_note(self) -> str:
        if not self.wrong_count:
            return ""
        return (
            f"{self.wrong_count} av {len(self.questions)} svar är fel. Dina svar står kvar: "
            "läs förklaringarna, ändra svaren och skicka igen."
        )

    def rows(self) -> list[tuple[int, QuizQuestion, BoundField, bool | None]]:
        """(number, question, field, verdict) for the template; verdict is None until the
        question has been answered."""
        return [
            (n, q, self[self.field_name(q)], self.verdicts.get(q.pk))
            for n, q in enumerate(self.questions, start=1)
        ]
