from datetime import date, datetime, time
from typing import Any, cast

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.text import capfirst

from guidance.models import Section
from guidance.rendering import known_contacts_only
from portal.admin_site import LabelledListEditableMixin, OfficersOnlyMixin
from portal.models import User

from .models import Choice, Completion, QuizQuestion, TrainingModule, answers_not_in
from .overview import overview_view


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

    def clean_intro(self) -> str:
        return known_contacts_only(self.cleaned_data["intro"])


def not_in_section_error(section: Section, missing: list[str]) -> forms.ValidationError:
    return forms.ValidationError(
        "Ett rätt svar ska stå ordagrant i avsnittet frågan bygger på. ”%(section)s” säger "
        "inte: %(missing)s. Skriv svaret med handlingsplanens ord, eller välj ett annat avsnitt.",
        params={"section": section.title, "missing": "; ".join(f"”{m}”" for m in missing)},
    )


class QuizQuestionForm(forms.ModelForm):
    class Meta:
        model = QuizQuestion
        fields = ["text", "order", "section", "explanation"]
        widgets = {"explanation": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        section = cast(forms.ModelChoiceField, self.fields["section"])
        section.queryset = Section.objects.order_by("phase", "order")

    def clean_explanation(self) -> str:
        return known_contacts_only(self.cleaned_data["explanation"])


class QuizQuestionInlineForm(QuizQuestionForm):
    """On the module's page the choices are not edited: a question moved to another section
    must still find its right answers, as they stand, in the new one."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        section = cleaned.get("section")
        if section and self.instance.pk and "section" in self.changed_data:
            right = self.instance.choices.filter(is_correct=True).values_list("text", flat=True)
            if missing := answers_not_in(section, right):
                self.add_error("section", not_in_section_error(section, missing))
        return cleaned


class QuizQuestionInline(OfficersOnlyMixin, admin.StackedInline):
    model = QuizQuestion
    form = QuizQuestionInlineForm
    extra = 0
    show_change_link = True  # the choices are edited on the question's own page
    verbose_name_plural = "frågor (svarsalternativen skrivs på frågans egen sida: ”Ändra”)"


class ChoiceFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form: forms.ModelForm, index: int | None) -> None:
        """A table's cells have no labels of their own: each field is named for screen
        readers by its column and the choice's number."""
        super().add_fields(form, index)
        if index is not None:
            for field in form.fields.values():
                label = f"{capfirst(field.label)}, alternativ {index + 1}"
                field.widget.attrs["aria-label"] = label

    def clean(self) -> None:
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
        # The question as its form has just cleaned it, with the section chosen there.
        section = self.instance.section
        right = [choice["text"] for choice in kept if choice.get("is_correct")]
        if section and (missing := answers_not_in(section, right)):
            raise not_in_section_error(section, missing)


class ChoiceInline(OfficersOnlyMixin, admin.TabularInline):
    model = Choice
    formset = ChoiceFormSet
    extra = 3
    fields = ["text", "is_correct"]


@admin.register(TrainingModule)
class TrainingModuleAdmin(LabelledListEditableMixin, OfficersOnlyMixin, admin.ModelAdmin):
    form = TrainingModuleForm
    list_display = ["title", "order", "status", "is_introduction", "completions_count"]
    list_editable = ["order", "status"]
    list_display_links = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["updated_at"]
    inlines = [QuizQuestionInline]
    change_list_template = "admin/training/trainingmodule/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        overview = path(
            "oversikt/",
            self.admin_site.admin_view(overview_view),
            name="training_trainingmodule_overview",
        )
        return [overview, *super().get_urls()]  # before <path:object_id>/

    def get_queryset(self, request: HttpRequest) -> QuerySet[TrainingModule]:
        return super().get_queryset(request).annotate(completions_count=Count("completions"))

    @admin.display(description="antal klara", ordering="completions_count")
    def completions_count(self, obj):
        return obj.completions_count


@admin.register(QuizQuestion)
class QuizQuestionAdmin(OfficersOnlyMixin, admin.ModelAdmin):
    form = QuizQuestionForm
    list_display = ["text", "module", "section", "order"]
    list_filter = ["module"]
    list_select_related = ["module", "section"]
    fields = ["module", "text", "order", "section", "explanation"]
    inlines = [ChoiceInline]


class CompletionForm(forms.ModelForm):
    """Training an official took in person, such as the introduction at a council meeting,
    recorded by a security officer so that the overview shows it and the reminders stop."""

    day = forms.DateField(
        label="Datum",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Skriv datumet som år-månad-dag, till exempel 2026-10-12."},
    )

    class Meta:
        model = Completion
        fields = ["user", "module", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = cast(forms.ModelChoiceField, self.fields["user"])
        user.queryset = User.objects.officials().order_by("full_name", "email")
        module = cast(forms.ModelChoiceField, self.fields["module"])
        module.queryset = TrainingModule.objects.published()
        self.fields["note"].required = True
        self.fields["note"].error_messages["required"] = "Skriv var och hur utbildningen gavs."
        self.fields["day"].initial = timezone.localdate()

    def clean_day(self) -> date:
        day = self.cleaned_data["day"]
        if day > timezone.localdate():
            raise forms.ValidationError("Datumet kan inte vara senare än i dag.")
        return day

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        user, module = cleaned.get("user"), cleaned.get("module")
        done = Completion.objects.filter(user=user, module=module).first()
        if done:
            raise forms.ValidationError(
                f"{user} har redan klarat ”{module}” "
                f"{timezone.localdate(done.completed_at):%Y-%m-%d}."
            )
        return cleaned

    def validate_unique(self) -> None:
        pass  # clean() says it in words; the database constraint still holds

    def save(self, commit: bool = True) -> Completion:
        day = self.cleaned_data["day"]
        self.instance.completed_at = timezone.make_aware(datetime.combine(day, time(12)))
        return super().save(commit)


@admin.register(Completion)
class CompletionAdmin(OfficersOnlyMixin, admin.ModelAdmin):
    form = CompletionForm
    list_display = ["user", "module", "completed_at", "how"]
    list_filter = ["module"]
    list_select_related = ["user", "module", "recorded_by"]
    search_fields = ["user__full_name", "user__email"]
    date_hierarchy = "completed_at"
    readonly_fields = ["user", "module", "completed_at", "note", "recorded_by"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "module", "day", "note"]
        return self.readonly_fields

    def get_form(
        self,
        request: HttpRequest,
        obj: Completion | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[forms.ModelForm]:
        if obj is not None:
            kwargs["form"] = forms.ModelForm  # a record is shown, never edited
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Completion | None = None) -> bool:
        return False  # a record of training stays as it was made

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="hur")
    def how(self, obj: Completion) -> str:
        if obj.recorded_by_id is None and not obj.note:
            return "I portalen, alla svar rätt"
        return f"{obj.note} (registrerad av {obj.recorded_by or 'en säkerhetshandläggare'})"
