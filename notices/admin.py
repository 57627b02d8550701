from collections.abc import Sequence

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator

from guidance.rendering import known_contacts_only
from portal import mail
from portal.admin_site import OfficersOnlyMixin
from portal.models import User
from portal.security import AuthenticatedHttpRequest, verified_officer_required
from portal.words import counted

from .models import AlreadyMailed, Notice


class NoticeForm(forms.ModelForm):
    class Meta:
        model = Notice
        fields = ["title", "body", "date", "valid_until", "importance", "status"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 16}),
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean_body(self) -> str:
        return known_contacts_only(self.cleaned_data["body"])


@admin.register(Notice)
class NoticeAdmin(OfficersOnlyMixin, admin.ModelAdmin):
    """The security officers publish here what the officials see under Aktuellt."""

    form = NoticeForm
    list_display = ["title", "date", "valid_until", "importance", "status", "mailed"]
    list_filter = ["status", "importance"]
    search_fields = ["title", "body"]
    date_hierarchy = "date"
    readonly_fields = ["mailed_at", "mailed_by", "updated_at"]
    fields = [
        "title", "body", "date", "valid_until", "importance", "status",
        "mailed_at", "mailed_by", "updated_at",
    ]  # fmt: skip
    change_form_template = "admin/notices/notice/change_form.html"

    def get_urls(self) -> list[URLPattern]:
        mail = path(
            "<int:pk>/skicka-e-post/",
            self.admin_site.admin_view(self.mail_view),
            name="notices_notice_mail",
        )
        return [mail, *super().get_urls()]

    @admin.display(description="e-post till alla")
    def mailed(self, obj: Notice) -> str:
        if obj.mailed_at:
            return f"Skickad {timezone.localtime(obj.mailed_at):%Y-%m-%d %H:%M}"
        return "–"

    @method_decorator(verified_officer_required)
    def mail_view(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        """Asks first, showing the mail as it will go out; sends on the button."""
        notice = get_object_or_404(Notice, pk=pk)
        change_url = reverse("admin:notices_notice_change", args=[notice.pk])
        if notice.mailed_at:
            return self._already_mailed(request, notice, change_url)
        if not notice.can_be_mailed:
            self.message_user(
                request,
                "Bara information som är viktig, publicerad och aktuell i dag kan skickas med "
                "e-post. Ändra och spara först.",
                messages.WARNING,
            )
            return redirect(change_url)
        if request.method == "POST":
            try:
                result = notice.mail_to_officials(request.user)
            except AlreadyMailed:
                notice.refresh_from_db()
                return self._already_mailed(request, notice, change_url)
            self._report(request, notice, result)
            return redirect(change_url)
        subject, mail_text = notice.mail_preview()
        context = {
            **self.admin_site.each_context(request),
            "title": "Skicka e-post till alla förtroendevalda",
            "opts": self.opts,
            "notice": notice,
            "recipients": User.objects.officials().count(),
            "subject": subject,
            "mail_text": mail_text,
        }
        return render(request, "admin/notices/notice/mail_confirm.html", context)

    def _already_mailed(
        self, request: AuthenticatedHttpRequest, notice: Notice, change_url: str
    ) -> HttpResponse:
        self.message_user(
            request,
            f"E-post om ”{notice.title}” skickades redan "
            f"{timezone.localtime(notice.mailed_at):%Y-%m-%d %H:%M} av "
            f"{notice.mailed_by or 'en säkerhetshandläggare'}. Den skickas inte en gång till.",
            messages.WARNING,
        )
        return redirect(change_url)

    def _report(
        self, request: AuthenticatedHttpRequest, notice: Notice, result: mail.Result
    ) -> None:
        retried = (
            "Portalen försöker igen om en stund, och sedan med allt längre mellanrum; mejl som "
            "ändå inte går fram syns under Utgående e-post."
        )
        if not (result.sent or result.failed or result.waiting):
            self.message_user(
                request,
                "Det finns inga aktiva förtroendevalda att skicka till. Inget skickades.",
                messages.WARNING,
            )
        elif result.waiting and not (result.sent or result.failed):
            self.message_user(
                request,
                f"E-post om ”{notice.title}” skickas nu till {officials(result.waiting)}, en "
                "och en. Det tar en stund; hur det går syns under Utgående e-post.",
                messages.SUCCESS,
            )
        elif not result.sent:
            self.message_user(
                request,
                f"Inget mejl kunde skickas: e-postservern svarade inte. {retried}",
                messages.ERROR,
            )
        elif result.failed:
            self.message_user(
                request,
                f"E-post skickad till {officials(result.sent)}, men till "
                f"{len(result.failed)} kunde den inte skickas: {', '.join(result.failed)}. "
                f"{retried}",
                messages.WARNING,
            )
        else:
            self.message_user(
                request,
                f"E-post om ”{notice.title}” skickad till {officials(result.sent)}, en och en.",
                messages.SUCCESS,
            )


def officials(addresses: Sequence[str]) -> str:
    return counted(len(addresses), "förtroendevald", "förtroendevalda")
