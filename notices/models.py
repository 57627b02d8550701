from datetime import date
from typing import Any, Self

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Case, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from guidance.rendering import contacts_by_key, render
from portal import mail
from portal.models import OutgoingMail, Publication, User


class NoticeQuerySet(models.QuerySet["Notice"]):
    def published(self) -> Self:
        return self.filter(status=Notice.Status.PUBLICERAD)

    def visible(self, today: date | None = None) -> Self:
        """What an official may open: published, and its date has come."""
        return self.published().filter(date__lte=today or timezone.localdate())

    def current(self, today: date | None = None) -> Self:
        """What the start page shows: visible and still valid, the important ones first."""
        today = today or timezone.localdate()
        return (
            self.visible(today)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
            .order_by(
                Case(When(importance=Notice.Importance.VIKTIG, then=Value(0)), default=1),
                "-date",
                "-pk",
            )
        )

    def archived(self, today: date | None = None) -> Self:
        """Published notices whose last day has passed, newest first."""
        today = today or timezone.localdate()
        return self.visible(today).filter(valid_until__lt=today).order_by("-date", "-pk")


class AlreadyMailed(Exception):
    pass


class Notice(models.Model):
    """Aktuell information from the security officers to the officials, for example the
    police's and Säpo's picture of the threat before an election. Behind the login: it is
    not for the open web."""

    Status = Publication

    class Importance(models.TextChoices):
        NORMAL = "normal", "Vanlig"
        VIKTIG = "viktig", "Viktig"

    title = models.CharField("rubrik", max_length=200)
    body = models.TextField(
        "text",
        help_text=(
            "Markdown. Kontakter skrivs som [[nyckel]], till exempel [[sakerhetshandlaggare]], "
            "så att numret alltid hämtas från kontaktlistan."
        ),
    )
    date = models.DateField(
        "datum", default=timezone.localdate, help_text="Visas från och med detta datum."
    )
    valid_until = models.DateField(
        "gäller till och med",
        null=True,
        blank=True,
        help_text="Lämna tomt om informationen gäller tills vidare. Efter datumet flyttas den "
        "till arkivet.",
    )
    importance = models.CharField(
        "vikt",
        max_length=10,
        choices=Importance,
        default=Importance.NORMAL,
        help_text="Viktig information visas först och kan skickas med e-post till alla "
        "förtroendevalda.",
    )
    status = models.CharField(
        "status", max_length=10, choices=Status, default=Status.UTKAST, db_index=True
    )
    mailed_at = models.DateTimeField("e-post skickad", null=True, blank=True, editable=False)
    mailed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="e-post skickad av",
    )
    created_at = models.DateTimeField("skapad", auto_now_add=True)
    updated_at = models.DateTimeField("senast ändrad", auto_now=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "aktuell information"
        verbose_name_plural = "aktuell information"
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("date")),
                name="notice_valid_after_date",
                violation_error_message="Sista giltighetsdagen kan inte vara före datumet.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("notices:detail", args=[self.pk])

    def html(self) -> str:
        return render(self.body, contacts_by_key())

    @property
    def is_important(self) -> bool:
        return self.importance == self.Importance.VIKTIG

    @property
    def is_current(self) -> bool:
        return Notice.objects.current().filter(pk=self.pk).exists()

    @property
    def can_be_mailed(self) -> bool:
        """Only important information that officials can open now goes out by mail, once."""
        return self.is_important and self.mailed_at is None and self.is_current

    MAIL = "notices/important"

    def mail_context(self) -> dict[str, Any]:
        # The title and the link: the text stays behind the login.
        return {"title": self.title, "url": settings.PORTAL_BASE_URL + self.get_absolute_url()}

    def mail_preview(self) -> tuple[str, str]:
        """The subject and text as each official will get them."""
        return mail.render(self.MAIL, self.mail_context())

    def mail_to_officials(self, sender: User) -> mail.Result:
        """Mail every active official, each in a message of their own (recipients must not see
        each other), with the title and a link: queued in the outbox in one go, and sent by
        the worker, so that the request returns at once however many officials there are.
        Returns portal.mail's result: with a worker, everyone waiting; without one, who got
        it and who did not (yet: the outbox tries again).

        The notice is marked as mailed in the transaction that queues the mail, in one
        UPDATE, so that two officers pressing at once queue it once; each official's row is
        queued once for the notice (once=True), whatever happens. With no active official to
        mail, the mark is taken back, so that it can be sent when there are some."""
        with transaction.atomic():
            claimed = Notice.objects.filter(pk=self.pk, mailed_at__isnull=True).update(
                mailed_at=timezone.now(), mailed_by=sender
            )
            if not claimed:
                raise AlreadyMailed
            recipients = (
                get_user_model()
                .objects.officials()
                .order_by("email")
                .values_list("email", flat=True)
            )
            result = OutgoingMail.objects.queue(
                self.MAIL, recipients, self.mail_context(), source=str(self.pk), once=True
            )
            if not (result.sent or result.failed or result.waiting):
                Notice.objects.filter(pk=self.pk).update(mailed_at=None, mailed_by=None)
        self.refresh_from_db(fields=["mailed_at", "mailed_by"])
        return result
