from urllib.parse import quote

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import capfirst


class PortalAdminSite(admin.AdminSite):
    """The security officers' workplace. Every page needs a password and a second factor."""

    site_header = "Personsäkerhetsportalen – administration"
    site_title = "Personsäkerhetsportalen"
    index_title = "Säkerhetshandläggarens arbetsplats"

    def has_permission(self, request):
        return super().has_permission(request) and request.user.is_verified()

    def login(self, request, extra_context=None):
        next_url = request.GET.get("next") or reverse("admin:index")
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?next={quote(next_url)}")
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied("Kontot har inte tillgång till administrationen.")
        return redirect(f"{reverse('otp_verify')}?next={quote(next_url)}")


class PortalAdminConfig(AdminConfig):
    default_site = "portal.admin_site.PortalAdminSite"


class LabelledListEditableMixin:
    """The admin's list_editable cells are inputs without labels, which a screen reader
    announces as just "edit text". Each gets a name: the column and the row."""

    def get_changelist_form(self, request, **kwargs):
        form_class = super().get_changelist_form(request, **kwargs)
        editable = self.list_editable

        class LabelledForm(form_class):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                for name in editable:
                    field = self.fields[name]
                    field.widget.attrs["aria-label"] = f"{capfirst(field.label)}: {self.instance}"

        return LabelledForm


def officers_only(request):
    return request.user.is_active and request.user.is_security_officer


class OfficersOnlyMixin:
    """Staff outside the Säkerhetshandläggare group neither see nor write any of the
    officers' work (reports, notices, training), not even a superuser."""

    def has_module_permission(self, request):
        return officers_only(request)

    def has_view_permission(self, request, obj=None):
        return officers_only(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return officers_only(request) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, *args):
        return officers_only(request) and super().has_add_permission(request, *args)

    def has_delete_permission(self, request, obj=None):
        return officers_only(request) and super().has_delete_permission(request, obj)
