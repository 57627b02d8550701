from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from guidance.pdf import render_pdf
from portal.security import AuthenticatedHttpRequest, KeptThroughLogin

from .forms import ActivityForm, RiskAnswersForm
from .models import Assessment, RiskQuestion, RiskQuestionQuerySet
from .scoring import assess

# The PDF is styled by the shared css/print.css, then by this app's print rules.
PDF_STYLESHEET = "css/riskassessment-print.css"
# A visitor may answer without logging in, and log in to save: their answers are kept too.
KEPT_ANSWERS = KeptThroughLogin("riskassessment:answers", visitors_too=True)
TIMED_OUT_MESSAGE = (
    "Du hade blivit utloggad. Svaren finns kvar här – tryck på Spara igen för att spara."
)
VISITOR_MESSAGE = (
    "Du är inloggad. Svaren finns kvar här – skriv vad, när och var, och tryck på Spara."
)


def _get_assessment_for_user(request: AuthenticatedHttpRequest, pk: int) -> Assessment:
    """A saved inventory is its owner's alone: anyone else gets a 404, as if it did not
    exist. The security officers see the shared ones in the admin, not here."""
    return get_object_or_404(Assessment.objects.owned_by(request.user).with_answers(), pk=pk)


def _saved_context(assessment: Assessment) -> dict[str, Any]:
    return {
        "assessment": assessment,
        "answers": assessment.answers.all(),
        "result": assessment.result(),
    }


def _questions() -> RiskQuestionQuerySet:
    return RiskQuestion.objects.active()


def _render_form(
    request: HttpRequest, form: RiskAnswersForm, source: Assessment | None = None
) -> HttpResponse:
    return render(request, "riskassessment/form.html", {"form": form, "source": source})


def _render_result(
    request: HttpRequest, form: RiskAnswersForm, activity_form: ActivityForm | None = None
) -> HttpResponse:
    answers = form.answers()
    if request.user.is_authenticated and activity_form is None:
        activity_form = ActivityForm()
    context = {
        "form": form,
        "answers": answers,
        "result": assess(a.level for a in answers),
        "activity_form": activity_form,
    }
    return render(request, "riskassessment/result.html", context)


def start(request: HttpRequest) -> HttpResponse:
    # A POST here comes from "Ändra svaren" on the result page: the answers come back
    # filled in, without error messages.
    initial = request.POST.dict() if request.method == "POST" else None
    return _render_form(request, RiskAnswersForm(_questions(), initial=initial))


@login_required
def start_from(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    source = _get_assessment_for_user(request, pk)
    form = RiskAnswersForm(_questions(), initial=RiskAnswersForm.initial_from(source))
    return _render_form(request, form, source=source)


def result(request: HttpRequest) -> HttpResponse:
    """The result of answers just given. Nothing is stored: the answers travel on in
    hidden fields, to "Spara" or back to the form."""
    if request.method == "POST":
        form = RiskAnswersForm(_questions(), request.POST)
        activity_form = None
    else:
        unsaved = KEPT_ANSWERS.take(request)
        if unsaved is None:
            return redirect("riskassessment:start")
        form = RiskAnswersForm(_questions(), unsaved)
        # Only an official whose login ran out has typed the activity's fields; a visitor
        # has not seen them yet, and gets no errors on them.
        typed = any(name in unsaved for name in ActivityForm.base_fields)
        messages.info(request, TIMED_OUT_MESSAGE if typed else VISITOR_MESSAGE)
        activity_form = ActivityForm(unsaved) if typed else None
    if not form.is_valid():
        return _render_form(request, form)
    return _render_result(request, form, activity_form)


@require_POST
def save(request: HttpRequest) -> HttpResponse:
    """Not @login_required: a visitor who wants to save, or an official whose session
    ran out while answering, gets the answers kept in the session through the login and
    given back on the result page, instead of losing them. Only a logged-in official saves."""
    form = RiskAnswersForm(_questions(), request.POST)
    if not form.is_valid():
        return _render_form(request, form)
    if not request.user.is_authenticated:
        # The answers, and the activity's fields that an official whose login ran out had
        # typed; a visitor on the way to log in and save gets theirs back too.
        KEPT_ANSWERS.keep(request, form, ActivityForm(request.POST))
        return redirect_to_login(reverse("riskassessment:result"))
    activity_form = ActivityForm(request.POST)
    if not activity_form.is_valid():
        return _render_result(request, form, activity_form)
    assessment = Assessment.record(request.user, form.answers(), **activity_form.cleaned_data)
    messages.success(request, "Riskinventeringen är sparad.")
    return redirect("riskassessment:detail", pk=assessment.pk)


@login_required
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    assessments = Assessment.objects.owned_by(request.user).with_answers()
    return render(request, "riskassessment/mine.html", {"assessments": assessments})


@login_required
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    context = _saved_context(_get_assessment_for_user(request, pk))
    return render(request, "riskassessment/detail.html", context)


@login_required
def pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = _get_assessment_for_user(request, pk)
    context = _saved_context(assessment)
    html = render_to_string("riskassessment/pdf.html", context, request=request)
    response = HttpResponse(
        render_pdf(html, stylesheets=("css/print.css", PDF_STYLESHEET)),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="riskinventering-{assessment.date:%Y-%m-%d}.pdf"'
    )
    return response


@login_required
@require_POST
def share(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = _get_assessment_for_user(request, pk)
    assessment.share()
    messages.success(request, "Riskinventeringen är delad med säkerhetshandläggarna.")
    return redirect("riskassessment:detail", pk=assessment.pk)


@login_required
@require_POST
def unshare(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = _get_assessment_for_user(request, pk)
    assessment.unshare()
    messages.success(request, "Riskinventeringen delas inte längre med säkerhetshandläggarna.")
    return redirect("riskassessment:detail", pk=assessment.pk)
