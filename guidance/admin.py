from django import forms
from django.contrib import admin

from portal.admin_site import LabelledListEditableMixin

from .models import Contact, Section
from .rendering import known_contacts_only


class SectionForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ["phase", "title", "slug", "order", "status", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 24})}

    def clean_body(self) -> str:
        return known_contacts_only(self.cleaned_data["body"])


@admin.register(Section)
class SectionAdmin(LabelledListEditableMixin, admin.ModelAdmin):
    form = SectionForm
    list_display = ["title", "phase", "order", "status", "updated_at"]
    list_filter = ["phase", "status"]
    list_editable = ["order", "status"]
    search_fields = ["title", "body"]
    readonly_fields = ["updated_at"]
    fields = ["phase", "title", "slug", "order", "status", "body", "updated_at"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Contact)
class ContactAdmin(LabelledListEditableMixin, admin.ModelAdmin):
    list_display = ["title", "person", "phone", "email", "urgent", "order", "key"]
    list_editable = ["order"]
    readonly_fields = ["updated_at"]
    fields = [
        "title", "person", "description", "phone", "email", "url",
        "urgent", "order", "key", "updated_at",
    ]  # fmt: skip
