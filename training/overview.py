"""Who has completed which training, and when: so that the region can show that its
officials have had the introduction and training the plan promises. Served by the admin,
to the security officers only, as a page, a CSV file and an Excel file."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import admin
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from portal.exports import csv_response, xlsx_response
from portal.models import User
from portal.security import verified_officer_required

from .models import Completion, TrainingModule

NOT_DONE = "Inte klar"


@dataclass(frozen=True)
class Row:
    name: str
    email: str
    party: str
    joined: date
    completed: list[date | None]  # one per module, in the modules' order


@dataclass(frozen=True)
class Overview:
    modules: list[TrainingModule]
    rows: list[Row]

    def done_counts(self) -> list[tuple[TrainingModule, int]]:
        """(module, how many officials have completed it)."""
        return [
            (module, sum(row.completed[i] is not None for row in self.rows))
            for i, module in enumerate(self.modules)
        ]


def completion_overview() -> Overview:
    """Every active official against every published module, with the date (in Sweden)
    each was completed. Three queries, whatever the number of officials; the database
    turns the times into Swedish dates."""
    modules = list(TrainingModule.objects.published())
    people = (
        User.objects.officials()
        .order_by("full_name", "email")
        .values_list("pk", "full_name", "email", "party", TruncDate("date_joined"))
    )
    done = {
        (user_id, module_id): day
        for user_id, module_id, day in Completion.objects.filter(
            user__in=User.objects.officials(), module__in=modules
        ).values_list("user_id", "module_id", TruncDate("completed_at"))
    }
    rows = [
        Row(
            name=name,
            email=email,
            party=party,
            joined=joined,
            completed=[done.get((pk, module.pk)) for module in modules],
        )
        for pk, name, email, party, joined in people
    ]
    return Overview(modules, rows)


def export_rows(overview: Overview) -> Iterator[list[Any]]:
    yield ["Namn", "E-post", "Parti", "Konto skapat", *(m.title for m in overview.modules)]
    for row in overview.rows:
        yield [
            row.name,
            row.email,
            row.party,
            row.joined,
            *(day if day else NOT_DONE for day in row.completed),
        ]


# The view, at /admin/training/trainingmodule/oversikt/ inside admin.site.admin_view
# (staff, logged in with a second factor).


@verified_officer_required
def overview_view(request: HttpRequest) -> HttpResponse:
    overview = completion_overview()
    match request.GET.get("format"):
        case "csv":
            return _csv_response(overview)
        case "xlsx":
            return _xlsx_response(overview)
    context = {
        **admin.site.each_context(request),
        "title": "Vem har gått vilken utbildning",
        "opts": TrainingModule._meta,
        "overview": overview,
        "not_done": NOT_DONE,
    }
    return render(request, "admin/training/overview.html", context)


def _filename(extension: str) -> str:
    return f"utbildning-{timezone.localdate():%Y-%m-%d}.{extension}"


def _csv_response(overview: Overview) -> HttpResponse:
    return csv_response(_filename("csv"), export_rows(overview))


def _xlsx_response(overview: Overview) -> HttpResponse:
    # Dates as dates, so that the spreadsheet can sort and count them.
    return xlsx_response(_filename("xlsx"), "Utbildning", export_rows(overview))
