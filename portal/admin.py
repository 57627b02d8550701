from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from . import mail, twofactor
from .admin_site import OfficersOnlyMixin, ToDo
from .models import OutgoingMail, OutgoingMailQuerySet, SecurityUnit, User
from .security import AuthenticatedHttpRequest, is_verified_officer
from .words import counted

# What an officer is told of a mail that could not be sent at once.
RETRIED = (
    "Portalen försöker igen om en stund, och sedan med allt längre mellanrum. Går den ändå "
    "inte fram syns det under Utgående e-post."
)


class UserCreationForm(forms.ModelForm):
    """New accounts get no password: the person chooses one through the invitation."""

    class Meta:
        model = User
        fields = ["email", "full_name", "phone", "party", "role"]

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("Det finns redan ett konto med den e-postadressen.")
        return email

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ["email", "full_name", "party", "role", "is_staff", "is_active", "invited_at"]
    list_filter = ["role", "is_staff", "is_active"]
    search_fields = ["email", "full_name", "party"]
    ordering = ["full_name"]
    readonly_fields = ["last_login", "date_joined", "invited_at"]
    actions = ["send_invitation", "reset_two_factor"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "phone", "party", "role"]}),
        (
            "Behörighet",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Datum", {"fields": ["last_login", "date_joined", "invited_at"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "fields": ["email", "full_name", "phone", "party", "role"],
                "description": (
                    "Kontot skapas utan lösenord. Skicka sedan en inbjudan med knappen "
                    "Skicka inbjudan på personens sida: personen får en länk för att välja "
                    "sitt lösenord."
                ),
            },
        )
    ]
    # The security officers manage the officials' accounts: the person's details, the
    # invitation, whether the account is active. Rights (superuser, staff, groups,
    # permissions, the role that gives the group), the password and every staff account,
    # their own included, are for superusers only: otherwise one taken-over officer's
    # account could give itself, or anyone, everything.
    officer_fieldsets = [
        (None, {"fields": ["email"]}),
        ("Person", {"fields": ["full_name", "phone", "party", "role"]}),
        ("Konto", {"fields": ["is_active"]}),
        ("Datum", {"fields": ["last_login", "date_joined", "invited_at"]}),
    ]
    officer_add_fieldsets = [
        (
            None,
            {
                "fields": ["email", "full_name", "phone", "party"],
                "description": add_fieldsets[0][1]["description"],
            },
        )
    ]

    def get_fieldsets(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return self.officer_add_fieldsets if obj is None else self.officer_fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if request.user.is_superuser or obj is None:
            return readonly
        # The role gives the group; a new address would send the reset link to the officer.
        return [*readonly, "email", "role"]

    def get_queryset(self, request):
        users = super().get_queryset(request)
        return users if request.user.is_superuser else users.filter(is_superuser=False)

    def has_change_permission(self, request, obj=None):
        if obj is not None and (obj.is_staff or obj.is_superuser) and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    change_form_template = "admin/portal/user/change_form.html"

    def get_urls(self):
        invite = path(
            "<id>/skicka-inbjudan/",
            self.admin_site.admin_view(self.invitation_view),
            name="portal_user_invite",
        )
        return [invite, *super().get_urls()]

    def may_invite(self, request: HttpRequest, user: User) -> bool:
        # As the list's action: an active account the asker may change, so an officer
        # invites officials, never a staff account.
        return user.is_active and self.has_change_permission(request, user)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        user = self.get_object(request, object_id)
        context = {"may_invite": user is not None and self.may_invite(request, user)}
        return super().change_view(
            request, object_id, form_url, {**context, **(extra_context or {})}
        )

    def invitation_view(self, request: HttpRequest, id: str) -> HttpResponse:
        """The change page's Skicka inbjudan: asks first, showing to whom, then sends."""
        user = self.get_object(request, id)
        if user is None:
            # The admin's own answer to an address of no object; the stubs leave it out.
            return self._get_obj_does_not_exist_redirect(request, self.opts, id)  # type: ignore[attr-defined]
        if not self.may_invite(request, user):
            raise PermissionDenied
        change_url = reverse("admin:portal_user_change", args=[user.pk])
        if request.method == "POST":
            result = user.invite()
            if result.failed:
                self.message_user(
                    request,
                    f"Inbjudan till {user} ({user.email}) kunde inte skickas just nu. {RETRIED}",
                    messages.ERROR,
                )
            else:
                self.log_change(request, user, "Skickade en inbjudan.")
                self.message_user(
                    request,
                    f"Inbjudan skickad till {user} ({user.email})."
                    if result.sent
                    else f"Inbjudan till {user} ({user.email}) skickas om en liten stund.",
                    messages.SUCCESS,
                )
            return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": "Skicka inbjudan",
            "opts": self.opts,
            "original": user,
            "invited": user,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/portal/user/invitation_confirm.html", context)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        # Officers never set or see a password: they send an invitation or a reset link.
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def save_related(self, request, form, formsets, change):
        # The role decides the group: a säkerhetshandläggare gets the admin and the
        # group's permissions; anyone else is taken out of the group, and so sees none of
        # the officers' work, but keeps staff status if IT gave it.
        super().save_related(request, form, formsets, change)
        form.instance.set_role(form.instance.role)

    @admin.action(description="Skicka inbjudan med länk för att välja lösenord")
    def send_invitation(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        if not request.user.is_superuser:
            queryset = queryset.filter(is_staff=False)
        sent: list[User] = []
        waiting: list[User] = []
        failed: list[User] = []
        for user in queryset.filter(is_active=True):
            result = user.invite()
            (failed if result.failed else sent if result.sent else waiting).append(user)
        if sent or not (failed or waiting):
            self.message_user(
                request,
                f"Inbjudan skickad till {counted(len(sent), 'användare', 'användare')}.",
                messages.SUCCESS,
            )
        if waiting:
            self.message_user(
                request,
                f"Inbjudan skickas om en liten stund till "
                f"{counted(len(waiting), 'användare', 'användare')}.",
                messages.SUCCESS,
            )
        if failed:
            self.message_user(
                request,
                f"Inbjudan kunde inte skickas till {counted(len(failed), 'användare', 'användare')}"
                f": {', '.join(u.email for u in failed)}. {RETRIED}",
                messages.ERROR,
            )

    def has_reset_two_factor_permission(self, request):
        return request.user.is_superuser or is_verified_officer(request.user)

    @admin.action(description="Återställ tvåstegsverifiering", permissions=["reset_two_factor"])
    def reset_two_factor(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[User]
    ) -> TemplateResponse | None:
        """For an officer who has lost the phone: the app and the recovery codes are removed
        and every login of theirs ends, so that the next login sets up a new app. Your own
        you don't reset here: a recovery code lets you in, and a stolen session must not be
        able to swap the second factor for its own."""
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(
                request,
                "Din egen tvåstegsverifiering återställer du inte här. Logga in med en av dina "
                "reservkoder, eller be en annan säkerhetshandläggare om hjälp.",
                messages.WARNING,
            )
        others = queryset.exclude(pk=request.user.pk)
        users = list(others.filter(is_staff=True))  # only staff have a second factor
        if not users:
            if others.exists():
                self.message_user(
                    request,
                    "Förtroendevalda loggar in utan tvåstegsverifiering: det finns inget att "
                    "återställa för dem.",
                    messages.WARNING,
                )
            return None
        if request.POST.get("post") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": "Återställ tvåstegsverifiering",
                "opts": self.opts,
                "users": users,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/portal/user/reset_two_factor.html", context)
        for user in users:
            ended = twofactor.reset(user)
            self.log_change(
                request,
                user,
                "Återställde tvåstegsverifieringen: tog bort appen och reservkoderna, "
                f"avslutade {counted(ended, 'inloggning', 'inloggningar')}.",
            )
        names = ", ".join(str(user) for user in users)
        self.message_user(
            request,
            f"Tvåstegsverifieringen är återställd för {names}. Vid nästa inloggning visas en "
            "ny QR-kod att skanna med appen.",
            messages.SUCCESS,
        )
        return None


@admin.register(SecurityUnit)
class SecurityUnitAdmin(admin.ModelAdmin):
    """One row: made when first needed, or here, and never deleted."""

    fields = ["name"]
    list_display = ["name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not SecurityUnit.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# What the outbox shows of a mail: never its context, which is what the mail says.
OUTBOX_COLUMNS = (
    "recipient", "kind_name", "state", "attempts", "last_error", "next_attempt_at",
    "created_at", "sent_at",
)  # fmt: skip


class KindFilter(admin.SimpleListFilter):
    """The kinds of mail by their names, not their templates' paths."""

    title = "slag"
    parameter_name = "slag"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(mail.KINDS.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(OutgoingMail)
class OutgoingMailAdmin(OfficersOnlyMixin, admin.ModelAdmin):
    """The outbox, for the officers alone (a receipt to someone says that they reported):
    who each mail is for, its kind and how it went, never what it says."""

    list_display = OUTBOX_COLUMNS
    list_filter = ["state", KindFilter]
    search_fields = ["recipient"]
    fields = OUTBOX_COLUMNS
    readonly_fields = OUTBOX_COLUMNS
    actions = ["try_again"]

    @admin.display(description="slag")
    def kind_name(self, obj: OutgoingMail) -> str:
        return obj.kind_name

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_try_again_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    @admin.action(description="Försök skicka igen nu", permissions=["try_again"])
    def try_again(self, request: HttpRequest, queryset: OutgoingMailQuerySet) -> None:
        count = queryset.try_again()
        self.message_user(
            request,
            f"{counted(count, 'mejl', 'mejl')} försöks igen nu."
            if count
            else "De markerade mejlen är redan skickade.",
            messages.SUCCESS if count else messages.WARNING,
        )


def mail_to_do(request: HttpRequest) -> list[ToDo]:
    """The start page's Att göra: mail given up in the last week, if any."""
    if not is_verified_officer(request.user):
        return []
    week = timezone.now() - timedelta(days=7)
    count = OutgoingMail.objects.given_up().filter(created_at__gte=week).count()
    if not count:
        return []
    url = reverse("admin:portal_outgoingmail_changelist")
    return [
        ToDo(
            "E-post som inte gick att skicka",
            count,
            counted(count, "mejl", "mejl"),
            f"{url}?state__exact={OutgoingMail.State.MISSLYCKAD}",
        )
    ]
