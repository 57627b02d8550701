import hashlib
import logging
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from portal.security import has_second_factor
from riskassessment.scoring import Level as Severity

from .evidence import private_storage, remember_written

logger = logging.getLogger(__name__)

# Long enough for a careful account of a long course of events, short enough that a
# pasted book or a stuck key is caught with a clear message rather than stored.
MAX_TEXT = 10_000


class Kind(models.TextChoices):
    # The categories of Brå's Politikernas trygghetsundersökning, so that the region
    # can compare its own reports with the national survey.
    HOT = "hot", "Hot"
    HAT = "hat", "Hat eller trakasserier"
    VALD = "vald", "Våld"
    SKADEGORELSE = "skadegorelse", "Skadegörelse"
    STOLD = "stold", "Stöld"
    ANNAT = "annat", "Annat"


class Channel(models.TextChoices):
    FYSISKT = "fysiskt", "Vid ett fysiskt möte"
    TELEFON = "telefon", "Telefon"
    BREV = "brev", "Brev"
    EPOST_SMS = "epost_sms", "E-post eller sms"
    SOCIALA_MEDIER = "sociala_medier", "Sociala medier"
    ANNAT = "annat", "Annat sätt"


class Timing(models.TextChoices):
    HAR_HANT = "har_hant", "Det har hänt"
    PAGAR = "pagar", "Det pågår fortfarande"
    AVISERAT = "aviserat", "Det är aviserat till senare (någon har sagt att det ska hända)"


class PerpetratorKnown(models.TextChoices):
    JA = "ja", "Ja, jag vet eller tror mig veta vem det är"
    NEJ = "nej", "Nej"


class PoliceReport(models.TextChoices):
    GJORD = "gjord", "Ja, jag har polisanmält"
    PLANERAD = "planerad", "Jag tänker polisanmäla"
    NEJ = "nej", "Nej"


class Consequence(models.TextChoices):
    ORO = "oro", "Jag har känt oro eller rädsla"
    AVSTATT_FRAGA = "avstatt_fraga", "Jag har avstått från att engagera mig i en fråga"
    AVSTATT_MOTE = "avstatt_mote", "Jag har avstått från ett möte eller en aktivitet"
    FAMILJ = "familj", "Min familj eller mina närstående har påverkats"
    ANNAT = "annat", "Annat"


class IncidentQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(submitted_at__isnull=False)

    def drafts(self):
        return self.filter(submitted_at__isnull=True)

    def reported_by(self, user):
        return self.filter(reporter=user)

    def untriaged(self):
        return self.submitted().filter(status=Incident.Status.NY)

    def open(self):
        return self.submitted().exclude(status=Incident.Status.AVSLUTAD)

    def follow_up_due(self, today):
        return self.open().filter(next_follow_up__lt=today)

    def past_retention(self, now):
        """Closed reports whose period has run since they were closed, and drafts nobody has
        changed for the draft period. An open report is kept however old it is."""
        closed_before = now - timedelta(days=settings.PORTAL_RETENTION_CLOSED_REPORT_DAYS)
        draft_before = now - timedelta(days=settings.PORTAL_RETENTION_DRAFT_DAYS)
        return self.filter(
            Q(
                submitted_at__isnull=False,
                status=Incident.Status.AVSLUTAD,
                closed_at__lt=closed_before,
            )
            | Q(submitted_at__isnull=True, updated_at__lt=draft_before)
        )

    def delete_with_files(self):
        """Delete these reports with all that hangs on them (supplements, evidence, notes,
        messages, history) and, once that has committed, their evidence files. The access
        log keeps its rows, with the reference. Returns what QuerySet.delete() returns."""
        with transaction.atomic():
            # Locked, so that a draft saved at this moment is either kept whole or gone whole.
            pks = list(self.select_for_update().values_list("pk", flat=True))
            names = list(Evidence.objects.filter(incident__in=pks).values_list("file", flat=True))
            deleted = Incident.objects.filter(pk__in=pks).delete()
            transaction.on_commit(lambda: delete_evidence_files(names))
        return deleted


class Incident(models.Model):
    """A report of threats, hate or violence against an elected official.

    The plan says ALL incidents shall be reported, so a sent report can't be
    withdrawn or deleted, only closed. A draft (submitted_at empty) belongs to its
    author alone until it is sent, and may be deleted by them.
    """

    class Status(models.TextChoices):
        NY = "ny", "Ny"
        UNDER_BEDOMNING = "under_bedomning", "Under bedömning"
        ATGARDER_PAGAR = "atgarder_pagar", "Åtgärder pågår"
        AVSLUTAD = "avslutad", "Avslutad"

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name="rapporterad av",
    )
    # NULL, not "", until sent: many drafts, each without a reference, and still unique.
    reference = models.CharField(  # noqa: DJ001
        "referensnummer", max_length=20, unique=True, null=True
    )
    status = models.CharField("status", max_length=20, choices=Status, default=Status.NY)
    submission_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    submitted_at = models.DateTimeField("skickad", null=True, blank=True)

    kinds = models.JSONField("vad det var", default=list, blank=True)
    channel = models.CharField("hur det nådde dig", max_length=20, choices=Channel, blank=True)
    timing = models.CharField("har det hänt", max_length=20, choices=Timing, blank=True)
    occurred_on = models.DateField("datum", null=True, blank=True)
    occurred_time = models.TimeField("klockslag", null=True, blank=True)
    place = models.CharField("plats", max_length=300, blank=True)
    before = models.TextField("vad hände innan", max_length=MAX_TEXT, blank=True)
    during = models.TextField("vad hände under", max_length=MAX_TEXT, blank=True)
    actions = models.TextField("vad gjorde du/ni", max_length=MAX_TEXT, blank=True)
    perpetrator_known = models.CharField(
        "vet du vem det var", max_length=10, choices=PerpetratorKnown, blank=True
    )
    perpetrator_description = models.TextField(
        "beskrivning av personen", max_length=MAX_TEXT, blank=True
    )
    witnesses = models.TextField("vittnen", max_length=MAX_TEXT, blank=True)
    police_report = models.CharField(
        "polisanmälan", max_length=10, choices=PoliceReport, blank=True
    )
    police_report_number = models.CharField("diarienummer hos polisen", max_length=50, blank=True)
    consequences = models.JSONField("följder", default=list, blank=True)
    may_contact = models.BooleanField("får säkerhetshandläggaren kontakta dig", null=True)
    contact_how = models.CharField("hur vi kontaktar dig", max_length=300, blank=True)

    created_at = models.DateTimeField("skapad", auto_now_add=True)
    updated_at = models.DateTimeField("senast ändrad", auto_now=True)
    notification_failed_at = models.DateTimeField("e-postavisering misslyckades", null=True)

    # Triage, by the security officers. Changed only through change_triage(), which
    # records the history.
    severity = models.CharField(
        "allvarlighet", max_length=10, choices=Severity, blank=True,
        help_text="Enligt handlingsplanens skala: låg, måttlig, hög.",
    )  # fmt: skip
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handled_incidents",
        verbose_name="handläggare",
    )
    next_follow_up = models.DateField("nästa uppföljning", null=True, blank=True)
    closing_summary = models.TextField("sammanfattning vid avslut", blank=True)
    first_triaged_at = models.DateTimeField("först bedömd", null=True, blank=True)
    closed_at = models.DateTimeField("avslutad", null=True, blank=True)
    # Counts the triage changes, so that two handlers saving at once notice each other.
    version = models.PositiveIntegerField("version", default=0)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = "händelserapport"
        verbose_name_plural = "händelserapporter"
        ordering = ["-submitted_at", "-created_at"]
        indexes = [
            # The officers' list, newest first: the sent reports in order of sending. (On
            # PostgreSQL, migration 0006 adds the indexes for the search and the statistics.)
            models.Index(
                fields=["submitted_at", "created_at", "id"],
                condition=Q(submitted_at__isnull=False),
                name="incident_sent_order",
            ),
            # The list filtered by status (the new ones, the open ones), newest first.
            models.Index(
                fields=["status", "submitted_at"],
                condition=Q(submitted_at__isnull=False),
                name="incident_status_sent",
            ),
            # The handlers of the sent reports, which the list's filter by handler lists.
            models.Index(
                fields=["handler"],
                condition=Q(submitted_at__isnull=False),
                name="incident_handler_sent",
            ),
        ]
        constraints = [
            # A sent report always has a reference, a draft never has one.
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True, reference__isnull=True)
                | Q(submitted_at__isnull=False, reference__isnull=False),
                name="incident_reference_iff_submitted",
            ),
        ]

    def __str__(self):
        return self.reference or f"Utkast {self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("incidents:detail", args=[self.pk])

    @property
    def is_draft(self):
        return self.submitted_at is None

    def get_kinds_display(self):
        return ", ".join(str(Kind(k).label) for k in self.kinds if k in Kind.values)

    def get_consequences_display(self):
        return ", ".join(str(Consequence(c).label) for c in self.consequences if c in Consequence)

    @property
    def needs_police_advice(self):
        return self.police_report != PoliceReport.GJORD

    def attach(self, prepared_files, *, supplement=None):
        """Store checked files as evidence. Call inside evidence.atomic() so that the
        files are removed again if the report is not saved."""
        known = set(self.evidence.values_list("sha256", flat=True))
        stored = []
        for prepared in prepared_files:
            digest = hashlib.sha256(prepared.data).hexdigest()
            if digest in known:
                continue  # the same file sent twice, e.g. after a double click
            known.add(digest)
            name = f"{secrets.token_hex(16)}.{prepared.extension}"
            evidence = Evidence(
                incident=self,
                supplement=supplement,
                original_name=prepared.original_name,
                content_type=prepared.content_type,
                size=len(prepared.data),
                sha256=digest,
            )
            evidence.file.save(name, ContentFile(prepared.data), save=False)
            remember_written(evidence.file.name)
            evidence.save()
            stored.append(evidence)
        return stored

    TRIAGE_FIELDS = ("status", "severity", "handler", "next_follow_up", "closing_summary")

    @transaction.atomic
    def change_triage(self, user, **changes):
        """Apply triage changes by a security officer and record each one (who, when, from
        what, to what). Returns the recorded changes; nothing changed records nothing."""
        assert set(changes) <= set(self.TRIAGE_FIELDS), "only triage fields"
        current = Incident.objects.select_for_update().get(pk=self.pk)
        now = timezone.now()
        recorded = []
        for field, new in changes.items():
            old = getattr(current, field)
            if old == new:
                continue
            recorded.append(
                TriageChange(
                    incident=self,
                    changed_by=user,
                    changed_at=now,
                    field=field,
                    old_value=_display(self, field, old),
                    new_value=_display(self, field, new),
                    version=current.version + 1,
                )
            )
            setattr(self, field, new)
        if not recorded:
            return []
        if self.status != self.Status.NY and self.first_triaged_at is None:
            self.first_triaged_at = now
        self.closed_at = (self.closed_at or now) if self.status == self.Status.AVSLUTAD else None
        self.version = current.version + 1
        self.save(
            update_fields=[
                *changes, "first_triaged_at", "closed_at", "version", "updated_at",
            ]
        )  # fmt: skip
        TriageChange.objects.bulk_create(recorded)
        return recorded

    def send_message(self, author, text):
        """A message from the security officers to the reporter: shown under Mina rapporter,
        with a mail that says only that there is news."""
        message = ReporterMessage.objects.create(incident=self, author=author, text=text)
        transaction.on_commit(
            lambda: self._send(
                "incidents/mail/news.txt",
                f"Nytt i ditt ärende {self.reference}",
                [self.reporter.email],
                url=settings.PORTAL_BASE_URL + self.get_absolute_url(),
            )
        )
        return message

    def record_access(self, user, *, evidence=None):
        AccessLogEntry.objects.create(
            incident=self,
            reference=self.reference or "",
            user=user,
            user_email=user.email,
            action=AccessLogEntry.Action.DOWNLOAD if evidence else AccessLogEntry.Action.VIEW,
            evidence_name=evidence.original_name if evidence else "",
        )

    def submit(self):
        """Send the draft: give it the next reference of the year. Call inside a
        transaction; the mails go out only once it has committed."""
        assert self.is_draft, "a report is sent once"
        now = timezone.now()
        self.reference = ReferenceCounter.next_reference(timezone.localdate(now).year)
        self.submitted_at = now
        self.status = self.Status.NY
        self.save(update_fields=["reference", "submitted_at", "status", "updated_at"])
        transaction.on_commit(self.notify_submitted)

    def add_supplement(self, author, text, prepared_files, token):
        supplement = Supplement.objects.create(
            incident=self, author=author, text=text, submission_token=token
        )
        self.attach(prepared_files, supplement=supplement)
        transaction.on_commit(lambda: self.notify_officers(supplement=True))
        return supplement

    def delete_draft(self):
        """A draft may be deleted by its author: its files go with it."""
        assert self.is_draft, "a sent report can't be deleted"
        names = list(self.evidence.values_list("file", flat=True))
        self.delete()
        transaction.on_commit(lambda: [private_storage.delete(n) for n in names])

    def notify_submitted(self):
        self.notify_officers()
        self._send(
            "incidents/mail/receipt.txt",
            f"Din rapport {self.reference} har kommit fram",
            [self.reporter.email],
            url=settings.PORTAL_BASE_URL + self.get_absolute_url(),
        )

    def notify_officers(self, *, supplement=False):
        User = get_user_model()  # noqa: N806
        recipients = list(User.objects.security_officers().values_list("email", flat=True))
        recipients += list(getattr(settings, "INCIDENT_NOTIFY_EMAILS", []))
        subject = (
            f"Komplettering till händelserapport {self.reference}"
            if supplement
            else f"Ny händelserapport {self.reference}"
        )
        url = settings.PORTAL_BASE_URL + reverse("admin:incidents_incident_change", args=[self.pk])
        self._send(
            "incidents/mail/officers.txt", subject, recipients, url=url, supplement=supplement
        )

    def _send(self, template, subject, recipients, **context):
        # Mail never carries what happened: only the reference and a link behind a login.
        # A failed mail must not lose the report (it is already committed); it is logged
        # and marked, so that the security officer sees it in the admin.
        if not recipients:
            logger.error("Ingen mottagare för e-post om händelserapport %s", self.reference)
            self._mark_notification_failed()
            return
        try:
            body = render_to_string(template, {"incident": self, **context})
            EmailMessage(subject, body, None, recipients).send()
        except Exception:
            logger.exception("E-post om händelserapport %s kunde inte skickas", self.reference)
            self._mark_notification_failed()

    def _mark_notification_failed(self):
        self.notification_failed_at = timezone.now()
        Incident.objects.filter(pk=self.pk).update(
            notification_failed_at=self.notification_failed_at
        )


class ReferenceCounter(models.Model):
    """The last reference number given each year: HHV-2026-0042 is the 42nd of 2026."""

    year = models.PositiveIntegerField("år", unique=True)
    last = models.PositiveIntegerField("senaste nummer", default=0)

    class Meta:
        verbose_name = "referensräknare"
        verbose_name_plural = "referensräknare"

    def __str__(self):
        return f"{self.year}: {self.last}"

    @classmethod
    def next_reference(cls, year):
        # The row lock makes two reports sent at the same instant wait for each other
        # (PostgreSQL); on SQLite the database's write lock does the same.
        with transaction.atomic():
            counter, _ = cls.objects.select_for_update().get_or_create(year=year)
            counter.last += 1
            counter.save(update_fields=["last"])
        return f"HHV-{year}-{counter.last:04d}"


class Supplement(models.Model):
    """Information added to a sent report later, with its own time."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="supplements", verbose_name="rapport"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="av"
    )
    text = models.TextField("text", max_length=MAX_TEXT, blank=True)
    submission_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField("tillagd", auto_now_add=True)

    class Meta:
        verbose_name = "komplettering"
        verbose_name_plural = "kompletteringar"
        ordering = ["created_at"]

    def __str__(self):
        return f"Komplettering {self.created_at:%Y-%m-%d %H:%M}"


def reads_all_reports(user):
    """Security officers read every sent report, but
    only with the second factor the admin asks for: a password alone must not open them all."""
    # Group membership only: a superuser or staff with a stray permission is not a
    # security officer, as in the admin.
    return user.is_security_officer and has_second_factor(user)


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The author's own files; and to security officers, the files of sent reports."""
        mine = Q(incident__reporter=user)
        if reads_all_reports(user):
            return self.filter(mine | Q(incident__submitted_at__isnull=False))
        return self.filter(mine)


def _evidence_path(instance, filename):
    return f"evidence/{filename}"


def delete_evidence_files(names):
    """Remove stored evidence files whose rows are gone. A file that can't be removed is
    named in the log and the error raised, never passed over."""
    failed = []
    for name in names:
        try:
            private_storage.delete(name)
        except OSError:
            logger.exception("Bevisfilen %s kunde inte tas bort", name)
            failed.append(name)
    if failed:
        raise OSError(f"{len(failed)} bevisfiler kunde inte tas bort: {', '.join(failed)}")


class Evidence(models.Model):
    """A file attached to a report. Images are stored re-encoded without EXIF (and so
    without GPS position); the original is not kept. The SHA-256 is of the stored bytes."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="evidence", verbose_name="rapport"
    )
    supplement = models.ForeignKey(
        Supplement,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name="komplettering",
    )
    file = models.FileField("fil", upload_to=_evidence_path, storage=private_storage)
    original_name = models.CharField("filnamn", max_length=255)
    content_type = models.CharField("filtyp", max_length=100)
    size = models.PositiveBigIntegerField("storlek (byte)")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_at = models.DateTimeField("uppladdad", auto_now_add=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = "bevisfil"
        verbose_name_plural = "bevisfiler"
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("incidents:evidence", args=[self.incident_id, self.pk])

    @property
    def download_name(self):
        """The name it was sent with, ending as what is stored: a cleaned HEIC photo is a JPEG."""
        stem = self.original_name.rsplit(".", 1)[0] or "fil"
        return f"{stem}.{self.file.name.rsplit('.', 1)[-1]}"


def _display(incident, field, value):
    if value in (None, ""):
        return "–"
    if field == "status":
        return str(Incident.Status(value).label)
    if field == "severity":
        return str(Severity(value).label)
    if field == "next_follow_up":
        return value.isoformat()
    return str(value)


class TriageChange(models.Model):
    """One change to a report's triage fields: the history shown on the report."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="triage_changes", verbose_name="rapport"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, verbose_name="av"
    )
    changed_at = models.DateTimeField("när")
    field = models.CharField("fält", max_length=30)
    old_value = models.TextField("från", blank=True)
    new_value = models.TextField("till", blank=True)
    # The report's version this change made: a handler whose form is older sees it.
    version = models.PositiveIntegerField("version", default=0)

    class Meta:
        verbose_name = "ändring"
        verbose_name_plural = "historik"
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.get_field_label()}: {self.old_value} → {self.new_value}"

    def get_field_label(self):
        return capfirst(Incident._meta.get_field(self.field).verbose_name)


class InternalNote(models.Model):
    """The security officers' own notes on a report: never shown to the reporter."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="notes", verbose_name="rapport"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, verbose_name="av"
    )
    text = models.TextField("anteckning")
    created_at = models.DateTimeField("skriven", auto_now_add=True)

    class Meta:
        verbose_name = "intern anteckning"
        verbose_name_plural = "interna anteckningar (syns inte för den som rapporterat)"
        ordering = ["created_at"]

    def __str__(self):
        return f"Anteckning om {self.incident.reference}"


class ReporterMessage(models.Model):
    """A message to the reporter, shown under Mina rapporter."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="messages", verbose_name="rapport"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, verbose_name="av"
    )
    text = models.TextField("meddelande")
    created_at = models.DateTimeField("skickat", auto_now_add=True)

    class Meta:
        verbose_name = "meddelande till den som rapporterat"
        verbose_name_plural = "meddelanden till den som rapporterat"
        ordering = ["created_at"]

    def __str__(self):
        return f"Meddelande till {self.incident.reference}"


class AccessLogEntryQuerySet(models.QuerySet):
    def past_retention(self, now):
        return self.filter(at__lt=now - timedelta(days=settings.PORTAL_RETENTION_ACCESS_LOG_DAYS))


class AccessLogEntry(models.Model):
    """Every view of a report and every download of evidence. Read-only for everyone; the
    reference and the e-mail address are copied so the row outlives both."""

    class Action(models.TextChoices):
        VIEW = "visning", "Visade rapporten"
        DOWNLOAD = "nedladdning", "Laddade ned fil"
        EXPORT = "export", "Exporterade"

    incident = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="rapport"
    )
    reference = models.CharField("referens", max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="användare",
    )
    user_email = models.EmailField("e-post")
    action = models.CharField("händelse", max_length=20, choices=Action)
    evidence_name = models.CharField("fil", max_length=255, blank=True)
    # An export of many reports: which of them (the list's filter, or the statistics' year)
    # and how many rows the file had.
    exported = models.CharField("urval", max_length=500, blank=True)
    rows = models.PositiveIntegerField("antal rader", null=True, blank=True)
    at = models.DateTimeField("när", auto_now_add=True, db_index=True)

    objects = AccessLogEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "åtkomstlogg"
        verbose_name_plural = "åtkomstlogg"
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_email} {self.get_action_display()}"

    @classmethod
    def record_export(cls, user, exported, *, rows):
        """An export of reports (or of figures about them) to a file that leaves the portal."""
        return cls.objects.create(
            user=user,
            user_email=user.email,
            action=cls.Action.EXPORT,
            exported=exported[: cls._meta.get_field("exported").max_length],
            rows=rows,
        )
