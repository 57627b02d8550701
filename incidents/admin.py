from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html

from .models import Evidence, Incident, Supplement

# What the official wrote is their account and is never changed here; a later issue
# builds the security officer's triage workplace. Until then only the status is edited.
REPORT_FIELDS = [
    "reference",
    "reporter",
    "reporter_contact",
    "submitted_at",
    "kinds_display",
    "channel",
    "timing",
    "occurred_on",
    "occurred_time",
    "place",
    "before",
    "during",
    "actions",
    "perpetrator_known",
    "perpetrator_description",
    "witnesses",
    "police_report",
    "police_report_number",
    "consequences_display",
    "may_contact",
    "contact_how",
    "notification_failed_at",
]


class EvidenceInline(admin.TabularInline):
    model = Evidence
    fields = ["download", "content_type", "file_size", "sha256", "uploaded_at", "supplement"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="fil")
    def download(self, obj):
        # Through the view that checks who asks: the files have no public address.
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.original_name)

    @admin.display(description="storlek")
    def file_size(self, obj):
        return filesizeformat(obj.size)


class SupplementInline(admin.StackedInline):
    model = Supplement
    fields = ["created_at", "author", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["reference", "submitted_at", "reporter", "kinds_display", "status", "mail"]
    list_filter = ["status", "notification_failed_at"]
    search_fields = ["reference", "reporter__full_name", "reporter__email"]
    fields = ["status", *REPORT_FIELDS]
    readonly_fields = REPORT_FIELDS
    inlines = [SupplementInline, EvidenceInline]
    list_select_related = ["reporter"]

    def get_queryset(self, request):
        # A draft is its author's alone until it is sent.
        return super().get_queryset(request).submitted()

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the plan says every incident shall be reported: none is withdrawn

    @admin.display(description="vad det var")
    def kinds_display(self, obj):
        return obj.get_kinds_display()

    @admin.display(description="följder")
    def consequences_display(self, obj):
        return obj.get_consequences_display() or "–"

    @admin.display(description="kontaktuppgifter")
    def reporter_contact(self, obj):
        return f"{obj.reporter.email}, {obj.reporter.phone or 'ingen telefon'}"

    @admin.display(description="e-post", boolean=False)
    def mail(self, obj):
        return "Misslyckades – kontakta rapportören" if obj.notification_failed_at else "Skickad"
