from collections.abc import Iterable
from typing import Any

from django import forms
from django.forms import BoundField

from .models import Answer, Assessment, RiskQuestion
from .scoring import Level


class RiskAnswersForm(forms.Form):
    """One radio group and one optional note per question. The fields are named after the
    question's id, so answers carried in hidden fields or copied from an earlier inventory
    land on the same question even if the order has changed. The labels carry the
    question's number, as the form shows it, so that the error summary tells the
    questions (and their notes) apart."""

    NOTE_MAX_LENGTH = 2000

    def __init__(self, questions: Iterable[RiskQuestion], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for number, question in enumerate(self.questions, start=1):
            self.fields[self.level_name(question.pk)] = forms.ChoiceField(
                label=f"{number}. {question.text}",
                help_text=question.help_text,
                choices=Level.choices,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                error_messages={"required": "Välj LÅG, MÅTTLIG eller HÖG."},
            )
            self.fields[self.note_name(question.pk)] = forms.CharField(
                label=f"Anteckning till fråga {number}",
                required=False,
                max_length=self.NOTE_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            )

    @staticmethod
    def level_name(question_pk: int) -> str:
        return f"fraga-{question_pk}"

    @staticmethod
    def note_name(question_pk: int) -> str:
        return f"fraga-{question_pk}-anteckning"

    @classmethod
    def initial_from(cls, assessment: Assessment) -> dict[str, str]:
        """The answers of an earlier inventory, for the questions still asked."""
        initial = {}
        for answer in assessment.answers.all():
            if answer.question_id is not None:
                initial[cls.level_name(answer.question_id)] = answer.level
                initial[cls.note_name(answer.question_id)] = answer.note
        return initial

    def rows(self) -> list[tuple[RiskQuestion, BoundField, BoundField]]:
        """(question, level field, note field) for the template, in the questions' order."""
        return [
            (q, self[self.level_name(q.pk)], self[self.note_name(q.pk)]) for q in self.questions
        ]

    def answers(self) -> list[Answer]:
        """Unsaved Answers, each with the question's current wording and advice."""
        return [
            Answer.for_question(
                q, self.cleaned_data[self.level_name(q.pk)], self.cleaned_data[self.note_name(q.pk)]
            )
            for q in self.questions
        ]


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ["activity", "date", "place"]
        labels = {"activity": "Vad", "date": "När", "place": "Var"}
        help_texts = {
            "activity": "Till exempel mötet, uppdraget eller aktiviteten.",
            "date": "Datum, till exempel 2026-05-14.",
            "place": "Frivilligt. Till exempel lokalen, orten eller ”digitalt”.",
        }
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        error_messages = {
            "activity": {"required": "Skriv vad riskinventeringen gäller."},
            "date": {
                "required": "Skriv när aktiviteten äger rum.",
                "invalid": "Skriv datumet som år-månad-dag, till exempel 2026-05-14.",
            },
        }
