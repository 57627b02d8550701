from django.contrib import admin

from portal.admin_site import LabelledListEditableMixin, OfficersOnlyMixin, ReadOnlyInline

from .models import Answer, Assessment, RiskQuestion


@admin.register(RiskQuestion)
class RiskQuestionAdmin(LabelledListEditableMixin, admin.ModelAdmin):
    list_display = ["text", "order", "is_active", "updated_at"]
    list_editable = ["order", "is_active"]
    list_display_links = ["text"]
    readonly_fields = ["updated_at"]
    fields = ["text", "help_text", "high_advice", "order", "is_active", "updated_at"]


class AnswerInline(ReadOnlyInline):
    model = Answer
    fields = ["question_text", "level", "note", "high_advice"]
    readonly_fields = fields


@admin.register(Assessment)
class AssessmentAdmin(OfficersOnlyMixin, admin.ModelAdmin):
    """Read-only, and only what the official has chosen to share: an unshared inventory is
    theirs alone, and does not show here even to a superuser."""

    list_display = ["activity", "date", "owner", "overall_level", "high_answers", "shared_at"]
    search_fields = ["activity", "place", "owner__full_name", "owner__email"]
    date_hierarchy = "date"
    fields = [
        "owner", "activity", "date", "place", "overall_level", "high_answers",
        "consider_measures", "shared_at", "created_at", "updated_at",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [AnswerInline]
    view_on_site = False

    def get_queryset(self, request):
        return super().get_queryset(request).shared().with_answers().select_related("owner")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="samlad risknivå")
    def overall_level(self, obj):
        return obj.result().level.label

    @admin.display(description="svar HÖG")
    def high_answers(self, obj):
        """Shown beside the level: one or two answers of HÖG make an inventory MÅTTLIG
        below the plan's threshold, and each deserves the officer's attention."""
        return obj.result().high

    @admin.display(description="bör överväga förebyggande åtgärder", boolean=True)
    def consider_measures(self, obj):
        return obj.result().consider_measures
