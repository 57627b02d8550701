from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.options import BaseModelAdmin, IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import capfirst

from . import organisation
from .security import has_second_factor, is_verified_officer

if TYPE_CHECKING:
    # What the mixins below are mixed into, so that the type checker knows their super().
    _ModelAdmin = admin.ModelAdmin
    _BaseModelAdmin = BaseModelAdmin
else:
    _ModelAdmin = _BaseModelAdmin = object


@cache
def _guarded(changelist_class: type[ChangeList]) -> type[ChangeList]:
    """The admin's list, answering odd filters as it answers a filter it doesn't know: back
    to the whole list (?e=1). A NUL byte (which PostgreSQL refuses), a year beyond the
    calendar or a number beyond the database's integers are such filters."""

    # A subclass of whichever list class the ModelAdmin uses, which the type checker can't
    # follow.
    class GuardedChangeList(changelist_class):  # type: ignore[valid-type, misc]
        def __init__(self, request, *args, **kwargs):
            if any("\x00" in key + "".join(values) for key, values in request.GET.lists()):
                raise IncorrectLookupParameters("NUL in the query string")
            super().__init__(request, *args, **kwargs)

        def get_filters(self, request):
            try:
                return super().get_filters(request)
            except (ValueError, OverflowError) as e:  # the date hierarchy's year
                raise IncorrectLookupParameters(e) from e

        def get_results(self, request):
            try:
                super().get_results(request)
            except OverflowError as e:  # SQLite, before it runs the query
                raise IncorrectLookupParameters(e) from e

    return GuardedChangeList


def _readable_pk(model: type[Model], value: str) -> bool:
    """Whether a value could be the model's primary key: not text for a number, nor a number
    beyond the column's range (the field's validators know the database's), nor a NUL."""
    field = model._meta.pk
    if "\x00" in value:
        return False
    try:
        field.run_validators(field.to_python(value))
    except ValidationError:
        return False
    return True


class HostileInputMixin(_ModelAdmin):
    """Mixed into every ModelAdmin of the site, the third-party ones (axes, django-otp)
    included: wrong input in a list's query string or an action's selection gets a message,
    never a server error."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        # A class is hashable, whatever its instances' __hash__ says to the type checker.
        return _guarded(super().get_changelist(request, **kwargs))  # type: ignore[arg-type]

    def response_action(
        self, request: HttpRequest, queryset: QuerySet[Any], *args: Any, **kwargs: Any
    ) -> HttpResponse | None:
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(_readable_pk(self.model, value) for value in selected):
            self.message_user(
                request, "Markeringen gick inte att läsa. Inget har ändrats.", messages.WARNING
            )
            return None  # back to the list
        return super().response_action(request, queryset, *args, **kwargs)


@dataclass(frozen=True)
class ToDo:
    """One line of the start page's Att göra: what waits, how many ("3 rapporter"), and
    the list that shows them."""

    label: str
    count: int
    counted: str
    url: str


class PortalAdminSite(admin.AdminSite):
    """The security officers' workplace. Every page needs a password and a second factor."""

    index_title = "Säkerhetshandläggarens arbetsplats"
    # The list of every model beside each page took a quarter of a 1280-pixel screen, the
    # width the report list needs. The start page lists them, one click away (Hem).
    enable_nav_sidebar = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._to_do: list[Callable[[HttpRequest], list[ToDo]]] = []

    def add_to_do(self, to_do: Callable[[HttpRequest], list[ToDo]]) -> None:
        """An app's part of the start page's Att göra: to_do(request) gives a list of ToDo,
        empty for whoever the app has nothing for. The apps add their own, so that the
        portal knows none of them."""
        self._to_do.append(to_do)

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        to_do = [item for to_do in self._to_do for item in to_do(request)]
        return super().index(request, {"to_do": to_do, **(extra_context or {})})

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        """Every admin page, with the organisation's names in its header and title."""
        org = organisation.current()
        return {
            **super().each_context(request),
            "site_header": f"{org.portal_name}, {org.name} – administration",
            "site_title": f"{org.portal_name}, {org.name}",
        }

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and has_second_factor(request.user)

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, HostileInputMixin):
            admin_class = type(
                admin_class.__name__,
                (HostileInputMixin, admin_class),
                {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        next_url = request.GET.get("next") or reverse("admin:index")
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?next={quote(next_url)}")
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied("Kontot har inte tillgång till administrationen.")
        return redirect(f"{reverse('otp_verify')}?next={quote(next_url)}")


class PortalAdminConfig(AdminConfig):
    default_site = "portal.admin_site.PortalAdminSite"


class LabelledListEditableMixin(_ModelAdmin):
    """The admin's list_editable cells are inputs without labels, which a screen reader
    announces as just "edit text". Each gets a name: the column and the row."""

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[ModelForm]:
        form_class = super().get_changelist_form(request, **kwargs)
        editable = self.list_editable

        # A subclass of the form the admin made for the list, which the type checker can't
        # follow.
        class LabelledForm(form_class):  # type: ignore[valid-type, misc]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                for name in editable:
                    field = self.fields[name]
                    field.widget.attrs["aria-label"] = f"{capfirst(field.label)}: {self.instance}"

        return LabelledForm


class OfficersOnlyMixin(_BaseModelAdmin):
    """Staff outside the Säkerhetshandläggare group neither see nor write any of the
    officers' work (reports, risk inventories, notices, training), not even a superuser;
    and an officer only with the second factor given (is_verified_officer)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_verified_officer(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_verified_officer(request.user) and super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_verified_officer(request.user) and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_verified_officer(request.user) and super().has_add_permission(request, *args)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_verified_officer(request.user) and super().has_delete_permission(request, obj)


class ReadOnlyInline(OfficersOnlyMixin, admin.TabularInline):
    """Rows shown with the page they belong to and never changed there: what an official
    sent in (files, supplements, answers) and the history of a report. As the rest of the
    officers' work, for the officers alone."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
