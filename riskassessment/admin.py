from typing import cast

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from portal.admin_site import LabelledListEditableMixin, OfficersOnlyMixin, ReadOnlyInline

from .models import Answer, Assessment, AssessmentQuerySet, RiskQuestion


@admin.register(RiskQuestion)
class RiskQuestionAdmin(LabelledListEditableMixin, admin.ModelAdmin):
    list_display = ["text", "order", "is_active", "updated_at"]
    list_editable = ["order", "is_active"]
    list_display_links = ["text"]
    readonly_fields = ["updated_at"]
    fields = ["text", "help_text", "high_advice", "order", "is_active", "updated_at"]


class AnswerInline(ReadOnlyInline):
    model = Answer
    fields = readonly_fields = ("question_text", "level", "note", "high_advice")


@admin.register(Assessment)
class AssessmentAdmin(OfficersOnlyMixin, admin.ModelAdmin):
    """Read-only, and only what the official has chosen to share: an unshared inventory is
    theirs alone, and does not show here even to a superuser."""

    list_display = ["activity", "date", "owner", "overall_level", "high_answers", "shared_at"]
    search_fields = ["activity", "place", "owner__full_name", "owner__email"]
    date_hierarchy = "date"
    fields = readonly_fields = (
        "owner", "activity", "date", "place", "overall_level", "high_answers",
        "consider_measures", "shared_at", "created_at", "updated_at",
    )  # fmt: skip
    inlines = [AnswerInline]
    view_on_site = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assessment]:
        assessments = cast(AssessmentQuerySet, super().get_queryset(request))
        return assessments.shared().with_answers().select_related("owner")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Assessment | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Assessment | None = None) -> bool:
        return False

    @admin.display(description="samlad risknivå")
    def overall_level(self, obj: Assessment) -> str:
        return obj.result().level.label

    @admin.display(description="svar HÖG")
    def high_answers(self, obj: Assessment) -> int:
        """Shown beside the level: one or two answers of HÖG make an inventory MÅTTLIG
        below the plan's threshold, and each deserves the officer's attention."""
        return obj.result().high

    @admin.display(description="bör överväga förebyggande åtgärder", boolean=True)
    def consider_measures(self, obj: Assessment) -> bool:
        return obj.result().consider_measures
