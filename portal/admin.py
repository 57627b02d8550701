from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.models import Group

from .models import SECURITY_OFFICERS, User


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
    actions = ["send_invitation"]
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
                    "Kontot skapas utan lösenord. Skicka sedan en inbjudan från listan: "
                    "personen får en länk för att välja sitt lösenord."
                ),
            },
        )
    ]

    def save_related(self, request, form, formsets, change):
        # The role decides the group: a säkerhetshandläggare gets the admin and the
        # group's permissions, anyone else loses them.
        super().save_related(request, form, formsets, change)
        user = form.instance
        group = Group.objects.get(name=SECURITY_OFFICERS)
        if user.role == User.Role.SECURITY_OFFICER:
            user.groups.add(group)
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
        else:
            user.groups.remove(group)

    @admin.action(description="Skicka inbjudan med länk för att välja lösenord")
    def send_invitation(self, request, queryset):
        users = list(queryset.filter(is_active=True))
        for user in users:
            user.invite()
        self.message_user(
            request, f"Inbjudan skickad till {len(users)} användare.", messages.SUCCESS
        )
