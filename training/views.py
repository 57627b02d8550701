from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format

from .forms import AnswersForm
from .models import TrainingModule


def _get_module_for_user(request, slug):
    """A published module, or for a security officer also a draft; else a 404."""
    modules = TrainingModule.objects.visible_to(request.user).with_completion_of(request.user)
    return get_object_or_404(modules, slug=slug)


@login_required
def module_list(request):
    modules = TrainingModule.objects.visible_to(request.user).with_completion_of(request.user)
    return render(request, "training/list.html", {"modules": modules})


@login_required
def module_detail(request, slug):
    module = _get_module_for_user(request, slug)
    form = AnswersForm(module.quiz(), request.POST if request.method == "POST" else None)
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
        return redirect(module)
    return render(request, "training/module.html", {"module": module, "form": form})
