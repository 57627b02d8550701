from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any, Self

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, Group, PermissionsMixin
from django.contrib.auth.tokens import default_token_generator
from django.core.mail.backends.base import BaseEmailBackend
from django.db import models, transaction
from django.db.models import Max, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.functional import cached_property
from django.utils.http import urlsafe_base64_encode

from . import mail, organisation

# The group, made by a migration, that holds exactly the permissions the security
# officers' work needs. Membership, not the role field, is what opens the reports.
SECURITY_OFFICERS = "Säkerhetshandläggare"


class Publication(models.TextChoices):
    """Whether what the security officers write (a section of the plan, a notice, a
    training module) is out for the officials to read, or still a draft."""

    UTKAST = "utkast", "Utkast"
    PUBLICERAD = "publicerad", "Publicerad"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        if not email:
            raise ValueError("E-postadress krävs.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)  # None gives an unusable password: invite them instead
        user.save(using=self._db)
        user.set_role(user.role)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        # IT's account (createsuperuser) gives no role of its own: a superuser is not a
        # security officer and reads no reports unless given the role as well.
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, email: str | None) -> "User":
        return self.get(email__iexact=email)

    def security_officers(self) -> models.QuerySet["User"]:
        return self.filter(is_active=True, is_staff=True, groups__name=SECURITY_OFFICERS)

    def officials(self) -> models.QuerySet["User"]:
        """The active elected officials: everyone the notices, the training and its
        reminders are for. The security officers and other staff are not among them."""
        return self.filter(is_active=True, is_staff=False, role=self.model.Role.FORTROENDEVALD)


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        FORTROENDEVALD = "fortroendevald", "Förtroendevald"
        SAKERHETSHANDLAGGARE = "sakerhetshandlaggare", "Säkerhetshandläggare"

    email = models.EmailField("e-postadress", unique=True)
    full_name = models.CharField("namn", max_length=150)
    phone = models.CharField("telefon", max_length=40, blank=True)
    party = models.CharField("parti", max_length=100, blank=True)
    role = models.CharField("roll", max_length=30, choices=Role, default=Role.FORTROENDEVALD)
    is_active = models.BooleanField("aktiv", default=True)
    is_staff = models.BooleanField(
        "personal", default=False, help_text="Får logga in i administrationen."
    )
    date_joined = models.DateTimeField("skapad", default=timezone.now)
    invited_at = models.DateTimeField("inbjudan skickad", null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = "användare"
        verbose_name_plural = "användare"
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def is_security_officer(self) -> bool:
        return (
            self.is_active and self.is_staff and self.groups.filter(name=SECURITY_OFFICERS).exists()
        )

    def set_role(self, role: str) -> None:
        """Give the user a role, and with it the group: the role is what the admin shows,
        membership of Säkerhetshandläggare is what opens the reports, and the two never
        disagree. A säkerhetshandläggare works in the admin, so is staff too; anyone else
        leaves the group (and stays staff if they were, as IT does)."""
        officers = Group.objects.filter(name=SECURITY_OFFICERS)
        self.role = role
        if role == self.Role.SAKERHETSHANDLAGGARE:
            self.is_staff = True
            self.save(update_fields=["role", "is_staff"])
            self.groups.add(officers.get())
        else:
            self.save(update_fields=["role"])
            self.groups.remove(*officers)
        self.__dict__.pop("is_security_officer", None)  # the cached answer is now stale

    def invitation_url(self) -> str:
        """A one-time link to choose a password: it stops working once one is chosen."""
        path = reverse(
            "invitation_accept",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(self.pk)),
                "token": default_token_generator.make_token(self),
            },
        )
        return settings.PORTAL_BASE_URL + path

    def invite(self) -> mail.Result:
        """Mail the link to choose a password. It is recorded as sent (invited_at) once it has
        gone (invitation_sent), which with a worker is a moment after this returns; the result
        says whether it went already, failed at a first try or waits for the worker."""
        context = {
            "name": self.full_name,
            "email": self.email,
            "url": self.invitation_url(),
            "base_url": settings.PORTAL_BASE_URL,
        }
        return OutgoingMail.objects.queue(
            "portal/invitation", [self.email], context, source=str(self.pk)
        )

    @staticmethod
    def invitation_sent(outgoing: "OutgoingMail") -> None:
        User.objects.filter(pk=int(outgoing.source)).update(invited_at=outgoing.sent_at)


# How long a mail that could not be sent waits before the next try: each wait five times the
# last, so that a mail server down for a minute costs a minute and one down for the night is
# still tried in the morning. After the last wait comes the last try, some 13 hours after the
# first; a mail that fails that too is given up, and shown to the officers in the admin.
RETRY_DELAYS = [timedelta(minutes=minutes) for minutes in (1, 5, 25, 125, 625)]
ATTEMPTS = len(RETRY_DELAYS) + 1


class OutgoingMailQuerySet(models.QuerySet["OutgoingMail"]):
    def waiting(self) -> Self:
        return self.filter(state=OutgoingMail.State.VANTAR)

    def due(self) -> Self:
        """Waiting, and its time to be tried has come; the longest waiting first."""
        return (
            self.waiting()
            .filter(next_attempt_at__lte=timezone.now())
            .order_by("next_attempt_at", "pk")
        )

    def given_up(self) -> Self:
        return self.filter(state=OutgoingMail.State.MISSLYCKAD)

    def queue(
        self,
        kind: str,
        recipients: Iterable[str],
        context: Mapping[str, Any],
        *,
        source: str = "",
        once: bool = False,
    ) -> mail.Result:
        """Queue a mail of this kind to each address, a row each with the plain data its
        templates are rendered with (portal.mail), and hand them to a task that sends them.
        source names what the mail is about, for the kind's handlers (portal.mail.when_sent);
        once: a mail the same recipient gets only once for the same source, however often
        this is called (and a second caller at the same instant fails on the table's
        constraint).

        The rows and the task are made in one transaction: with a worker (the database
        backend) nothing is sent before the caller's transaction commits, and this returns
        at once, every recipient waiting. Without one (make run, the tests) the task has sent
        them when this returns, and the result says how that went."""
        # The task module imports this one.
        from .tasks import deliver_mail

        mail.plain(context)
        recipients = list(dict.fromkeys(recipients))
        now = timezone.now()
        with transaction.atomic():
            if once:
                queued = self.filter(kind=kind, source=source, once=True)
                already = set(queued.values_list("recipient", flat=True))
                recipients = [address for address in recipients if address not in already]
            if not recipients:
                return mail.Result()
            rows = OutgoingMail.objects.bulk_create(
                [
                    OutgoingMail(
                        kind=kind,
                        recipient=address,
                        context=context,
                        source=source,
                        once=once,
                        created_at=now,
                        next_attempt_at=now,
                    )
                    for address in recipients
                ],
                batch_size=2000,
            )
            deliver_mail.enqueue()
        if deliver_mail.get_backend().supports_defer:
            return mail.Result(waiting=recipients)
        # The rows just made: only another caller queueing the same kind about the same
        # thing at the same instant could have rows between the first and the last.
        keys = [row.pk for row in rows]
        return self.filter(pk__gte=min(keys), pk__lte=max(keys), kind=kind, source=source).outcome()

    def outcome(self) -> mail.Result:
        """How these mails went so far."""
        result = mail.Result()
        rows = self.order_by("pk").values_list("recipient", "state", "attempts", "last_error")
        for recipient, state, attempts, error in rows:
            if state == OutgoingMail.State.SKICKAD:
                result.sent.append(recipient)
            elif attempts:
                result.failed.append(recipient)
                result.reasons[recipient] = error
            else:
                result.waiting.append(recipient)
        return result

    def wake_ups(self) -> list[datetime]:
        """When to look again for these mails waiting for their next try: for each number of
        tries made, the time the last of them is due. So a handful of tasks wait for any
        number of mails, and none is due before one of them runs."""
        times = self.waiting().order_by().values("attempts").annotate(at=Max("next_attempt_at"))
        return sorted(t["at"] for t in times)

    def try_again(self) -> int:
        """What was given up or waits for its next try is tried again now, as if new."""
        from .tasks import deliver_mail

        with transaction.atomic():
            count = self.exclude(state=OutgoingMail.State.SKICKAD).update(
                state=OutgoingMail.State.VANTAR, attempts=0, next_attempt_at=timezone.now()
            )
            if count:
                deliver_mail.enqueue()
        return count


class OutgoingMail(models.Model):
    """One mail to one address in the outbox: waiting for the worker, sent, or given up after
    the last try. It keeps the plain data the mail is rendered with (never a report's
    content, see portal.mail) until it has gone; the admin shows who it is for and what kind
    it is, never what it says."""

    class State(models.TextChoices):
        VANTAR = "vantar", "Väntar"
        SKICKAD = "skickad", "Skickad"
        MISSLYCKAD = "misslyckad", "Gick inte att skicka"

    kind = models.CharField("slag", max_length=60)
    recipient = models.EmailField("mottagare")
    context = models.JSONField("uppgifter till mejlet", default=dict, blank=True)
    source = models.CharField("gäller", max_length=60, blank=True)
    once = models.BooleanField("bara en gång", default=False)
    state = models.CharField("status", max_length=10, choices=State, default=State.VANTAR)
    attempts = models.PositiveSmallIntegerField("försök", default=0)
    next_attempt_at = models.DateTimeField("nästa försök", default=timezone.now)
    last_error = models.CharField("senaste fel", max_length=100, blank=True)
    created_at = models.DateTimeField("köad", default=timezone.now, db_index=True)
    sent_at = models.DateTimeField("skickad", null=True, blank=True)

    objects = OutgoingMailQuerySet.as_manager()

    class Meta:
        verbose_name = "utgående e-post"
        verbose_name_plural = "utgående e-post"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "source"],
                condition=Q(once=True),
                name="outgoing_mail_once",
            ),
        ]
        indexes = [
            # The worker's question, asked before every mail: the waiting ones, the oldest
            # first. The sent ones, most of the table, are not in it.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(state="vantar"),
                name="outgoing_mail_waiting",
            ),
        ]

    def __str__(self):
        return f"{self.kind_name} till {self.recipient}"

    @property
    def kind_name(self) -> str:
        return mail.KINDS.get(self.kind, self.kind)

    def attempt(
        self, connection: BaseEmailBackend, names: organisation.Organisation | None = None
    ) -> bool:
        """Send this mail over the open connection and record how it went. Called with the
        row locked, in the transaction that records it: the mail is marked sent in the same
        transaction as it is claimed and sent, so no two workers send it, and a worker
        stopped before the commit leaves it waiting."""
        result = mail.send(
            self.kind, [self.recipient], self.context, connection=connection, names=names
        )
        if result.sent:
            self.record_sent()
        else:
            self.record_failure(result.reasons.get(self.recipient, ""))
        return bool(result.sent)

    def record_sent(self) -> None:
        self.state = self.State.SKICKAD
        self.sent_at = timezone.now()
        self.attempts += 1
        # It may hold a one-time link (an invitation, a new password), needed no more.
        self.context = {}
        self.save(update_fields=["state", "sent_at", "attempts", "context"])
        mail.tell(self, sent=True)

    def record_failure(self, error: str) -> None:
        """A try that failed, with the kind of error (a class name, never a message, which
        may quote the mail): tried again after a longer wait, or, after the last try, given
        up."""
        self.attempts += 1
        self.last_error = error[:100]
        if self.attempts >= ATTEMPTS:
            self.state = self.State.MISSLYCKAD
        else:
            self.next_attempt_at = timezone.now() + RETRY_DELAYS[self.attempts - 1]
        self.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])
        mail.tell(self, sent=False)


class DailyJob(models.Model):
    """The daily jobs that every server's timer may start: the day each last ran, so that
    the reminders go out once a day, and a row to hold while one runs, so that gallra runs
    on one server at a time."""

    name = models.CharField("jobb", max_length=60, unique=True)
    day = models.DateField("senast körd för", null=True)
    ran_at = models.DateTimeField("körd", null=True)

    class Meta:
        verbose_name = "dagligt jobb"
        verbose_name_plural = "dagliga jobb"

    def __str__(self):
        return self.name

    @classmethod
    @contextmanager
    def once_a_day(cls, name: str, day: date) -> Iterator[bool]:
        """with DailyJob.once_a_day("send_reminders", today) as first: ... first is True
        for the run that gets the day, and the job is done inside the with, in one
        transaction that holds the job's row. Another server starting the job at the same
        moment waits for that row (PostgreSQL's row lock, SQLite's write lock), then finds
        the day taken and gets False. A job that fails is rolled back, day and all, and can
        be run again."""
        cls.objects.get_or_create(name=name)
        with transaction.atomic():
            taken = (
                cls.objects.filter(name=name)
                .exclude(day=day)
                .update(day=day, ran_at=timezone.now())
            )
            yield bool(taken)

    @classmethod
    @contextmanager
    def one_at_a_time(cls, name: str) -> Iterator[None]:
        """with DailyJob.one_at_a_time("gallra"): ... the job runs inside the with, in one
        transaction that holds the job's row: another server starting it meanwhile waits,
        and runs after it (finding, for gallra, nothing left to do)."""
        cls.objects.get_or_create(name=name)
        with transaction.atomic():
            cls.objects.filter(name=name).update(ran_at=timezone.now())
            yield


class SecurityUnit(models.Model):
    """The security officers' unit, as the mails sign off and the privacy page names it. The
    officers rename it in the admin when their organisation reorganises; everything else
    about the organisation is IT's, in the settings (portal.organisation). One row."""

    # Always 1: there is one unit, and the database holds no second.
    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    name = models.CharField(
        "enhetens namn",
        max_length=150,
        default="säkerhets- och beredskapsstaben",
        help_text=(
            "Som den skrivs mitt i en mening, i bestämd form: till exempel "
            "”säkerhetsenheten” eller ”trygghetsavdelningen”. Står i e-postens "
            "underskrift och på sidan om personuppgifter."
        ),
    )
    updated_at = models.DateTimeField("senast ändrad", auto_now=True)

    class Meta:
        verbose_name = "säkerhetsenhet"
        verbose_name_plural = "säkerhetsenhet"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="one_security_unit")]

    def __str__(self):
        return self.name

    @classmethod
    def current(cls) -> "SecurityUnit":
        unit, _ = cls.objects.get_or_create(pk=1)
        return unit
