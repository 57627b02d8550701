"""The security officers' daily workplace: triage, follow-up, history and the access log."""

import re
import uuid
from datetime import datetime, timedelta
from typing import cast
from urllib.parse import unquote_plus

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db.models import Aggregate, F, Max, Min, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext
from django.views.decorators.debug import sensitive_post_parameters

from portal.admin_site import OfficersOnlyMixin, ReadOnlyInline
from portal.crypto import encrypted_fields
from portal.exports import csv_response, xlsx_response
from portal.models import User
from portal.security import AuthenticatedHttpRequest, is_verified_officer, verified_officer_required
from portal.words import counted

from . import evidence
from .forms import RegisterCallForm, TriageForm
from .models import (
    AccessLogEntry,
    Evidence,
    Incident,
    IncidentQuerySet,
    InternalNote,
    Kind,
    PoliceReport,
    ReporterMessage,
    Supplement,
    TriageChange,
)
from .report_list import HandlerFilter, MineFilter, follow_up, handler_name, mail_failed, received
from .statistics import statistics_view

# What the official wrote is their account and is never changed here. (The police report,
# which changes after sending, is with the triage.)
REPORT_FIELDS = (
    "reference", "reporter", "reporter_contact", "registered_by", "submitted_at",
    "kinds_display", "channel", "timing", "occurred_on", "occurred_time", "place", "before",
    "during", "actions", "perpetrator_known", "perpetrator_description", "witnesses",
    "consequences_display", "may_contact", "contact_how", "notification_failed_at",
)  # fmt: skip
POLICE_FIELDS = ("police_report", "police_report_number", "police_reported_on")


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = readonly_fields = (
        "download", "content_type", "file_size", "sha256", "uploaded_at", "supplement",
    )  # fmt: skip

    @admin.display(description="fil")
    def download(self, obj):
        # Through the view that checks who asks and logs the download: the files have
        # no public address.
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.original_name)

    @admin.display(description="storlek")
    def file_size(self, obj):
        return filesizeformat(obj.size)


class SupplementInline(ReadOnlyInline, admin.StackedInline):
    model = Supplement
    verbose_name_plural = "kompletteringar och svar från den som rapporterat"
    fields = readonly_fields = ("created_at", "author", "what", "text")

    @admin.display(description="vad det är")
    def what(self, obj):
        if obj.in_reply_to is None:
            return "Komplettering"
        return f"Svar på {str(obj.in_reply_to).lower()}"


class TriageChangeInline(ReadOnlyInline):
    model = TriageChange
    verbose_name_plural = "Historik: ändringar av handläggningen"
    fields = readonly_fields = (
        "changed_at", "changed_by", "field_label", "old_value", "new_value", "note",
    )  # fmt: skip

    @admin.display(description="fält")
    def field_label(self, obj):
        return obj.get_field_label()


class WriteOnceInline(OfficersOnlyMixin, admin.StackedInline):
    """New entries can be written; what is written stays as it was."""

    extra = 1
    can_delete = False
    fields = ["text"]

    def has_add_permission(self, request, obj=None):
        return is_verified_officer(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        return ["created_at", "author", "text"]

    def get_readonly_fields(self, request, obj=None):
        return ["created_at", "author"]


class InternalNoteInline(WriteOnceInline):
    model = InternalNote


class ReporterMessageInline(WriteOnceInline):
    model = ReporterMessage
    verbose_name = "meddelande till den som rapporterat (syns under Mina rapporter)"
    verbose_name_plural = "meddelanden till den som rapporterat (syns under Mina rapporter)"


class KindFilter(admin.SimpleListFilter):
    title = "vad det var"
    parameter_name = "typ"

    def lookups(self, request, model_admin):
        return Kind.choices

    def queryset(self, request, queryset):
        if self.value() in Kind.values:
            # A JSON list: its text holds each kind in quotes, on SQLite and PostgreSQL alike.
            return queryset.filter(kinds__icontains=f'"{self.value()}"')
        return queryset


class FollowUpFilter(admin.SimpleListFilter):
    title = "nästa uppföljning"
    parameter_name = "uppfoljning"

    def lookups(self, request, model_admin):
        return [
            ("forsenad", "Passerad"),
            ("vecka", "Inom en vecka"),
            ("ingen", "Ingen satt"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        match self.value():
            case "forsenad":
                return queryset.follow_up_due(today)
            case "vecka":
                return queryset.filter(
                    next_follow_up__gte=today, next_follow_up__lte=today + timedelta(days=7)
                )
            case "ingen":
                return queryset.filter(next_follow_up__isnull=True)
        return queryset


# Times and dates as times and dates (in Swedish time), so that the spreadsheet can sort and
# filter on them; portal.exports writes them for each format.
EXPORT_COLUMNS = [
    ("Referens", lambda i: i.reference),
    ("Mottagen", lambda i: timezone.localtime(i.submitted_at)),
    ("Vad det var", lambda i: i.get_kinds_display()),
    ("Hur det nådde", lambda i: i.get_channel_display()),
    ("Har det hänt", lambda i: i.get_timing_display()),
    ("Datum", lambda i: i.occurred_on),
    ("Status", lambda i: i.get_status_display()),
    ("Allvarlighet", lambda i: i.get_severity_display()),
    ("Handläggare", lambda i: str(i.handler or "")),
    ("Polisanmäld", lambda i: "ja" if i.police_report == PoliceReport.GJORD else "nej"),
    ("Nästa uppföljning", lambda i: i.next_follow_up),
    ("Avslutad", lambda i: timezone.localdate(i.closed_at) if i.closed_at else None),
]


# A reference as ReferenceCounter.next_reference writes it: HHV-2026-0042, with the
# organisation's prefix, or any earlier one (references keep the prefix they were given).
WHOLE_REFERENCE = re.compile(r"[A-Z]{2,6}-\d{4}-\d{4,}", re.IGNORECASE)


class BoundedPaginator(Paginator):
    """Counts the list's reports up to a limit: a list of a million reports is not counted to
    the last one to show its first page. Beyond the limit the list says "fler än 10 000", and
    the officer narrows it with a search or a filter."""

    limit = 10_000

    @cached_property
    def count(self):
        if isinstance(self.object_list, QuerySet):
            # Counting needs no order: without it the database stops at the limit.
            return self.object_list.order_by()[: self.limit + 1].count()
        return len(self.object_list)

    @property
    def bounded(self):
        return self.count > self.limit

    @property
    def limit_display(self):
        return f"{self.limit:,}".replace(",", "\N{NO-BREAK SPACE}")


class _PeriodsFromFirstToLast:
    """The list's reports as the date hierarchy sees them. Listing every year (or a year's
    months) that has a report means reading every report's time; the years (months) from the
    first report to the last are read from the index of sending times in one look. The days
    of a month are few, and are listed as they are."""

    def __init__(self, queryset):
        self._queryset = queryset
        self._spans = {}

    def __getattr__(self, name):
        return getattr(self._queryset, name)

    def _span(self, field_name):
        # The date hierarchy asks for the first and the last itself, before the periods.
        if field_name not in self._spans:
            self._spans[field_name] = self._queryset.aggregate(
                first=Min(field_name), last=Max(field_name)
            )
        return self._spans[field_name]

    def aggregate(self, *args, **kwargs):
        first, last = kwargs.get("first"), kwargs.get("last")
        if not args and kwargs.keys() == {"first", "last"} and isinstance(first, Min):
            field_name = _field_of(first)
            if field_name and isinstance(last, Max) and _field_of(last) == field_name:
                return dict(self._span(field_name))
        return self._queryset.aggregate(*args, **kwargs)

    def datetimes(self, field_name, kind, *args, **kwargs):
        if kind not in ("year", "month"):
            return self._queryset.datetimes(field_name, kind, *args, **kwargs)
        span = self._span(field_name)
        if span["first"] is None:
            return []
        first, last = timezone.localtime(span["first"]), timezone.localtime(span["last"])
        if kind == "year":
            periods = [(year, 1) for year in range(first.year, last.year + 1)]
        else:
            periods = [
                (year, month)
                for year in range(first.year, last.year + 1)
                for month in range(1, 13)
                if (first.year, first.month) <= (year, month) <= (last.year, last.month)
            ]
        return [timezone.make_aware(datetime(year, month, 1)) for year, month in periods]


def _field_of(aggregate: Aggregate) -> str | None:
    """The field of Min("submitted_at") and the like; None for one of an expression."""
    source = aggregate.source_expressions[0]
    return source.name if isinstance(source, F) else None


class IncidentChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        # The list shows nothing of what was reported: it is neither read nor decrypted.
        text = [f.name for f in encrypted_fields(Incident)]
        return super().get_queryset(request, exclude_parameters).defer(*text)

    def get_results(self, request):
        super().get_results(request)
        self.queryset = _PeriodsFromFirstToLast(self.queryset)


@admin.register(Incident)
class IncidentAdmin(OfficersOnlyMixin, admin.ModelAdmin):
    form = TriageForm
    # What a handler scans, narrow enough for a 1280-pixel screen; the rest is a filter
    # here and on the report's page.
    list_display = [
        "reference", received, "kinds_display", "status", "severity", handler_name, follow_up,
        mail_failed,
    ]  # fmt: skip
    list_filter = [
        MineFilter, "status", "severity", FollowUpFilter,
        ("handler", HandlerFilter), KindFilter, "channel", "police_report",
        "notification_failed_at",
    ]  # fmt: skip
    # What the search looks in; get_search_results says how.
    # The place is encrypted (portal.crypto), as is all that was reported: it can't be searched.
    search_fields = ["reference", "reporter__full_name", "reporter__email"]
    search_help_text = "Sök på referens, eller namn eller e-post för den som rapporterat."
    date_hierarchy = "submitted_at"
    paginator = BoundedPaginator
    show_full_result_count = False
    list_select_related = ["reporter", "handler"]
    readonly_fields = (*REPORT_FIELDS, "police_bundle")
    fieldsets = [
        (
            "Handläggning",
            {"fields": [f for f in (*Incident.TRIAGE_FIELDS, "version") if f not in POLICE_FIELDS]},
        ),
        ("Polisanmälan", {"fields": [*POLICE_FIELDS, "police_bundle"]}),
        ("Det som rapporterades", {"fields": REPORT_FIELDS}),
    ]
    inlines = [
        SupplementInline, EvidenceInline, ReporterMessageInline, InternalNoteInline,
        TriageChangeInline,
    ]  # fmt: skip
    actions = [
        "assign_to_me", "mark_under_assessment", "mark_measures", "mark_closed",
        "export_csv", "export_xlsx",
    ]  # fmt: skip

    change_list_template = "admin/incidents/incident/change_list.html"
    view_on_site = False  # the reporter's page is theirs alone

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "handler" and field is not None:
            field.widget = field.widget.widget  # no links into the user admin from here
        return field

    def get_urls(self) -> list[URLPattern]:
        statistics = path(
            "statistik/",
            self.admin_site.admin_view(statistics_view),
            name="incidents_incident_statistics",
        )
        register = path(
            "registrera-samtal/",
            self.admin_site.admin_view(
                evidence.takes_files(sensitive_post_parameters()(self.register_call_view))
            ),
            name="incidents_incident_register_call",
        )
        return [statistics, register, *super().get_urls()]  # before <path:object_id>/

    @method_decorator(verified_officer_required)
    def register_call_view(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        """An official calls and tells what happened: the security officer writes the report
        down for them, with the files they have (sent by mail, say). The official is the
        reporter, as if they had sent it themselves."""
        form = RegisterCallForm(request.POST or None, request.FILES or None)
        if not form.is_bound:
            form.initial["submission_token"] = uuid.uuid4()
        if form.is_valid():
            incident = form.save(commit=False).save_report(
                reporter=form.cleaned_data["reporter"],
                token=form.cleaned_data["submission_token"],
                files=form.cleaned_data["files"],
                send=True,
                registered_by=request.user,
            )
            self.message_user(
                request,
                f"Rapporten {incident.reference} är registrerad för {incident.reporter}. "
                "Hen ser den under Mina rapporter och får ett kvitto med e-post.",
                messages.SUCCESS,
            )
            return redirect("admin:incidents_incident_change", incident.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Registrera rapport från samtal",
            "opts": self.model._meta,
            "form": form,
            "files_lost": bool(request.FILES),
        }
        return TemplateResponse(request, "admin/incidents/incident/register_call.html", context)

    def get_queryset(self, request: HttpRequest) -> IncidentQuerySet:
        # A draft is its author's alone until it is sent.
        return cast(IncidentQuerySet, super().get_queryset(request)).submitted()

    def get_changelist(self, request, **kwargs):
        return IncidentChangeList

    def action_checkbox(self, obj):
        # The admin's own checkbox, written out: rendered as a form widget it took a
        # millisecond a row, a tenth of a second for each page of the list.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

    def get_search_results(self, request, queryset, search_term):
        """Each word (or "quoted phrase") in the reference, or the reporter's name or e-mail.
        What a report says, its place included, is encrypted and can't be searched.

        The reporters are looked up among the users first, one query a word, so that the
        reports are then found by their reporter's id through its index, and the database
        knows how many it is looking for. A report matches when every word matches; that is
        written as: its reporter matches every word, or at least one word matches its
        reference (and every word matches somewhere). Each of the two parts can then
        be read through an index (trigram indexes on PostgreSQL), rather than reading all the
        reports of everyone whose name matches one of the words."""
        terms = []
        for term in smart_split(search_term):
            if term[:1] in "\"'" and term[-1:] == term[:1] and len(term) > 1:
                term = unescape_string_literal(term)
            terms.append(term)
        if not terms:
            return queryset, False
        every_word, in_the_report, reporters_of_all = Q(), Q(pk__in=[]), None
        for term in terms:
            reporters = set(
                User.objects.filter(
                    Q(full_name__icontains=term) | Q(email__icontains=term)
                ).values_list("pk", flat=True)
            )
            if WHOLE_REFERENCE.fullmatch(term):
                # A whole reference is looked up as it is stored, in its unique index.
                in_the_report_too = Q(reference=term.upper())
            else:
                in_the_report_too = Q(reference__icontains=term)
            every_word &= in_the_report_too | Q(reporter_id__in=reporters)
            in_the_report |= in_the_report_too
            reporters_of_all = (
                reporters if reporters_of_all is None else reporters_of_all & reporters
            )
        if len(terms) == 1:
            # One word: the same, written without repeating it (a repeated condition makes
            # the database think far fewer reports match, and read them the slow way).
            matches = Q(reporter_id__in=reporters_of_all) | in_the_report
        else:
            matches = Q(reporter_id__in=reporters_of_all) | (in_the_report & every_word)
        return queryset.filter(matches), False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the plan says every incident shall be reported: none is withdrawn

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            incident = self.get_object(request, object_id)
            if incident is not None and self.has_view_permission(request, incident):
                incident.record_access(request.user)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        changes = {
            f: form.cleaned_data[f] for f in Incident.TRIAGE_FIELDS if f in form.changed_data
        }
        obj.change_triage(request.user, **changes)

    def save_formset(self, request, form, formset, change):
        if formset.model not in (InternalNote, ReporterMessage):
            return formset.save()
        for entry in formset.save(commit=False):
            if isinstance(entry, ReporterMessage):
                form.instance.send_message(request.user, entry.text)
            else:
                entry.author = request.user
                entry.incident = form.instance
                entry.save()

    @admin.display(description="underlag till polisanmälan")
    def police_bundle(self, obj):
        # The same PDF the reporter downloads from their page, and logged the same way.
        return format_html(
            '<a href="{}">Ladda ned underlaget (PDF)</a>',
            reverse("incidents:police_bundle", args=[obj.pk]),
        )

    @admin.display(description="vad det var")
    def kinds_display(self, obj):
        return obj.get_kinds_display()

    @admin.display(description="följder")
    def consequences_display(self, obj):
        return obj.get_consequences_display() or "–"

    @admin.display(description="kontaktuppgifter")
    def reporter_contact(self, obj):
        return f"{obj.reporter.email}, {obj.reporter.phone or 'ingen telefon'}"

    def _triage_each(self, request, queryset, done, **changes):
        count = 0
        for incident in queryset:
            if incident.change_triage(request.user, **changes):
                count += 1
        self.message_user(
            request, f"{done}: {counted(count, 'rapport', 'rapporter')}.", messages.SUCCESS
        )

    @admin.action(description="Tilldela mig")
    def assign_to_me(self, request, queryset):
        self._triage_each(request, queryset, "Tilldelade dig", handler=request.user)

    @admin.action(description="Ändra status till Under bedömning (också för att öppna igen)")
    def mark_under_assessment(self, request, queryset):
        status = Incident.Status.UNDER_BEDOMNING
        self._triage_each(request, queryset, "Under bedömning", status=status)

    @admin.action(description="Ändra status till Åtgärder pågår")
    def mark_measures(self, request, queryset):
        status = Incident.Status.ATGARDER_PAGAR
        self._triage_each(request, queryset, "Åtgärder pågår", status=status)

    @admin.action(description="Ändra status till Avslutad")
    def mark_closed(self, request, queryset):
        without = queryset.filter(closing_summary="").exclude(status=Incident.Status.AVSLUTAD)
        if without.exists():
            self.message_user(
                request,
                "Skriv en sammanfattning vid avslut i rapporten först: "
                + ", ".join(without.values_list("reference", flat=True)),
                messages.WARNING,
            )
        ready = queryset.exclude(closing_summary="")
        self._triage_each(request, ready, "Avslutade", status=Incident.Status.AVSLUTAD)

    @admin.action(description="Exportera valda till CSV")
    def export_csv(self, request, queryset):
        rows = self._exported(request, queryset, "CSV")
        return csv_response("handelserapporter.csv", rows)

    @admin.action(description="Exportera valda till Excel (XLSX)")
    def export_xlsx(self, request, queryset):
        rows = self._exported(request, queryset, "Excel")
        return xlsx_response("handelserapporter.xlsx", "Händelserapporter", rows)

    def _exported(self, request, queryset, file_format):
        """The rows of an export, written to the access log first: who took which reports
        out of the portal (the list's filter and search, and the selection), and how many."""
        rows = [[title for title, _ in EXPORT_COLUMNS]]
        rows += [
            [value(incident) for _, value in EXPORT_COLUMNS]
            for incident in queryset.select_related("handler")
        ]
        listed = unquote_plus(request.GET.urlencode()) or "hela listan"
        if request.POST.get("select_across") == "1":
            selection = "alla som matchar"
        else:
            selection = f"{len(request.POST.getlist(ACTION_CHECKBOX_NAME))} markerade"
        AccessLogEntry.record_export(
            request.user, f"Händelserapporter ({file_format}): {listed}; {selection}",
            rows=len(rows) - 1,
        )  # fmt: skip
        return rows


@admin.register(AccessLogEntry)
class AccessLogAdmin(OfficersOnlyMixin, admin.ModelAdmin):
    """Who opened which report and downloaded which file: read by the officers, changed and
    deleted by nobody (retention removes old rows)."""

    list_display = ["at", "user_email", "action", "reference", "file_name", "exported", "rows"]
    list_filter = ["action"]
    # The file's name is encrypted, as in the report (portal.crypto): neither searched nor sorted.
    search_fields = ["reference", "user_email", "exported"]
    date_hierarchy = "at"

    @admin.display(description="fil")
    def file_name(self, obj):
        return obj.evidence_name

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
