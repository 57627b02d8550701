import hashlib
import re
from datetime import datetime
from typing import Self

from django.db import connection, models
from django.db.models import Max

from portal import organisation
from portal.models import Publication


class Phase(models.TextChoices):
    START = "start", "Startsidan"
    FORE = "fore", "Före"
    UNDER = "under", "Under"
    EFTER = "efter", "Efter"
    KONTAKT = "kontakt", "Kontakt"


class SectionQuerySet(models.QuerySet["Section"]):
    def published(self) -> Self:
        return self.filter(status=Section.Status.PUBLICERAD)


class Section(models.Model):
    Status = Publication

    phase = models.CharField("fas", max_length=10, choices=Phase)
    slug = models.SlugField(
        "ankare",
        unique=True,
        help_text="Sektionens adress på sidan, till exempel /efter/#checklista.",
    )
    title = models.CharField("rubrik", max_length=200)
    order = models.PositiveIntegerField("ordning", default=0)
    body = models.TextField(
        "text",
        help_text=(
            "Markdown. Kontakter skrivs som [[nyckel]], till exempel [[securitas]] eller "
            "[[sakerhetshandlaggare.email]], så att numret alltid hämtas från kontaktlistan."
        ),
    )
    status = models.CharField(
        "status", max_length=10, choices=Status, default=Status.UTKAST, db_index=True
    )
    updated_at = models.DateTimeField("senast ändrad", auto_now=True)

    objects = SectionQuerySet.as_manager()

    class Meta:
        verbose_name = "avsnitt"
        verbose_name_plural = "avsnitt"
        ordering = ["phase", "order", "pk"]

    def __str__(self):
        return f"{self.get_phase_display()}: {self.title}"

    def get_absolute_url(self) -> str:
        return PHASE_PAGES[self.phase] + f"#{self.slug}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.UTKAST


PHASE_PAGES: dict[str, str] = {
    Phase.START: "/",
    Phase.FORE: "/fore/",
    Phase.UNDER: "/under/",
    Phase.EFTER: "/efter/",
    Phase.KONTAKT: "/kontakt/",
}


class Contact(models.Model):
    key = models.SlugField(
        "nyckel",
        unique=True,
        help_text="Används i texterna som [[nyckel]]. Ändra den inte utan att ändra texterna.",
    )
    title = models.CharField("benämning", max_length=150)
    person = models.CharField("namn på person", max_length=150, blank=True)
    description = models.CharField("när och varför", max_length=300, blank=True)
    phone = models.CharField("telefon", max_length=40, blank=True)
    email = models.EmailField("e-post", blank=True)
    url = models.URLField("webbadress", blank=True)
    order = models.PositiveIntegerField("ordning", default=0)
    urgent = models.BooleanField(
        "nödnummer",
        default=False,
        help_text="Visas överst på Under-sidan, före all text, som stora knappar.",
    )
    updated_at = models.DateTimeField("senast ändrad", auto_now=True)

    class Meta:
        verbose_name = "kontakt"
        verbose_name_plural = "kontakter"
        ordering = ["order", "pk"]

    def __str__(self):
        return self.title

    @property
    def tel_href(self) -> str:
        return tel_href(self.phone)


def tel_href(phone: str) -> str:
    """In international form, so it dials from any phone: 010-470 55 64 -> +46104705564."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("0") and len(digits) > 6:
        digits = "+46" + digits[1:]
    return f"tel:{digits}"


def content_version() -> str:
    """Changes whenever a section or a contact is saved or deleted, or the organisation is
    given another name: the key of every cache of rendered guidance, so that a changed number
    shows on the next page and in the next PDF. One small query, asked on every guidance
    page."""
    with connection.cursor() as cursor:
        # Table names from the models' own meta, no outside input.
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {Section._meta.db_table}),"  # noqa: S608
            f" (SELECT MAX(updated_at) FROM {Section._meta.db_table}),"
            f" (SELECT COUNT(*) FROM {Contact._meta.db_table}),"
            f" (SELECT MAX(updated_at) FROM {Contact._meta.db_table})"
        )
        row = "|".join([*(str(value) for value in cursor.fetchone()), organisation.fingerprint()])
    return hashlib.sha256(row.encode()).hexdigest()[:16]


def last_changed() -> datetime | None:
    stamps = [
        Section.objects.published().aggregate(t=Max("updated_at"))["t"],
        Contact.objects.aggregate(t=Max("updated_at"))["t"],
    ]
    return max((s for s in stamps if s), default=None)
