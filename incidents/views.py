import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.csp import CSP
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from guidance.rendering import checklist
from portal.models import User
from portal.security import AuthenticatedHttpRequest, KeptThroughLogin

from . import evidence, police_bundle
from .forms import CallLogForm, PoliceReportForm, ReportForm, SupplementForm, reply_form
from .models import (
    CallLog,
    Evidence,
    Incident,
    PoliceReport,
    ReporterMessage,
    Supplement,
    once_per_form,
)

KEPT_REPORT = KeptThroughLogin("incidents:report")
KEPT_SUPPLEMENT = KeptThroughLogin("incidents:supplement")
KEPT_POLICE_REPORT = KeptThroughLogin("incidents:police_report")
# A visitor may write in the call log and log in to save it: what they wrote goes with them.
KEPT_CALL_LOG = KeptThroughLogin("incidents:call_log", visitors_too=True)


def _get_incident_for_user(user: User, pk: int) -> Incident:
    """A report its author may open; anyone else gets 404, as if it did not exist."""
    return get_object_or_404(Incident.objects.reported_by(user), pk=pk)


def _get_evidence_for_user(user: User, incident_pk: int, pk: int) -> Evidence:
    return get_object_or_404(
        Evidence.objects.visible_to(user).select_related("incident"),
        incident_id=incident_pk,
        pk=pk,
    )


def _incident_for_token(user: User, token: str | None) -> Incident | None:
    """The report this form has already made, if the same form is sent again; a form of
    someone else's report is a 404, as if it did not exist."""
    incident = Incident.objects.made_by_form(token).first()
    if incident is not None and incident.reporter_id != user.pk:
        raise Http404
    return incident


# The evidence storage (the disk, or the bucket) would not take the files: nothing is saved,
# and what the person wrote is given back with this.
NOT_STORED = (
    "Filerna kunde inte sparas just nu, så {what}. Det du skrev finns kvar. Välj filerna "
    "igen och försök om en stund, eller skicka utan filerna. Är det akut? Ring 112."
)


def _keep_unsent_report(request: HttpRequest) -> HttpResponse:
    """The session ran out while the official was writing: keep what they wrote (not
    the files, which can't be kept without a login) and give it back after login."""
    KEPT_REPORT.keep(request, ReportForm(request.POST))
    return redirect_to_login(request.path + "?aterstall=1")


@evidence.takes_files
@sensitive_post_parameters()
@never_cache
def report(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The report form, and its drafts. Not @login_required: a POST from a session that
    ran out must not lose what the official wrote."""
    if not request.user.is_authenticated:
        if request.method == "POST":
            return _keep_unsent_report(request)
        return redirect_to_login(request.get_full_path())

    incident = _get_incident_for_user(request.user, pk) if pk else None
    if request.method == "POST" and incident is None:
        incident = _incident_for_token(request.user, request.POST.get("submission_token"))
    if incident is not None and not incident.is_draft:
        return redirect("incidents:receipt", incident.pk)

    draft = request.POST.get("action") == "utkast"
    form = ReportForm(request.POST or None, request.FILES or None, instance=incident, draft=draft)
    if not form.is_bound:
        token = incident.submission_token if incident else uuid.uuid4()
        form.initial["submission_token"] = token
        if request.GET.get("aterstall") and (restored := KEPT_REPORT.take_initial(request, form)):
            form.initial.update(restored)
            messages.info(
                request,
                "Du hade blivit utloggad, så rapporten är inte skickad än. Det du skrev finns "
                "kvar nedan. Filer behöver du välja igen. Kontrollera och tryck sedan på "
                "Skicka rapporten.",
            )
    if form.is_valid():
        try:
            incident = form.save(commit=False).save_report(
                reporter=request.user,
                token=form.cleaned_data["submission_token"],
                files=form.cleaned_data["files"],
                send=not draft,
            )
        except evidence.NotStored:
            form.add_error(None, NOT_STORED.format(what="rapporten är inte skickad än"))
            return render(
                request,
                "incidents/report_form.html",
                {"form": form, "incident": incident, "files_lost": True},
            )
        if incident.reporter_id != request.user.pk:
            raise Http404  # a form of someone else's report, sent at the same instant as theirs
        if draft:
            messages.success(request, "Utkastet är sparat. Det syns bara för dig.")
            return redirect("incidents:draft", incident.pk)
        return redirect("incidents:receipt", incident.pk)
    return render(
        request,
        "incidents/report_form.html",
        {"form": form, "incident": incident, "files_lost": bool(request.FILES)},
    )


@login_required
@never_cache
def receipt(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    incident = _get_incident_for_user(request.user, pk)
    if incident.is_draft:
        return redirect("incidents:draft", incident.pk)
    return render(
        request, "incidents/receipt.html", {"incident": incident, "sections": checklist()}
    )


@login_required
@never_cache
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    incidents = Incident.objects.reported_by(request.user)
    return render(
        request,
        "incidents/mine.html",
        {
            "reports": incidents.submitted(),
            "drafts": incidents.drafts().select_related("call_log").order_by("-updated_at"),
        },
    )


@login_required
@never_cache
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    incident = _get_incident_for_user(request.user, pk)
    if incident.is_draft:
        return redirect("incidents:draft", incident.pk)
    form = SupplementForm(initial={"submission_token": uuid.uuid4()})
    if request.GET.get("aterstall") and (kept := KEPT_SUPPLEMENT.take_initial(request, form)):
        in_reply_to = kept.get("in_reply_to")
        message = incident.messages.filter(pk=in_reply_to).first() if in_reply_to else None
        if message is not None:
            form = reply_form(message)
        else:
            kept.pop("in_reply_to", None)
        form.initial.update(kept)
        if "text" in kept:
            messages.info(
                request,
                "Du hade blivit utloggad, så det du ville lägga till är inte sparat än. Texten "
                "finns kvar nedan; filer behöver du välja igen. Tryck sedan på knappen för att "
                "spara.",
            )
    police_form = None
    if request.GET.get("aterstall") and (
        kept_police := KEPT_POLICE_REPORT.take_initial(request, PoliceReportForm())
    ):
        police_form = PoliceReportForm(initial=kept_police)
        messages.info(
            request,
            "Du hade blivit utloggad, så polisanmälan är inte sparad än. Det du skrev finns "
            "kvar nedan. Tryck på knappen för att spara.",
        )
    response = _detail_page(request, incident, form=form, police_form=police_form)
    incident.mark_seen_by_reporter()
    return response


def _detail_page(
    request: HttpRequest,
    incident: Incident,
    *,
    form: SupplementForm | None = None,
    police_form: PoliceReportForm | None = None,
) -> HttpResponse:
    """The reporter's page of their report. At most one of its forms is bound: that one
    shows what was sent and its errors, the others are empty."""
    replying_to = form["in_reply_to"].value() if form is not None and form.is_reply else None
    news = list(incident.messages.prefetch_related("replies"))
    for message in news:
        # For the template: each message with its own answer form, on this page only.
        message.reply_form = (  # type: ignore[attr-defined]
            form if str(message.pk) == str(replying_to) else reply_form(message)
        )
    if form is None or replying_to:
        form = SupplementForm(initial={"submission_token": uuid.uuid4()})
    if police_form is None:
        police_form = PoliceReportForm(
            initial={
                "number": incident.police_report_number,
                "reported_on": incident.police_reported_on,
            }
        )
    context: dict[str, Any] = {
        "incident": incident,
        "form": form,
        "police_form": police_form,
        "police_reported": incident.police_report == PoliceReport.GJORD,
        "supplements": incident.supplements.filter(in_reply_to=None).prefetch_related("evidence"),
        "news": news,
        "unread": incident.has_unread_news,
        "files": incident.evidence.filter(supplement=None),
        "files_lost": bool(request.FILES),
    }
    return render(request, "incidents/detail.html", context)


def _message_replied_to(incident: Incident, value: str | None) -> ReporterMessage | None:
    """The message of this report that an answer is to; 404 for any other."""
    if value in (None, ""):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    return get_object_or_404(incident.messages, pk=pk)


@require_POST
@evidence.takes_files
@sensitive_post_parameters()
@never_cache
def supplement(request: HttpRequest, pk: int) -> HttpResponse:
    """Information added to a sent report, or an answer to a message in it.
    Not @login_required: a login that ran out must not lose what the official wrote."""
    if not request.user.is_authenticated:
        KEPT_SUPPLEMENT.keep(request, SupplementForm(request.POST))
        return redirect_to_login(reverse("incidents:detail", args=[pk]) + "?aterstall=1")
    incident = _get_incident_for_user(request.user, pk)
    if incident.is_draft:
        raise Http404
    message = _message_replied_to(incident, request.POST.get("in_reply_to"))
    if message is not None:
        form = reply_form(message, request.POST, request.FILES)
    else:
        form = SupplementForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail_page(request, incident, form=form)
    token = form.cleaned_data["submission_token"]
    was_closed = incident.status == Incident.Status.AVSLUTAD
    author = request.user
    try:
        once_per_form(
            Supplement.objects.filter(submission_token=token),
            lambda: incident.add_supplement(
                author,
                form.cleaned_data["text"],
                form.cleaned_data["files"],
                token,
                in_reply_to=message,
            ),
        )
    except evidence.NotStored:
        form.add_error(None, NOT_STORED.format(what="det du lade till är inte sparat än"))
        return _detail_page(request, incident, form=form)
    done = (
        "Tack. Ditt svar är sparat i rapporten."
        if message
        else ("Tack. Det du lade till är sparat i rapporten.")
    )
    if was_closed and incident.status != Incident.Status.AVSLUTAD:
        done += " Ärendet är öppnat igen, och säkerhetshandläggaren får veta det."
    messages.success(request, done)
    return redirect(incident)


@require_POST
@never_cache
def police_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The reporter has reported it to the police since they sent the report.
    Not @login_required: a login that ran out must not lose the number they wrote."""
    if not request.user.is_authenticated:
        KEPT_POLICE_REPORT.keep(request, PoliceReportForm(request.POST))
        return redirect_to_login(reverse("incidents:detail", args=[pk]) + "?aterstall=1")
    incident = _get_incident_for_user(request.user, pk)
    if incident.is_draft:
        raise Http404
    form = PoliceReportForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, incident, police_form=form)
    incident.record_police_report(
        request.user,
        number=form.cleaned_data["number"],
        reported_on=form.cleaned_data["reported_on"],
    )
    messages.success(request, "Tack. Det är sparat att du har polisanmält.")
    return redirect(incident)


def _get_draft_for_user(user: User, pk: int) -> Incident:
    incident = _get_incident_for_user(user, pk)
    if not incident.is_draft:
        raise Http404  # a sent report is never deleted, only closed
    return incident


@login_required
@never_cache
def confirm_delete_draft(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    incident = _get_draft_for_user(request.user, pk)
    return render(request, "incidents/delete_draft.html", {"incident": incident})


@login_required
@require_POST
def delete_draft(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _get_draft_for_user(request.user, pk).delete_draft()
    messages.success(request, "Utkastet är borttaget.")
    return redirect("incidents:mine")


# A file someone sent in may be anything a browser could run: it is always a download,
# and were it ever shown, the sandbox keeps it from running script or reaching the portal.
EVIDENCE_CSP = {
    "default-src": [CSP.NONE],
    "sandbox": True,
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.NONE],
    "base-uri": [CSP.NONE],
}


@login_required
@never_cache
# True is how Django's CSP writes a directive without a value (sandbox); the stubs leave it out.
@csp_override(EVIDENCE_CSP)  # type: ignore[arg-type]
def evidence_file(request: AuthenticatedHttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    item = _get_evidence_for_user(request.user, pk, evidence_pk)
    item.incident.record_access(request.user, evidence=item)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=item.download_name, content_type=item.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _get_call_log_for_user(user: User, pk: int) -> CallLog:
    """A call log its author may open; anyone else gets 404, as if it did not exist."""
    return get_object_or_404(CallLog.objects.written_by(user).select_related("incident"), pk=pk)


def _call_log_for_token(user: User, token: str | None) -> CallLog | None:
    """The log this page has already started, if a save comes again before the page knows
    its address. A token of someone else's report, or of a report without a log, is a 404."""
    incident = Incident.objects.made_by_form(token).select_related("call_log").first()
    if incident is None:
        return None
    if incident.reporter_id != user.pk or not hasattr(incident, "call_log"):
        raise Http404
    return incident.call_log


def _is_autosave(request: HttpRequest) -> bool:
    """A save made by static/js/call-log.js while the official writes: answered in JSON."""
    return request.headers.get("X-Autosave") == "1"


@sensitive_post_parameters()
@never_cache
def call_log(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Hotfullt samtal: a log to keep during a threatening call, saved as it is typed.
    Not @login_required: a visitor may use it as a plain form, or log in to save it, and a
    login that runs out during a call must not lose a word."""
    if not request.user.is_authenticated:
        return _call_log_without_login(request, pk)
    log = _get_call_log_for_user(request.user, pk) if pk else None
    if request.method == "POST" and log is None:
        log = _call_log_for_token(request.user, request.POST.get("submission_token"))
    if log is not None and (log.reported_at or not log.incident.is_draft):
        return _call_log_reported(request, log)
    form = CallLogForm(request.POST or None, instance=log)
    if not form.is_bound:
        return _call_log_page(request, form, log)
    if not form.is_valid():
        if _is_autosave(request):
            return JsonResponse(
                {"errors": [e for es in form.errors.values() for e in es]}, status=400
            )
        return _call_log_page(request, form, log)
    if log is None:
        log = CallLog.start(request.user, form.cleaned_data["submission_token"])
        if log.incident.reporter_id != request.user.pk:
            raise Http404  # a token of someone else's log, sent at the same instant as theirs
    log.write(**{name: form.cleaned_data[name] for name in CallLog.TEXT_FIELDS})
    if _is_autosave(request):
        saved = timezone.localtime(log.updated_at)
        return JsonResponse({"saved_at": f"{saved:%H:%M}", "url": log.get_absolute_url()})
    if request.POST.get("action") == "rapport":
        return _call_log_reported(request, log)
    messages.success(request, "Samtalsloggen är sparad. Den syns bara för dig.")
    return redirect(log)


def _call_log_page(request: HttpRequest, form: CallLogForm, log: CallLog | None) -> HttpResponse:
    restored = False
    if not form.is_bound:
        form.initial["submission_token"] = log.incident.submission_token if log else uuid.uuid4()
        if log is None:
            # When the page was opened: the call came then, or a little before.
            form.initial["call_time"] = timezone.localtime().time().replace(second=0, microsecond=0)
        kept = KEPT_CALL_LOG.take_initial(request, form) if request.GET.get("aterstall") else None
        if kept:
            form.initial.update(kept)
            # Not saved yet: the page's script saves it at once, the Spara button without it.
            restored = True
            messages.info(
                request,
                "Du loggade in, så det du skrev i samtalsloggen finns kvar nedan. Tryck på "
                "Spara så att det sparas.",
            )
    return render(
        request, "incidents/call_log.html", {"form": form, "log": log, "restored": restored}
    )


def _call_log_without_login(request: HttpRequest, pk: int | None) -> HttpResponse:
    """A visitor gets the log as a plain form, to use on paper or to log in and save. A
    POST (a visitor's, or an official's whose login ran out) keeps what was written through
    the login, and the log's page gives it back."""
    if request.method != "POST":
        if pk is not None:
            return redirect_to_login(request.get_full_path())
        return render(request, "incidents/call_log.html", {"form": CallLogForm(), "log": None})
    KEPT_CALL_LOG.keep(request, CallLogForm(request.POST))
    login = redirect_to_login(request.path + "?aterstall=1")
    if _is_autosave(request):
        return JsonResponse({"login": login.url}, status=401)
    return login


def _call_log_reported(request: HttpRequest, log: CallLog) -> HttpResponse:
    """The log made into its report (once), and the report form to complete and send it."""
    if log.incident.is_draft:
        log.to_report()
    if _is_autosave(request):
        return JsonResponse(
            {"report": reverse("incidents:draft", args=[log.incident_id])}, status=409
        )
    if not log.incident.is_draft:
        return redirect(log.incident)
    messages.info(
        request,
        "Samtalsloggen är nu ett utkast till en rapport om hot per telefon. Kontrollera, fyll i "
        "det som saknas och tryck på Skicka rapporten. Utkastet syns bara för dig.",
    )
    return redirect("incidents:draft", log.incident_id)


def _get_sent_report_for_reader(user: User, pk: int) -> Incident:
    """A sent report its author, or a security officer with the second factor given, may read
    in full; anyone else gets 404, as if it did not exist."""
    return get_object_or_404(Incident.objects.visible_to(user).submitted(), pk=pk)


@login_required
@never_cache
def police_bundle_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Underlag till polisanmälan: the report, its course and its evidence as one PDF. Every
    download is in the access log, the reporter's own too: the file leaves the portal."""
    incident = _get_sent_report_for_reader(request.user, pk)
    pdf, files = police_bundle.render(incident)
    incident.record_police_bundle(request.user, files=files)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="underlag-polisanmalan-{incident.reference}.pdf"'
    )
    return response
