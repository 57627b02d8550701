from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any, Self

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from portal import organisation
from portal.crypto import EncryptedCharField, EncryptedTextField
from portal.models import OutgoingMail, User
from portal.security import is_verified_officer
from portal.words import counted

from . import counts
from .evidence import PreparedFile, remember_written, store
from .evidence import atomic as atomic_with_files

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
    # Added later: the survey asks about harassment of a sexual nature, and the plan's advice
    # on social media names accounts taken over or opened in one's name ("om någon kapar
    # ditt konto eller öppnar ett falskt konto i ditt namn"). New values only, so that what
    # is stored for the earlier kinds keeps its meaning; Annat stays last in the list.
    SEXUELLA_TRAKASSERIER = "sexuella_trakasserier", "Trakasserier av sexuell natur"
    KAPAT_KONTO = "kapat_konto", "Kapat eller falskt konto i mitt namn"
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


class Severity(models.TextChoices):
    # The action plan's scale, the same three steps as the risk inventory's levels (and the
    # same stored values), but the officers' judgement of an incident, not an answer.
    LAG = "lag", "Låg"
    MATTLIG = "mattlig", "Måttlig"
    HOG = "hog", "Hög"


class IncidentQuerySet(models.QuerySet["Incident"]):
    def submitted(self) -> Self:
        return self.filter(submitted_at__isnull=False)

    def drafts(self) -> Self:
        return self.filter(submitted_at__isnull=True)

    def reported_by(self, user: User) -> Self:
        return self.filter(reporter=user)

    def visible_to(self, user: User) -> Self:
        """Its author's own reports; and to the security officers, every sent report (a
        draft is its author's alone until it is sent)."""
        mine = Q(reporter=user)
        if is_verified_officer(user):
            return self.filter(mine | Q(submitted_at__isnull=False))
        return self.filter(mine)

    def made_by_form(self, token: uuid.UUID | str | None) -> Self:
        """The report the form with this submission_token has made, if it has: the same form
        sent again (a double click, the back button, a second tab) finds it. Empty for a
        token that is not a UUID."""
        try:
            token = uuid.UUID(str(token))
        except ValueError:
            return self.none()
        return self.filter(submission_token=token)

    def untriaged(self) -> Self:
        return self.submitted().filter(status=Incident.Status.NY)

    def open(self) -> Self:
        # Named rather than "not closed", so that the index on status answers it.
        return self.submitted().filter(status__in=Incident.OPEN_STATUSES)

    def follow_up_due(self, today: date) -> Self:
        return self.open().filter(next_follow_up__lt=today)

    def with_unread_news(self) -> Self:
        """Reports with a message or a closing their reporter has not yet opened."""
        return self.filter(news_for_reporter_at__isnull=False).filter(
            Q(seen_by_reporter_at__isnull=True)
            | Q(seen_by_reporter_at__lt=F("news_for_reporter_at"))
        )

    def past_retention(self, now: datetime) -> Self:
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

    def delete_with_files(self) -> tuple[int, dict[str, int]]:
        """Delete these reports with all that hangs on them (supplements, evidence, notes,
        messages, history) and, once that has committed, their evidence files. The access
        log keeps its rows, with the reference. Returns what QuerySet.delete() returns."""
        with transaction.atomic():
            # Locked, so that a draft saved at this moment is either kept whole or gone whole.
            pks = list(self.select_for_update().values_list("pk", flat=True))
            names = list(Evidence.objects.filter(incident__in=pks).values_list("file", flat=True))
            with Incident.objects.filter(pk__in=pks).recounted():
                deleted = Incident.objects.filter(pk__in=pks).delete()
            transaction.on_commit(lambda: delete_evidence_files(names))
        return deleted

    @contextmanager
    def recounted(self) -> Iterator[None]:
        """Keeps the statistics' counts (incidents.counts) true to what the block does to
        these reports: they are taken away from the counts as they were and added as they
        are afterwards, in the same transaction. Every verb that changes what a sent report
        counts as (incidents.counts.COUNTED_FIELDS: sending, status, severity, the police
        report, triage and closing times, deletion) does it inside this; an update() of
        those fields outside it would leave the statistics wrong (a test looks for one)."""
        with transaction.atomic():
            # Locked, so that what is taken away is what they are until the commit.
            before = list(self.select_for_update().values("pk", *counts.COUNTED_FIELDS))
            yield
            after = Incident.objects.filter(pk__in=[report["pk"] for report in before])
            counts.record(before, after.values(*counts.COUNTED_FIELDS))


class Incident(models.Model):
    """A report of threats, hate or violence against an elected official.

    The plan says ALL incidents shall be reported, so a sent report can't be
    withdrawn or deleted, only closed; gallring removes it when its retention period
    after closing has run (IncidentQuerySet.past_retention). A draft (submitted_at
    empty) belongs to its author alone until it is sent, and may be deleted by them.
    """

    class Status(models.TextChoices):
        NY = "ny", "Ny"
        UNDER_BEDOMNING = "under_bedomning", "Under bedömning"
        ATGARDER_PAGAR = "atgarder_pagar", "Åtgärder pågår"
        AVSLUTAD = "avslutad", "Avslutad"

    OPEN_STATUSES = [Status.NY, Status.UNDER_BEDOMNING, Status.ATGARDER_PAGAR]

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
    # What was reported is encrypted in the database (portal.crypto): the free text, the
    # place (often where the official lives or goes) and how they wish to be contacted. The
    # answers that triage and the statistics count stay in clear.
    place = EncryptedCharField("plats", max_length=300, blank=True)
    before = EncryptedTextField("vad hände innan", max_length=MAX_TEXT, blank=True)
    during = EncryptedTextField("vad hände under", max_length=MAX_TEXT, blank=True)
    actions = EncryptedTextField("vad gjorde du/ni", max_length=MAX_TEXT, blank=True)
    perpetrator_known = models.CharField(
        "vet du vem det var", max_length=10, choices=PerpetratorKnown, blank=True
    )
    perpetrator_description = EncryptedTextField(
        "beskrivning av personen", max_length=MAX_TEXT, blank=True
    )
    witnesses = EncryptedTextField("vittnen", max_length=MAX_TEXT, blank=True)
    police_report = models.CharField(
        "polisanmälan", max_length=10, choices=PoliceReport, blank=True
    )
    police_report_number = models.CharField("diarienummer hos polisen", max_length=50, blank=True)
    police_reported_on = models.DateField("polisanmäld den", null=True, blank=True)
    consequences = models.JSONField("följder", default=list, blank=True)
    may_contact = models.BooleanField("får säkerhetshandläggaren kontakta dig", null=True)
    contact_how = EncryptedCharField("hur vi kontaktar dig", max_length=300, blank=True)

    created_at = models.DateTimeField("skapad", auto_now_add=True)
    updated_at = models.DateTimeField("senast ändrad", auto_now=True)
    notification_failed_at = models.DateTimeField("e-postavisering misslyckades", null=True)
    # A report a security officer wrote down during a call from the official, who is the
    # reporter and owns it as if they had written it themselves.
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="registrerad av",
    )
    # Something for the reporter to read (a message, the closing) and when they last opened
    # the report: "Nytt i ärendet" shows while the first is the later.
    news_for_reporter_at = models.DateTimeField("nytt för den som rapporterat", null=True)
    seen_by_reporter_at = models.DateTimeField("öppnad av den som rapporterat", null=True)

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
    closing_summary = EncryptedTextField(
        "sammanfattning vid avslut", blank=True,
        help_text="Intern. Visas aldrig för den som rapporterat.",
    )  # fmt: skip
    closing_message = EncryptedTextField(
        "meddelande till den som rapporterat vid avslut", max_length=MAX_TEXT, blank=True,
        help_text="Frivilligt. Visas för den som rapporterat under Mina rapporter när ärendet "
        "avslutas. Hen får ett mejl om att det finns nytt, utan innehåll.",
    )  # fmt: skip
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
            # PostgreSQL, migration 0008 adds the indexes for the search and the statistics.)
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
        return self.reference or f"Utkast {_local(self.created_at)}"

    def get_absolute_url(self) -> str:
        return reverse("incidents:detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.submitted_at is None

    def get_kinds_display(self) -> str:
        return ", ".join(str(Kind(k).label) for k in self.kinds if k in Kind.values)

    def get_consequences_display(self) -> str:
        return ", ".join(str(Consequence(c).label) for c in self.consequences if c in Consequence)

    @property
    def needs_police_advice(self) -> bool:
        return self.police_report != PoliceReport.GJORD

    @property
    def has_unread_news(self) -> bool:
        return self.news_for_reporter_at is not None and (
            self.seen_by_reporter_at is None or self.seen_by_reporter_at < self.news_for_reporter_at
        )

    def attach(
        self, prepared_files: Iterable[PreparedFile], *, supplement: Supplement | None = None
    ) -> list[Evidence]:
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
            store(evidence.file, name, prepared.data)
            assert evidence.file.name is not None  # save() has given it its stored name
            remember_written(evidence.file.name)
            evidence.save()
            stored.append(evidence)
        return stored

    # The police report is the reporter's answer, but both they (later, from their page) and
    # the security officers may change it: so it is kept, with its history, as triage.
    TRIAGE_FIELDS = (
        "status", "severity", "handler", "next_follow_up", "closing_summary", "closing_message",
        "police_report", "police_report_number", "police_reported_on",
    )  # fmt: skip

    @transaction.atomic
    def change_triage(self, user: User, *, note: str = "", **changes: Any) -> list[TriageChange]:
        """Apply changes to the triage fields and record each one (who, when, from what, to
        what, and why if the change was not someone's own choice). Closing the report tells
        the reporter. Returns the recorded changes; nothing changed records nothing."""
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
                    note=note,
                )
            )
            setattr(self, field, new)
        if not recorded:
            return []
        if self.status != self.Status.NY and self.first_triaged_at is None:
            self.first_triaged_at = now
        self.closed_at = (self.closed_at or now) if self.status == self.Status.AVSLUTAD else None
        self.version = current.version + 1
        with Incident.objects.filter(pk=self.pk).recounted():
            self.save(
                update_fields=[
                    *changes, "first_triaged_at", "closed_at", "version", "updated_at",
                ]
            )  # fmt: skip
        TriageChange.objects.bulk_create(recorded)
        if current.status != self.Status.AVSLUTAD and self.status == self.Status.AVSLUTAD:
            self._tell_reporter_closed(user)
        return recorded

    def record_police_report(
        self, user: User, *, number: str, reported_on: date
    ) -> list[TriageChange]:
        """The reporter, or an officer for them, says the incident is now reported to the
        police: recorded in the history like any change of triage."""
        return self.change_triage(
            user,
            police_report=PoliceReport.GJORD,
            police_report_number=number,
            police_reported_on=reported_on,
        )

    def send_message(self, author: User, text: str) -> ReporterMessage:
        """A message from the security officers to the reporter: shown under Mina rapporter,
        with a mail that says only that there is news."""
        message = ReporterMessage.objects.create(incident=self, author=author, text=text)
        self._tell_reporter()
        return message

    def _tell_reporter_closed(self, user: User) -> None:
        # The closing message joins the reporter's messages, so that it stays there, and can
        # be answered, even if the report is opened again.
        if self.closing_message:
            ReporterMessage.objects.create(incident=self, author=user, text=self.closing_message)
        self._tell_reporter(closed=True)

    def _tell_reporter(self, *, closed: bool = False) -> None:
        """Mark that there is news for the reporter, and once it has committed, mail them that
        there is: never what it is. A message and a closing saved together give one mail."""
        self.news_for_reporter_at = timezone.now()
        Incident.objects.filter(pk=self.pk).update(news_for_reporter_at=self.news_for_reporter_at)
        queued = getattr(self, "_reporter_mail", None)
        self._reporter_mail = "closed" if closed or queued == "closed" else "news"
        if queued is None:
            transaction.on_commit(self._mail_reporter)

    def _mail_reporter(self) -> None:
        closed = self.__dict__.pop("_reporter_mail", None) == "closed"
        self._send(
            "incidents/news",
            [self.reporter.email],
            url=settings.PORTAL_BASE_URL + self.get_absolute_url(),
            closed=closed,
        )

    def mark_seen_by_reporter(self) -> None:
        """The reporter has opened their report: what was new there is read."""
        if self.has_unread_news:
            self.seen_by_reporter_at = timezone.now()
            Incident.objects.filter(pk=self.pk).update(seen_by_reporter_at=self.seen_by_reporter_at)

    def record_police_bundle(self, user: User, *, files: int) -> AccessLogEntry:
        """The report, with its evidence, taken out of the portal as the PDF for the police."""
        return AccessLogEntry.objects.create(
            incident=self,
            reference=self.reference or "",
            user=user,
            user_email=user.email,
            action=AccessLogEntry.Action.EXPORT,
            exported="Underlag till polisanmälan (PDF) med "
            + counted(files, "bevisfil", "bevisfiler"),
            rows=1,
        )

    def record_access(self, user: User, *, evidence: Evidence | None = None) -> None:
        AccessLogEntry.objects.create(
            incident=self,
            reference=self.reference or "",
            user=user,
            user_email=user.email,
            action=AccessLogEntry.Action.NEDLADDNING if evidence else AccessLogEntry.Action.VISNING,
            evidence_name=evidence.original_name if evidence else "",
        )

    def save_report(
        self,
        *,
        reporter: User,
        token: uuid.UUID,
        files: Iterable[PreparedFile],
        send: bool,
        registered_by: User | None = None,
    ) -> Incident:
        """Save what was written into the report form, a new report or the changes to a
        draft, with its files (checked, not yet stored), and send it if asked. However often
        the same form arrives, the report is made once (a new form's token is unique, see
        once_per_form) and sent once (a draft's row is locked, and a second sending finds it
        sent); a file already in the report is not stored again. Returns the report as it
        now is, which is the one made first if this form had already made one.

        reporter and token are the new report's; a draft keeps its own. registered_by: the
        security officer writing down a report from a call."""

        def save() -> Incident:
            if self.pk is None:
                self.reporter, self.submission_token = reporter, token
            else:
                # The same draft sent twice at once: the second waits here for the first,
                # and then finds it sent.
                current = Incident.objects.select_for_update().get(pk=self.pk)
                if not current.is_draft:
                    return current
            self.save()
            self.attach(files)
            if send:
                self.submit(registered_by=registered_by)
            return self

        return once_per_form(Incident.objects.made_by_form(token), save)

    def submit(self, *, registered_by: User | None = None) -> None:
        """Send the draft: give it the next reference of the year. Call inside a
        transaction; the mails go out only once it has committed.

        registered_by: the security officer who wrote the report down during a call from
        the reporter; the history says so."""
        assert self.is_draft, "a report is sent once"
        now = timezone.now()
        self.reference = ReferenceCounter.next_reference(timezone.localdate(now).year)
        self.submitted_at = now
        self.status = self.Status.NY
        self.registered_by = registered_by
        with Incident.objects.filter(pk=self.pk).recounted():
            self.save(
                update_fields=["reference", "submitted_at", "status", "registered_by", "updated_at"]
            )
        if registered_by is not None:
            TriageChange.objects.create(
                incident=self,
                changed_by=registered_by,
                changed_at=now,
                field="registered_by",
                old_value="–",
                new_value=str(registered_by),
                note="Registrerad av säkerhetshandläggaren efter ett samtal",
            )
        transaction.on_commit(self.notify_submitted)

    def add_supplement(
        self,
        author: User,
        text: str,
        prepared_files: Iterable[PreparedFile],
        token: uuid.UUID,
        *,
        in_reply_to: ReporterMessage | None = None,
    ) -> Supplement:
        """Information the reporter adds, or their answer to a message. A closed report is
        opened again, since what they add may need doing something about."""
        supplement = Supplement.objects.create(
            incident=self,
            author=author,
            text=text,
            submission_token=token,
            in_reply_to=in_reply_to,
        )
        self.attach(prepared_files, supplement=supplement)
        if self.status == self.Status.AVSLUTAD:
            self.change_triage(
                author,
                status=self.Status.UNDER_BEDOMNING,
                note="Öppnades igen när den som rapporterat lade till information",
            )
        transaction.on_commit(
            lambda: self.notify_officers(supplement=True, reply=in_reply_to is not None)
        )
        return supplement

    def delete_draft(self) -> None:
        """A draft may be deleted by its author: its files go with it."""
        assert self.is_draft, "a sent report can't be deleted"
        names = list(self.evidence.values_list("file", flat=True))
        self.delete()

        def delete_files() -> None:
            for name in names:
                default_storage.delete(name)

        transaction.on_commit(delete_files)

    def notify_submitted(self) -> None:
        self.notify_officers()
        self._send(
            "incidents/receipt",
            [self.reporter.email],
            url=settings.PORTAL_BASE_URL + self.get_absolute_url(),
            registered_by_officer=self.registered_by_id is not None,
        )

    def notify_officers(self, *, supplement: bool = False, reply: bool = False) -> None:
        User = get_user_model()  # noqa: N806
        recipients = list(User.objects.security_officers().values_list("email", flat=True))
        recipients += settings.INCIDENT_NOTIFY_EMAILS
        url = settings.PORTAL_BASE_URL + reverse("admin:incidents_incident_change", args=[self.pk])
        self._send("incidents/officers", recipients, url=url, supplement=supplement, reply=reply)

    def _send(self, kind: str, recipients: list[str], **context: Any) -> None:
        # The mail says only the reference and a link behind the login (see portal.mail). It
        # is queued once the report has committed; should it fail, the report is kept and
        # marked (mail_not_sent), so that the security officer sees it in the admin.
        if not recipients:
            logger.error("Ingen mottagare för e-post om händelserapport %s", self.reference)
            self._mark_notification_failed()
            return
        OutgoingMail.objects.queue(
            kind, recipients, {"reference": self.reference, **context}, source=str(self.pk)
        )

    @staticmethod
    def mail_not_sent(outgoing: OutgoingMail) -> None:
        """A mail about a report could not be sent (portal.mail.when_failed): the report is
        marked at the first failed try, since that is when the officers may not know of it,
        and stays marked if a later try goes through."""
        incident = Incident.objects.filter(pk=int(outgoing.source)).first()
        if incident is None:
            return
        logger.error(
            "E-post om händelserapport %s kunde inte skickas till %s (försök %d)",
            incident.reference,
            outgoing.recipient,
            outgoing.attempts,
        )
        incident._mark_notification_failed()

    def _mark_notification_failed(self) -> None:
        self.notification_failed_at = timezone.now()
        Incident.objects.filter(pk=self.pk).update(
            notification_failed_at=self.notification_failed_at
        )


def once_per_form[M: models.Model](made: models.QuerySet[M], make: Callable[[], M]) -> M:
    """make() in one transaction with the files it stores (evidence.atomic), once per form:
    the same form sent twice at the same instant (a double click) makes its row once, since
    its submission_token is unique, and the request that loses the race gets the row the
    other made (the first of the queryset made) instead of an error."""
    try:
        with atomic_with_files():
            return make()
    except IntegrityError:
        if (done := made.first()) is None:
            raise
        return done


class ReferenceCounter(models.Model):
    """The last reference number given each year under each prefix: with the prefix HHV,
    HHV-2026-0042 is the 42nd of 2026. The prefix is the organisation's
    (PORTAL_REFERENCE_PREFIX); should it ever change, the new one counts from 1 and the
    references already given keep theirs."""

    prefix = models.CharField("prefix", max_length=6)
    year = models.PositiveIntegerField("år")
    last = models.PositiveIntegerField("senaste nummer", default=0)

    class Meta:
        verbose_name = "referensräknare"
        verbose_name_plural = "referensräknare"
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "year"], name="one_counter_per_prefix_and_year"
            )
        ]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last}"

    @classmethod
    def next_reference(cls, year: int) -> str:
        prefix = organisation.current().reference_prefix
        # The row lock makes two reports sent at the same instant wait for each other
        # (PostgreSQL); on SQLite the database's write lock does the same.
        with transaction.atomic():
            counter, _ = cls.objects.select_for_update().get_or_create(prefix=prefix, year=year)
            counter.last += 1
            counter.save(update_fields=["last"])
        return f"{prefix}-{year}-{counter.last:04d}"


class Supplement(models.Model):
    """Information added to a sent report later, with its own time."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="supplements", verbose_name="rapport"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="av"
    )
    text = EncryptedTextField("text", max_length=MAX_TEXT, blank=True)
    # The reporter's answer to a message from the security officers.
    in_reply_to = models.ForeignKey(
        "ReporterMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name="svar på meddelande",
    )
    submission_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField("tillagd", auto_now_add=True)

    class Meta:
        verbose_name = "komplettering"
        verbose_name_plural = "kompletteringar"
        ordering = ["created_at"]

    def __str__(self):
        return f"{'Svar' if self.in_reply_to_id else 'Komplettering'} {_local(self.created_at)}"


class EvidenceQuerySet(models.QuerySet["Evidence"]):
    def visible_to(self, user: User) -> Self:
        """The author's own files; and to security officers, the files of sent reports."""
        mine = Q(incident__reporter=user)
        if is_verified_officer(user):
            return self.filter(mine | Q(incident__submitted_at__isnull=False))
        return self.filter(mine)


def _evidence_path(instance: Evidence, filename: str) -> str:
    return f"evidence/{filename}"


def delete_evidence_files(names: Iterable[str]) -> None:
    """Remove stored evidence files whose rows are gone. A file that can't be removed is
    named in the log and the error raised, never passed over."""
    failed = []
    for name in names:
        try:
            default_storage.delete(name)
        # Whatever the storage raises: OSError from a disk, botocore's errors from a bucket.
        except Exception:
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
    # In the default storage, private on a disk or in a bucket (incidents.evidence), and
    # encrypted there; its name as sent is encrypted in the database (portal.crypto).
    file = models.FileField("fil", upload_to=_evidence_path)
    original_name = EncryptedCharField("filnamn", max_length=255)
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

    def get_absolute_url(self) -> str:
        return reverse("incidents:evidence", args=[self.incident_id, self.pk])

    @property
    def download_name(self) -> str:
        """The name it was sent with, ending as what is stored: a cleaned HEIC photo is a JPEG."""
        stem = self.original_name.rsplit(".", 1)[0] or "fil"
        stored = self.file.name or ""
        return f"{stem}.{stored.rsplit('.', 1)[-1]}"


def _local(moment: datetime | None) -> str:
    """A stored time as it was in Sweden, for a label."""
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def _display(incident: Incident, field: str, value: Any) -> str:
    if value in (None, ""):
        return "–"
    if field == "status":
        return str(Incident.Status(value).label)
    if field == "severity":
        return str(Severity(value).label)
    if field == "police_report":
        return str(PoliceReport(value).label)
    if field in ("next_follow_up", "police_reported_on"):
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
    # Encrypted: the closing summary and message are among the fields whose changes are kept.
    old_value = EncryptedTextField("från", blank=True)
    new_value = EncryptedTextField("till", blank=True)
    # The report's version this change made: a handler whose form is older sees it.
    version = models.PositiveIntegerField("version", default=0)
    # Why, when the change was not someone's own choice of value (a report opened again
    # by the reporter's new information, a report registered after a call).
    note = models.CharField("anledning", max_length=200, blank=True)

    class Meta:
        verbose_name = "ändring"
        verbose_name_plural = "historik"
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.get_field_label()}: {self.old_value} → {self.new_value}"

    def get_field_label(self) -> str:
        field = Incident._meta.get_field(self.field)
        assert isinstance(field, models.Field)  # a field of the report, never a relation to it
        return str(capfirst(field.verbose_name))


class InternalNote(models.Model):
    """The security officers' own notes on a report: never shown to the reporter."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="notes", verbose_name="rapport"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, verbose_name="av"
    )
    text = EncryptedTextField("anteckning")
    created_at = models.DateTimeField("skriven", auto_now_add=True)

    class Meta:
        verbose_name = "intern anteckning"
        verbose_name_plural = "interna anteckningar (syns inte för den som rapporterat)"
        ordering = ["created_at"]

    def __str__(self):
        return f"Anteckning {_local(self.created_at)}"


class ReporterMessage(models.Model):
    """A message to the reporter, shown under Mina rapporter."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="messages", verbose_name="rapport"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, verbose_name="av"
    )
    text = EncryptedTextField("meddelande")
    created_at = models.DateTimeField("skickat", auto_now_add=True)

    class Meta:
        verbose_name = "meddelande till den som rapporterat"
        verbose_name_plural = "meddelanden till den som rapporterat"
        ordering = ["created_at"]

    def __str__(self):
        return f"Meddelande {_local(self.created_at)}"


class CallLogQuerySet(models.QuerySet["CallLog"]):
    def written_by(self, user: User) -> Self:
        return self.filter(incident__reporter=user)

    def made_by_form(self, token: uuid.UUID | str | None) -> Self:
        """The log the page with this submission_token has started, if it has."""
        return self.filter(incident__in=Incident.objects.made_by_form(token))


class CallLog(models.Model):
    """What an official writes down during a threatening call, or right after it: the plan's
    advice on a threat by telephone ("Dokumentera det som sägs, lyssna efter speciella ljud
    ... få personen att bekräfta sitt hot") as questions.

    It is kept on the server while it is typed, never in the browser, where the next user of
    a shared phone could read it. It hangs on a draft report (Hot, by telephone), so it is its
    author's alone as every draft is, is listed with their drafts and goes with the draft
    when it is deleted or gallrad. to_report() writes it into the draft, to complete and send
    in the report form."""

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, related_name="call_log", verbose_name="rapport"
    )
    # Stamped by the server when the log is made, whatever the phone's clock says.
    started_at = models.DateTimeField("loggen påbörjad", auto_now_add=True)
    # Each field its share of the report's MAX_TEXT, so that what the log writes into a
    # field of the report (what was said and what the caller wanted into "Vad hände under")
    # fits there: a whole call, word for word, is some thousand words. What was said and
    # heard, and the number shown, are encrypted as the report's own text is (portal.crypto):
    # they become its "during", description of the person, witnesses and place.
    said = EncryptedTextField("det som sades", max_length=6_000, blank=True)
    wants = EncryptedTextField("vad personen ville", max_length=3_000, blank=True)
    voice = EncryptedTextField("röst och sätt att tala", max_length=3_000, blank=True)
    background = EncryptedTextField("ljud i bakgrunden", max_length=3_000, blank=True)
    number_shown = EncryptedCharField("numret som visades", max_length=50, blank=True)
    call_time = models.TimeField("klockslag när samtalet kom", null=True, blank=True)
    duration = models.CharField("hur länge samtalet pågick", max_length=50, blank=True)
    listener = EncryptedTextField("lyssnade någon annan med", max_length=3_000, blank=True)
    updated_at = models.DateTimeField("senast sparad", auto_now=True)
    reported_at = models.DateTimeField("gjord till rapport", null=True, blank=True)

    TEXT_FIELDS = (
        "said", "wants", "voice", "background", "number_shown", "call_time", "duration",
        "listener",
    )  # fmt: skip

    objects = CallLogQuerySet.as_manager()

    class Meta:
        verbose_name = "samtalslogg"
        verbose_name_plural = "samtalsloggar"

    def __str__(self):
        return f"Samtalslogg {_local(self.started_at)}"

    def get_absolute_url(self) -> str:
        return reverse("incidents:call_log", args=[self.pk])

    @classmethod
    def start(cls, author: User, token: uuid.UUID) -> CallLog:
        """A new log with its draft report, made once for the page with this token however
        often its first saves arrive (see once_per_form). The one made first is returned,
        which is someone else's if the token was theirs: the caller checks."""

        def make() -> CallLog:
            incident = Incident.objects.create(
                reporter=author,
                submission_token=token,
                kinds=[Kind.HOT],
                channel=Channel.TELEFON,
                timing=Timing.HAR_HANT,
                occurred_on=timezone.localdate(),
            )
            return cls.objects.create(incident=incident)

        return once_per_form(cls.objects.made_by_form(token).select_related("incident"), make)

    def write(self, **values: Any) -> None:
        """Save what is typed so far. The draft counts as changed too, so that a log in use is
        not gallrad as a forgotten draft, and Mina rapporter shows when it was last saved."""
        assert set(values) <= set(self.TEXT_FIELDS), "only what the official writes"
        for name, value in values.items():
            setattr(self, name, value)
        with transaction.atomic():
            self.save(update_fields=[*values, "updated_at"])
            Incident.objects.filter(pk=self.incident_id).update(updated_at=timezone.now())

    @transaction.atomic
    def to_report(self) -> Incident:
        """Write the log into its draft report, once: what was said into what happened, the
        caller's voice, number and background into the description of the person, whoever
        listened in as a witness. Anything already in a field of the draft stays, with the
        log's text after it."""
        incident = Incident.objects.select_for_update().get(pk=self.incident_id)
        assert incident.is_draft, "a sent report is not written into"
        if self.reported_at is not None:
            return incident
        started = timezone.localtime(self.started_at)
        when = self.call_time or started.time().replace(second=0, microsecond=0)
        call = f"Hotfullt telefonsamtal kl. {when:%H:%M}"
        if self.duration:
            call += f", som pågick {self.duration}"
        call += (
            f". Antecknat under eller direkt efter samtalet (loggen påbörjades {started:%H:%M})."
        )
        during = _joined(
            call,
            _headed("Det som sades, ordagrant", self.said),
            _headed("Vad personen ville, och hur hotet bekräftades", self.wants),
        )
        person = _joined(
            _headed("Numret som visades", self.number_shown),
            _headed("Röst och sätt att tala", self.voice),
            _headed("Ljud i bakgrunden", self.background),
        )
        for field, text in [
            ("during", during),
            ("perpetrator_description", person),
            ("witnesses", self.listener),
        ]:
            setattr(incident, field, _joined(getattr(incident, field), text))
        if not incident.place:
            incident.place = "Telefonsamtal" + (
                f" från {self.number_shown}" if self.number_shown else ""
            )
        incident.kinds = list(dict.fromkeys([*incident.kinds, Kind.HOT]))
        incident.channel = Channel.TELEFON
        incident.occurred_on = incident.occurred_on or started.date()
        incident.occurred_time = incident.occurred_time or when
        incident.timing = incident.timing or Timing.HAR_HANT
        incident.save()
        self.reported_at = timezone.now()
        self.save(update_fields=["reported_at", "updated_at"])
        return incident


def _headed(heading: str, text: str) -> str:
    return f"{heading}:\n{text.strip()}" if text.strip() else ""


def _joined(*parts: str) -> str:
    """The parts that have something in them, a blank line apart; a part already there once."""
    kept: list[str] = []
    for part in parts:
        if part.strip() and part.strip() not in kept:
            kept.append(part.strip())
    return "\n\n".join(kept)


class AccessLogEntryQuerySet(models.QuerySet["AccessLogEntry"]):
    def past_retention(self, now: datetime) -> Self:
        return self.filter(at__lt=now - timedelta(days=settings.PORTAL_RETENTION_ACCESS_LOG_DAYS))


class AccessLogEntry(models.Model):
    """Every opening of a report in the admin, every download of evidence and of the
    underlag till polisanmälan, the reporter's own downloads included (the reporter's own
    page of the report is not logged). Read-only for everyone; the reference and the e-mail
    address are copied so the row outlives both."""

    class Action(models.TextChoices):
        VISNING = "visning", "Visade rapporten"
        NEDLADDNING = "nedladdning", "Laddade ned fil"
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
    evidence_name = EncryptedCharField("fil", max_length=255, blank=True)  # as Evidence
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
        return f"{_local(self.at)} {self.user_email} {self.get_action_display()}"

    @classmethod
    def record_export(cls, user: User, exported: str, *, rows: int) -> AccessLogEntry:
        """An export of reports (or of figures about them) to a file that leaves the portal."""
        return cls.objects.create(
            user=user,
            user_email=user.email,
            action=cls.Action.EXPORT,
            exported=exported[: AccessLogEntry._meta.get_field("exported").max_length],
            rows=rows,
        )
