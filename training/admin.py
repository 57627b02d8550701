from django import forms
from django.contrib import admin
from django.db.models import Count
from django.urls import path
from django.utils.text import capfirst

from guidance.rendering import known_contacts_only
from portal.admin_site import LabelledListEditableMixin, OfficersOnlyMixin

from .models import Choice, Question, TrainingModule
from .overview import overview_view


class OfficersWriteMixin(OfficersOnlyMixin):
    """Only the security officers compose the training, not even a superuser outside the
    group."""

    def has_add_permission(self, request, *args):
        return request.user.is_security_officer and super().has_add_permission(request, *args)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_security_officer and super().has_delete_permission(request, obj)


class TrainingModuleForm(forms.ModelForm):
    class Meta:
        model = TrainingModule
        fields = ["title", "slug", "order", "status", "is_introduction", "intro", "sections"]
        # Checkboxes rather than the admin's two-box filter, whose search icon carries an
        # aria-label that screen readers may not be given (axe: aria-prohibited-attr).
        widgets = {
            "intro": forms.Textarea(attrs={"rows": 10}),
            "sections": forms.CheckboxSelectMultiple,
        }

    def clean_intro(self):
        return known_contacts_only(self.cleaned_data["intro"])


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["text", "order", "explanation"]
        widgets = {"explanation": forms.Textarea(attrs={"rows": 3})}

    def clean_explanation(self):
        return known_contacts_only(self.cleaned_data["explanation"])


class QuestionInline(OfficersWriteMixin, admin.StackedInline):
    model = Question
    form = QuestionForm
    extra = 0
    show_change_link = True  # the choices are edited on the question's own page
    verbose_name_plural = "frågor (svarsalternativen skrivs på frågans egen sida: ”Ändra”)"


class ChoiceFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        """A table's cells have no labels of their own: each field is named for screen
        readers by its column and the choice's number."""
        super().add_fields(form, index)
        if index is not None:
            for field in form.fields.values():
                label = f"{capfirst(field.label)}, alternativ {index + 1}"
                field.widget.attrs["aria-label"] = label

    def clean(self):
        super().clean()
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if len(kept) < 2:
            raise forms.ValidationError("Skriv minst två svarsalternativ.")
        if not any(choice.get("is_correct") for choice in kept):
            raise forms.ValidationError("Markera minst ett svarsalternativ som rätt svar.")


class ChoiceInline(OfficersWriteMixin, admin.TabularInline):
    model = Choice
    formset = ChoiceFormSet
    extra = 3
    fields = ["text", "is_correct"]


@admin.register(TrainingModule)
class TrainingModuleAdmin(LabelledListEditableMixin, OfficersWriteMixin, admin.ModelAdmin):
    form = TrainingModuleForm
    list_display = ["title", "order", "status", "is_introduction", "completions_count"]
    list_editable = ["order", "status"]
    list_display_links = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["updated_at"]
    inlines = [QuestionInline]
    change_list_template = "admin/training/trainingmodule/change_list.html"

    def get_urls(self):
        overview = path(
            "oversikt/",
            self.admin_site.admin_view(overview_view),
            name="training_trainingmodule_overview",
        )
        return [overview, *super().get_urls()]  # before <path:object_id>/

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(completions_count=Count("completions"))

    @admin.display(description="antal klara", ordering="completions_count")
    def completions_count(self, obj):
        return obj.completions_count


@admin.register(Question)
class QuestionAdmin(OfficersWriteMixin, admin.ModelAdmin):
    form = QuestionForm
    list_display = ["text", "module", "order"]
    list_filter = ["module"]
    list_select_related = ["module"]
    fields = ["module", "text", "order", "explanation"]
    inlines = [ChoiceInline]
