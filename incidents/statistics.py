"""Statistics for the security officers' yearly follow-up: how many reports came in, of what
kind, by which way, how serious they were judged, where they stand, what they led to (among
them the "avstått från …" answers, the self-censorship measure of Brå's Politikernas
trygghetsundersökning), whether the official knew who it was and reported it to the police,
and how long triage and closing took. A year is shown beside the year before.

Only counts and times leave this module: never what a report says.

The counts are not counted here: they are kept in the database per year (incidents.counts),
changed by the verbs that send, triage, close and delete reports in the same transaction as
the report, so that they are never stale and nothing has to expire or refresh them. The page
reads a year's few hundred rows of counts per combination of answers, per combination of the
lists of kinds and consequences, and per month, and adds them up per question here: three
small queries however many reports there are, the same on SQLite and PostgreSQL. Only the
medians are read from the reports, as the middle row of the year's durations in order, which
PostgreSQL reads from the middle of an index of them (migration 0008) without sorting.

Why: the page used to count the two years' reports on each request, each of three queries
reading them in the order of an index of their answers or lists (the fastest way found to
count them: grouping by the lists took 0.5 s, one LIKE per kind 2 s). At a decade's million
reports (100,000 a year) that was 276 ms for the page, 231 ms of it SQL, and could only grow
with the reports. With the counts kept, bench/admin.py measured 183 ms (96 ms of it SQL) at
1,000,000 reports against 149 ms (60 ms SQL) at 1,000 in the same run, on a machine busy with
other work (a load of 8 on two cores). The price is paid by the verbs: sending reads the
report before and after and adds to three counts, a change of triage to one or two, each a
small query by its key in the same transaction.
"""

import dataclasses
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models.functions import ExtractYear
from django.http import HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.dates import MONTHS

from portal.exports import csv_response
from portal.security import AuthenticatedHttpRequest, verified_officer_required

from .counts import AnswerCount, ListCount, MonthCount
from .models import (
    AccessLogEntry,
    Channel,
    Consequence,
    Incident,
    Kind,
    PerpetratorKnown,
    PoliceReport,
    Severity,
)

NOT_GIVEN = "Ej angivet"
# The two answers that PTU counts as self-censorship: the official held back from an issue,
# or from a meeting or an activity.
HELD_BACK = (Consequence.AVSTATT_FRAGA, Consequence.AVSTATT_MOTE)
HELD_BACK_LABEL = "Avstått från en fråga, ett möte eller en aktivitet (något av dem)"
HELD_BACK_CHART_LABEL = "Avstått från fråga, möte eller aktivitet"  # fits beside its bars

# Short labels for the charts and the tables; the form's own labels are whole sentences.
CONSEQUENCE_LABELS = {
    Consequence.ORO: "Oro eller rädsla",
    Consequence.AVSTATT_FRAGA: "Avstått från att engagera sig i en fråga",
    Consequence.AVSTATT_MOTE: "Avstått från ett möte eller en aktivitet",
    Consequence.FAMILJ: "Familj eller närstående påverkade",
    Consequence.ANNAT: "Annan följd",
}
PERPETRATOR_LABELS = {
    PerpetratorKnown.JA: "Vet eller tror sig veta vem det var",
    PerpetratorKnown.NEJ: "Vet inte vem det var",
}
POLICE_LABELS = {
    PoliceReport.GJORD: "Polisanmält",
    PoliceReport.PLANERAD: "Tänker polisanmäla",
    PoliceReport.NEJ: "Inte polisanmält",
}


@dataclass(frozen=True)
class Count:
    label: str
    count: int


@dataclass(frozen=True)
class YearStatistics:
    year: int
    total: int
    per_month: list[Count]
    # A report may be of several kinds, and have several consequences, so these may add up to
    # more than the total.
    per_kind: list[Count]
    per_channel: list[Count]
    per_severity: list[Count]
    per_status: list[Count]
    per_consequence: list[Count]
    per_perpetrator: list[Count]
    per_police_report: list[Count]
    police_reported: int
    # Reports where the official held back from an issue, a meeting or an activity (either).
    held_back: int
    # Medians in days over the year's reports that have been triaged / closed so far.
    triaged: int
    closed: int
    median_days_to_triage: float | None
    median_days_to_close: float | None

    @property
    def police_share(self) -> float | None:
        """Per cent of the year's reports that the official had reported to the police."""
        return _share(self.police_reported, self.total)

    @property
    def held_back_share(self) -> float | None:
        return _share(self.held_back, self.total)


def _share(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def year_statistics(year: int) -> YearStatistics:
    """The figures for the reports sent in a year (by the date in Sweden they were sent)."""
    return statistics_for_years([year])[0]


def statistics_for_years(years: list[int]) -> list[YearStatistics]:
    """The figures for each of the years, in the order given, from the same few queries."""
    counted = _counts(AnswerCount.objects.filter(year__in=years).values())
    counted_months: dict[int, dict[int, int]] = {}
    for row in MonthCount.objects.filter(year__in=years).values("year", "month", "n"):
        counted_months.setdefault(row["year"], {})[row["month"]] = row["n"]
    lists = _lists(ListCount.objects.filter(year__in=years).values())
    return [
        _year(year, counted.get(year, {}), counted_months.get(year, {}), lists.get(year, {}))
        for year in years
    ]


# What is counted for each report with a plain column: (section, field, [(value, label)]).
# "Ej angivet" (the value None) is what is left: the empty answer, or one that the choices no
# longer have.
def _column(field, choices, labels=None, missing=NOT_GIVEN):
    labels = labels or {}
    items = [(value, str(labels.get(value, label))) for value, label in choices]
    return field, [*items, (None, missing)]


COLUMNS = {
    "channel": _column("channel", Channel.choices),
    "severity": _column("severity", Severity.choices, missing="Inte bedömd"),
    "status": ("status", [(v, str(label)) for v, label in Incident.Status.choices]),
    "perpetrator": _column("perpetrator_known", PerpetratorKnown.choices, PERPETRATOR_LABELS),
    "police_report": _column("police_report", PoliceReport.choices, POLICE_LABELS),
}


def _counts(rows):
    """Per year: its total, how many have been triaged and closed, and each answer of each
    plain column, added up from the year's counts per combination of answers."""
    per_year: dict[int, dict[Any, int]] = {}
    for row in rows:
        counted = per_year.setdefault(row["year"], {})
        for key in ("n", "triaged", "closed"):
            counted[key] = counted.get(key, 0) + row[key]
        for section, (field, items) in COLUMNS.items():
            known = {value for value, _ in items}
            answer = (section, row[field] if row[field] in known else None)
            counted[answer] = counted.get(answer, 0) + row["n"]
    return per_year


def _lists(rows):
    """Per year, the number of reports with each kind and consequence, added up from the
    year's counts per combination of the two lists."""
    per_year: dict[int, dict[str, Any]] = {}
    for row in rows:
        counts = per_year.setdefault(row["year"], {"kinds": {}, "consequences": {}, "held": 0})
        kinds = set(json.loads(row["kinds"])) & set(Kind.values)
        consequences = set(json.loads(row["consequences"])) & set(Consequence.values)
        for kind in kinds:
            counts["kinds"][kind] = counts["kinds"].get(kind, 0) + row["n"]
        for consequence in consequences or {""}:
            counts["consequences"][consequence] = (
                counts["consequences"].get(consequence, 0) + row["n"]
            )
        if consequences & set(HELD_BACK):
            counts["held"] += row["n"]
    return per_year


def _year(year, counted, months, lists):
    def section(name):
        _, items = COLUMNS[name]
        return [Count(label, counted.get((name, value), 0)) for value, label in items]

    kinds = lists.get("kinds", {})
    consequences = lists.get("consequences", {})
    triaged, closed = counted.get("triaged", 0), counted.get("closed", 0)
    # The year as an expression, as in statistics_for_years: PostgreSQL's indexes for the
    # medians hold each year's durations in order.
    in_year = (
        Incident.objects.submitted()
        .annotate(sent_year=ExtractYear("submitted_at"))
        .filter(sent_year=models.Value(year))
    )
    police = section("police_report")
    return YearStatistics(
        year=year,
        total=counted.get("n", 0),
        per_month=[Count(str(MONTHS[month]), months.get(month, 0)) for month in range(1, 13)],
        per_kind=[Count(str(label), kinds.get(value, 0)) for value, label in Kind.choices],
        per_channel=section("channel"),
        per_severity=section("severity"),
        per_status=section("status"),
        per_consequence=[
            *(Count(CONSEQUENCE_LABELS[c], consequences.get(c, 0)) for c in Consequence),
            Count("Ingen följd angiven", consequences.get("", 0)),
        ],
        per_perpetrator=section("perpetrator"),
        per_police_report=police,
        police_reported=police[0].count,
        held_back=lists.get("held", 0),
        triaged=triaged,
        closed=closed,
        median_days_to_triage=_median_days(in_year, "first_triaged_at", triaged),
        median_days_to_close=_median_days(in_year, "closed_at", closed),
    )


def _median_days(reports, field, count):
    """The median time from sending to `field`, in days: the middle one (or the mean of the
    middle two) of the durations in order, read by the database at OFFSET count / 2. On
    PostgreSQL an index holds each year's durations in order, so the database skips to the
    middle rather than sorting the year's reports."""
    if not count:
        return None
    durations = (
        reports.filter(**{f"{field}__isnull": False})
        .annotate(duration=models.F(field) - models.F("submitted_at"))
        .order_by("duration")
        .values_list("duration", flat=True)
    )
    middle = list(durations[(count - 1) // 2 : count // 2 + 1])
    if not middle:  # the reports changed between the queries
        return None
    return sum(middle, timedelta()) / len(middle) / timedelta(days=1)


def years_with_reports() -> list[int]:
    """The years from the first sent report to this year, newest first: one look in the
    index of sending times, rather than a pass over every report."""
    first = Incident.objects.submitted().aggregate(first=models.Min("submitted_at"))["first"]
    this_year = timezone.localdate().year
    first_year = timezone.localtime(first).year if first else this_year
    return list(range(max(this_year, first_year), min(this_year, first_year) - 1, -1))


# Sections of the page and the CSV file: (slug, heading of the table's first column, title,
# the attribute of YearStatistics, note).
SECTIONS = [
    ("manad", "Månad", "Rapporter per månad", "per_month", ""),
    (
        "typ", "Typ av händelse", "Rapporter per typ av händelse", "per_kind",
        "En rapport kan gälla flera typer av händelser. Därför kan summan bli större än "
        "antalet rapporter.",
    ),
    ("kanal", "Kanal", "Rapporter per kanal", "per_channel", ""),
    (
        "allvarlighet", "Allvarlighet", "Rapporter per allvarlighet", "per_severity",
        "Säkerhetshandläggarens bedömning enligt handlingsplanens skala.",
    ),
    ("status", "Status", "Rapporter per status i dag", "per_status", ""),
    (
        "foljder", "Följd", "Följder för den som rapporterat", "per_consequence",
        "En rapport kan ha flera följder. Att ha avstått från en fråga, ett möte eller en "
        "aktivitet är det som Brås Politikernas trygghetsundersökning (PTU) kallar "
        "självcensur; raden under tabellen räknar rapporter med något av dem.",
    ),
    (
        "garningsperson", "Gärningsperson", "Vet den som rapporterat vem det var?",
        "per_perpetrator", "",
    ),
    ("polis", "Polisanmälan", "Polisanmälan", "per_police_report", ""),
]  # fmt: skip


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    previous: int
    share: float | None
    previous_share: float | None


@dataclass(frozen=True)
class Section:
    slug: str
    heading: str
    title: str
    note: str
    rows: list[Row]
    chart: "Chart"
    extra: Row | None = None


def comparison(stats: YearStatistics, previous: YearStatistics) -> list[Section]:
    """The sections of the page: each of the year's counts beside the year before's. Both
    years have the same rows in the same order."""
    sections = []
    for slug, heading, title, attribute, note in SECTIONS:
        rows = [
            Row(
                mine.label,
                mine.count,
                theirs.count,
                _share(mine.count, stats.total),
                _share(theirs.count, previous.total),
            )
            for mine, theirs in zip(
                getattr(stats, attribute), getattr(previous, attribute), strict=True
            )
        ]
        extra = None
        if attribute == "per_consequence":
            extra = Row(
                HELD_BACK_LABEL,
                stats.held_back,
                previous.held_back,
                stats.held_back_share,
                previous.held_back_share,
            )
        full_title = f"{title} {stats.year} och {previous.year}"
        bars = [*rows, dataclasses.replace(extra, label=HELD_BACK_CHART_LABEL)] if extra else rows
        chart = Chart.of(slug, full_title, stats.year, previous.year, bars)
        sections.append(Section(slug, heading, full_title, note, rows, chart, extra))
    return sections


# Charts, drawn on the server: horizontal bars, two for each row (the year, then the year
# before, striped), each with its year and count written beside it, so that nothing is told by
# colour or pattern alone. The same figures are in the table under each chart.

LABEL_WIDTH = 300
BAR_MAX = 280
BAR_HEIGHT = 14
ROW = 2 * BAR_HEIGHT + 14


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    previous: int
    y: int
    width: int
    previous_width: int

    @property
    def text_y(self):
        return self.y + BAR_HEIGHT + 4

    @property
    def previous_y(self):
        return self.y + BAR_HEIGHT + 1

    @property
    def count_y(self):
        return self.y + BAR_HEIGHT - 3

    @property
    def previous_count_y(self):
        return self.previous_y + BAR_HEIGHT - 3

    @property
    def count_x(self):
        return LABEL_WIDTH + self.width + 6

    @property
    def previous_count_x(self):
        return LABEL_WIDTH + self.previous_width + 6


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    year: int
    previous_year: int
    bars: list[Bar]

    label_x = LABEL_WIDTH - 8
    bar_x = LABEL_WIDTH
    bar_height = BAR_HEIGHT
    width = LABEL_WIDTH + BAR_MAX + 110

    @property
    def height(self):
        return len(self.bars) * ROW + 4

    @classmethod
    def of(cls, slug, title, year, previous_year, rows):
        most = max((max(r.count, r.previous) for r in rows), default=0)

        def width(n):
            return round(BAR_MAX * n / most) if most else 0

        bars = [
            Bar(r.label, r.count, r.previous, 2 + i * ROW, width(r.count), width(r.previous))
            for i, r in enumerate(rows)
        ]
        return cls(slug, title, year, previous_year, bars)


# The view, served by the admin at /admin/incidents/incident/statistik/ inside
# admin.site.admin_view (staff, logged in with a second factor).


@verified_officer_required
def statistics_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    years = years_with_reports()
    year = _chosen_year(request.GET.get("ar"), years)
    stats, previous = statistics_for_years([year, year - 1])
    if request.GET.get("format") == "csv":
        rows = list(statistics_rows(stats, previous))
        AccessLogEntry.record_export(
            request.user, f"Statistik {year} jämförd med {year - 1}", rows=len(rows) - 1
        )
        return csv_response(f"handelserapporter-statistik-{year}.csv", rows)
    context = {
        **admin.site.each_context(request),
        "title": "Statistik över händelserapporter",
        "opts": Incident._meta,
        "stats": stats,
        "previous": previous,
        "both": [stats, previous],
        "sections": comparison(stats, previous),
        "years": years,
    }
    return render(request, "admin/incidents/statistics.html", context)


def _chosen_year(value: str | None, years: list[int]) -> int:
    try:
        year = int(value or "")  # none asked for: this year
    except ValueError:
        return timezone.localdate().year
    return year if year in years else timezone.localdate().year


def statistics_rows(
    stats: YearStatistics, previous: YearStatistics | None = None
) -> Iterator[list[Any]]:
    """The figures as rows of (section, item, the year's value, the year before's value), for
    the CSV file. No data is an empty cell, which a spreadsheet treats as missing rather than
    as text."""
    years = [stats] if previous is None else [stats, previous]

    def row(section: str, item: str, value: Callable[[YearStatistics], Any]) -> list[Any]:
        return [section, item, *(value(s) for s in years)]

    yield ["Avsnitt", "Uppgift", "Valt år", "Året före"][: 2 + len(years)]
    yield row("År", "", lambda s: s.year)
    yield row("Rapporter", "Totalt", lambda s: s.total)
    for _, _, title, attribute, _ in SECTIONS:
        for i, count in enumerate(getattr(stats, attribute)):
            # The defaults keep this row's i and a; mypy infers no lambda with defaults where
            # it expects a callable of fewer arguments.
            yield row(title, count.label, lambda s, i=i, a=attribute: getattr(s, a)[i].count)  # type: ignore[misc]
        if attribute == "per_consequence":
            yield row(title, HELD_BACK_LABEL, lambda s: s.held_back)
            yield row(title, f"{HELD_BACK_LABEL}, andel (%)", lambda s: _decimal(s.held_back_share))
    yield row("Polisanmälda", "Antal", lambda s: s.police_reported)
    yield row("Polisanmälda", "Andel (%)", lambda s: _decimal(s.police_share))
    yield row(
        "Tid till första bedömning", "Median (dagar)", lambda s: _decimal(s.median_days_to_triage)
    )
    yield row("Tid till första bedömning", "Antal bedömda rapporter", lambda s: s.triaged)
    yield row("Tid till avslut", "Median (dagar)", lambda s: _decimal(s.median_days_to_close))
    yield row("Tid till avslut", "Antal avslutade rapporter", lambda s: s.closed)


def _decimal(value: float | None) -> str:
    # Rounded as the page rounds it (floatformat), with the Swedish decimal comma.
    return "" if value is None else floatformat(value, "1u").replace(".", ",")
