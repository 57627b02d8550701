from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, Group, PermissionsMixin
from django.contrib.auth.tokens import default_token_generator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.functional import cached_property
from django.utils.http import urlsafe_base64_encode

from . import mail

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

    def invite(self) -> bool:
        """Mail the link to choose a password. Returns whether the mail went out; only then
        is it recorded as sent."""
        context = {
            "name": self.full_name,
            "email": self.email,
            "url": self.invitation_url(),
            "base_url": settings.PORTAL_BASE_URL,
        }
        if not mail.send("portal/invitation", [self.email], context).sent:
            return False
        self.invited_at = timezone.now()
        self.save(update_fields=["invited_at"])
        return True


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
