from datetime import datetime, timedelta
from typing import Any, Self

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from portal.models import User

from .scoring import Level, Result, assess


class RiskQuestionQuerySet(models.QuerySet["RiskQuestion"]):
    def active(self) -> Self:
        return self.filter(is_active=True)


class RiskQuestion(models.Model):
    text = models.CharField("fråga", max_length=300)
    help_text = models.TextField("förklaring", blank=True, help_text="Visas under frågan.")
    high_advice = models.TextField(
        "råd vid HÖG",
        help_text="Ett kort, konkret råd som visas bredvid svaret när någon svarar HÖG.",
    )
    order = models.PositiveIntegerField("ordning", default=0)
    is_active = models.BooleanField(
        "aktiv",
        default=True,
        help_text="Inaktiva frågor visas inte i nya riskinventeringar. Sparade svar finns kvar.",
    )
    updated_at = models.DateTimeField("senast ändrad", auto_now=True)

    objects = RiskQuestionQuerySet.as_manager()

    class Meta:
        verbose_name = "fråga"
        verbose_name_plural = "frågor"
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def owned_by(self, user: User) -> Self:
        return self.filter(owner=user)

    def shared(self) -> Self:
        return self.filter(shared_at__isnull=False)

    def with_answers(self) -> Self:
        return self.prefetch_related("answers")

    def past_retention(self, now: datetime) -> Self:
        """Inventories nobody has changed for the retention period, shared or not."""
        days = settings.PORTAL_RETENTION_RISK_ASSESSMENT_DAYS
        return self.filter(updated_at__lt=now - timedelta(days=days))


class Assessment(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="risk_assessments",
        verbose_name="förtroendevald",
    )
    activity = models.CharField(
        "vad", max_length=200, help_text="Mötet, uppdraget eller aktiviteten."
    )
    date = models.DateField("när")
    place = models.CharField("var", max_length=200, blank=True)
    shared_at = models.DateTimeField("delad med säkerhetshandläggare", null=True, blank=True)
    created_at = models.DateTimeField("skapad", auto_now_add=True)
    updated_at = models.DateTimeField("senast ändrad", auto_now=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = "riskinventering"
        verbose_name_plural = "riskinventeringar"
        ordering = ["-date", "-created_at"]

    def __str__(self):
        return f"{self.activity} ({self.date:%Y-%m-%d})"

    @classmethod
    @transaction.atomic
    def record(cls, owner: User, answers: list["Answer"], **activity: Any) -> "Assessment":
        """Saves the answers, each an unsaved Answer, for an activity."""
        assessment = cls.objects.create(owner=owner, **activity)
        for answer in answers:
            answer.assessment = assessment
        Answer.objects.bulk_create(answers)
        return assessment

    @property
    def is_shared(self) -> bool:
        return self.shared_at is not None

    def share(self) -> None:
        self.shared_at = timezone.now()
        self.save(update_fields=["shared_at", "updated_at"])

    def unshare(self) -> None:
        self.shared_at = None
        self.save(update_fields=["shared_at", "updated_at"])

    def result(self) -> Result:
        return assess(answer.level for answer in self.answers.all())


class Answer(models.Model):
    """One answer, with the question's wording and advice as they were when it was given:
    the security officer may reword a question later, and the saved inventory must still
    read as it did."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        RiskQuestion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    question_text = models.CharField("fråga", max_length=300)
    help_text = models.TextField("förklaring", blank=True)
    high_advice = models.TextField("råd vid HÖG", blank=True)
    order = models.PositiveIntegerField("ordning", default=0)
    level = models.CharField("svar", max_length=10, choices=Level)
    note = models.TextField("anteckning", blank=True)

    class Meta:
        verbose_name = "svar"
        verbose_name_plural = "svar"
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "question"], name="answer_one_per_question"
            ),
            models.CheckConstraint(
                condition=models.Q(level__in=Level.values), name="answer_level_valid"
            ),
        ]

    def __str__(self):
        return f"{self.question_text}: {self.get_level_display()}"

    @classmethod
    def for_question(cls, question: RiskQuestion, level: str, note: str = "") -> "Answer":
        return cls(
            question=question,
            question_text=question.text,
            help_text=question.help_text,
            high_advice=question.high_advice,
            order=question.order,
            level=level,
            note=note,
        )

    @property
    def is_high(self) -> bool:
        return self.level == Level.HOG
