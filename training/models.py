from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Self

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from guidance.models import Phase, Section
from guidance.rendering import RenderedSection, contacts_by_key, render, rendered_sections, says
from portal.models import Publication, User
from portal.security import is_verified_officer

# At most one reminder a month to an official who has not taken the introduction.
REMINDER_INTERVAL = timedelta(days=30)


def start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class TrainingModuleQuerySet(models.QuerySet["TrainingModule"]):
    def published(self) -> Self:
        return self.filter(status=TrainingModule.Status.PUBLICERAD)

    def visible_to(self, user: User | AnonymousUser) -> Self:
        """Officials see the published modules; the security officers, once they have given
        their second factor, also the drafts (as in the admin, where the drafts are made)."""
        if is_verified_officer(user):
            return self
        return self.published()

    def with_completion_of(self, user: User) -> Self:
        """Each module with completed_at: when this user completed it, or None."""
        completion = Completion.objects.filter(user=user, module=OuterRef("pk"))
        return self.annotate(completed_at=Subquery(completion.values("completed_at")[:1]))


class TrainingModule(models.Model):
    """A short piece of training composed from the plan, with questions to check oneself.
    The plan gives the region the duty to introduce new officials to personal security and
    to offer training, and each official the duty to take part."""

    Status = Publication

    title = models.CharField("rubrik", max_length=200)
    slug = models.SlugField(
        "adress",
        unique=True,
        help_text="Modulens adress, till exempel /utbildning/sociala-medier/.",
    )
    intro = models.TextField(
        "inledning",
        blank=True,
        help_text=(
            "Visas först i modulen. Markdown; kontakter skrivs som [[nyckel]], till exempel "
            "[[sakerhetshandlaggare]]."
        ),
    )
    sections = models.ManyToManyField(
        Section,
        blank=True,
        related_name="+",
        verbose_name="avsnitt ur handlingsplanen",
        help_text=(
            "Avsnittens text visas i modulen, i handlingsplanens ordning. Avsnitt som är "
            "utkast visas inte."
        ),
    )
    order = models.PositiveIntegerField("ordning", default=0)
    status = models.CharField(
        "status", max_length=10, choices=Status, default=Status.UTKAST, db_index=True
    )
    is_introduction = models.BooleanField(
        "introduktion för nya förtroendevalda",
        default=False,
        help_text=(
            "Nya förtroendevalda som inte har gjort den här modulen får en påminnelse med "
            "e-post. Bara en modul kan vara introduktionen."
        ),
    )
    updated_at = models.DateTimeField("senast ändrad", auto_now=True)

    objects = TrainingModuleQuerySet.as_manager()

    class Meta:
        verbose_name = "utbildningsmodul"
        verbose_name_plural = "utbildningsmoduler"
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_introduction"],
                condition=Q(is_introduction=True),
                name="training_one_introduction",
                violation_error_message=(
                    "Det finns redan en introduktionsmodul. Ta bort markeringen där först."
                ),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:module", args=[self.slug])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.UTKAST

    def intro_html(self) -> str:
        return render(self.intro, contacts_by_key())

    def guidance(self) -> list[RenderedSection]:
        """The chosen sections of the plan, rendered as the guidance pages show them."""
        slugs = set(self.sections.values_list("slug", flat=True))
        if not slugs:
            return []
        return [s for s in rendered_sections(list(Phase)) if s.slug in slugs]

    def quiz(self) -> models.QuerySet["QuizQuestion"]:
        return self.questions.select_related("section").prefetch_related("choices")

    def complete_for(self, user: User) -> tuple["Completion", bool]:
        """Record that the user has answered every question right. Returns (completion,
        created). A module done again keeps the date it was first done: that is the date
        the region can show the official had the training."""
        return Completion.objects.get_or_create(
            user=user, module=self, defaults={"completed_at": timezone.now()}
        )

    def officials_to_remind(self, today: date) -> models.QuerySet[User]:
        """Officials who have not done this module though their account is more than
        PORTAL_INTRODUCTION_DAYS whole days old, and who have not been reminded on any of
        the last REMINDER_INTERVAL days (today included)."""
        joined_before = start_of(today - timedelta(days=settings.PORTAL_INTRODUCTION_DAYS))
        reminded_since = start_of(today - REMINDER_INTERVAL + timedelta(days=1))
        return (
            get_user_model()
            .objects.officials()
            .filter(date_joined__lt=joined_before)
            .exclude(training_completions__module=self)
            .exclude(introduction_reminder__sent_at__gte=reminded_since)
            .order_by("email")
        )


class QuizQuestion(models.Model):
    module = models.ForeignKey(
        TrainingModule, on_delete=models.CASCADE, related_name="questions", verbose_name="modul"
    )
    text = models.CharField("fråga", max_length=300)
    order = models.PositiveIntegerField("ordning", default=0)
    explanation = models.TextField(
        "förklaring",
        help_text=(
            "Visas när den förtroendevalda har svarat. Markdown; kontakter skrivs som [[nyckel]]."
        ),
    )
    # The plan is the authority: a right answer is the plan's own words, in the section the
    # question cites, so that the training never teaches anything the plan does not say.
    # Null only for a question written before questions cited the plan.
    section = models.ForeignKey(
        Section,
        on_delete=models.PROTECT,
        null=True,
        related_name="quiz_questions",
        verbose_name="avsnitt ur handlingsplanen",
        help_text=(
            "Avsnittet som frågan bygger på. Varje rätt svar ska stå ordagrant i avsnittets "
            "text; stor eller liten bokstav och skiljetecken spelar ingen roll."
        ),
    )

    class Meta:
        verbose_name = "fråga"
        verbose_name_plural = "frågor"
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text

    def explanation_html(self) -> str:
        return render(self.explanation, contacts_by_key())

    @property
    def correct_choices(self) -> set[int]:
        return {choice.pk for choice in self.choices.all() if choice.is_correct}

    @property
    def has_one_answer(self) -> bool:
        return len(self.correct_choices) == 1

    def is_answered_by(self, chosen: Iterable[str | int]) -> bool:
        """Right when exactly the correct choices are chosen: all of them, no other."""
        return {int(pk) for pk in chosen} == self.correct_choices

    @property
    def cites_published_section(self) -> bool:
        return self.section is not None and not self.section.is_draft

    def right_answers_not_in_section(self) -> list[str]:
        """The right answers that the cited section does not say: all of them when the
        question cites none."""
        right = [choice.text for choice in self.choices.all() if choice.is_correct]
        return right if self.section is None else answers_not_in(self.section, right)


def answers_not_in(section: Section, answers: Iterable[str]) -> list[str]:
    """The answers that the section does not say word for word, as the guidance shows it
    (numbers from the contacts, without Markdown)."""
    text = render(section.body, contacts_by_key())
    return [answer for answer in answers if not says(text, answer)]


class Choice(models.Model):
    question = models.ForeignKey(
        QuizQuestion, on_delete=models.CASCADE, related_name="choices", verbose_name="fråga"
    )
    text = models.CharField("svarsalternativ", max_length=300)
    is_correct = models.BooleanField("rätt svar", default=False)

    class Meta:
        verbose_name = "svarsalternativ"
        verbose_name_plural = "svarsalternativ"
        ordering = ["pk"]

    def __str__(self):
        return self.text


class Completion(models.Model):
    """An official has answered every question of a module right, or a security officer has
    recorded that the official took it in person (the introduction is often given at a
    council meeting). Kept when the module is changed; a module that someone has completed
    can't be deleted, only unpublished."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="training_completions",
        verbose_name="förtroendevald",
    )
    module = models.ForeignKey(
        TrainingModule,
        on_delete=models.PROTECT,
        related_name="completions",
        verbose_name="modul",
    )
    completed_at = models.DateTimeField("klar")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="registrerad av",
    )
    note = models.CharField(
        "var och hur",
        max_length=200,
        blank=True,
        help_text="Till exempel: Introduktion vid regionfullmäktige.",
    )

    class Meta:
        verbose_name = "genomförd utbildning"
        verbose_name_plural = "genomförda utbildningar"
        ordering = ["completed_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="completion_once_per_module"),
        ]

    def __str__(self):
        return f"{self.user}: {self.module}"


class IntroductionReminder(models.Model):
    """When an official was last reminded to take the introduction."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="introduction_reminder",
        verbose_name="förtroendevald",
    )
    sent_at = models.DateTimeField("senast påmind")

    class Meta:
        verbose_name = "påminnelse om introduktionen"
        verbose_name_plural = "påminnelser om introduktionen"

    def __str__(self):
        return f"{self.user}: {self.sent_at:%Y-%m-%d}"

    @classmethod
    def record(cls, user: User, sent_at: datetime) -> None:
        cls.objects.update_or_create(user=user, defaults={"sent_at": sent_at})
