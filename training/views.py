from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format

from portal.models import User
from portal.security import AuthenticatedHttpRequest, KeptThroughLogin

from .forms import QuizAnswersForm
from .models import TrainingModule

KEPT_ANSWERS = KeptThroughLogin("training:answers")


def _get_module_for_user(user: User, slug: str) -> TrainingModule:
    """A published module, or for a security officer also a draft; else a 404."""
    modules = TrainingModule.objects.visible_to(user).with_completion_of(user)
    return get_object_or_404(modules, slug=slug)


@login_required
def module_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    modules = list(TrainingModule.objects.visible_to(request.user).with_completion_of(request.user))
    done = request.user.training_completions.filter(module__in=modules).count()
    return render(request, "training/list.html", {"modules": modules, "done": done})


def module_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Not @login_required: when the login ran out while the official was answering, the
    answers are kept through the login and ticked again, as in the report form."""
    if not request.user.is_authenticated:
        if request.method == "POST":
            if module := TrainingModule.objects.filter(slug=slug).first():
                form = QuizAnswersForm(module.quiz(), request.POST)
                KEPT_ANSWERS.keep(request, form)
            return redirect_to_login(request.path + "?aterstall=1")
        return redirect_to_login(request.get_full_path())
    module = _get_module_for_user(request.user, slug)
    form = QuizAnswersForm(module.quiz(), request.POST if request.method == "POST" else None)
    restoring = request.GET.get("aterstall") and not form.is_bound
    if restoring and (kept := KEPT_ANSWERS.take_initial(request, form)):
        form.initial.update(kept)
        messages.info(
            request,
            "Du hade blivit utloggad, så svaren är inte skickade. De står kvar nedan: "
            "tryck på Skicka svaren igen.",
        )
    if request.method == "POST" and form.is_valid():
        completion, created = module.complete_for(request.user)
        if created:
            messages.success(request, f"Alla svar är rätt. Du har klarat ”{module.title}”.")
        else:
            messages.success(
                request,
                f"Alla svar är rätt. Du klarade ”{module.title}” redan "
                f"{date_format(timezone.localtime(completion.completed_at), 'j F Y')}; "
                "det datumet står kvar.",
            )
        # To the message: the form's #fragor would otherwise carry over the redirect and
        # leave the message far above, out of sight on a phone.
        return redirect(module.get_absolute_url() + "#meddelanden")
    return render(request, "training/module.html", {"module": module, "form": form})
