"""Statistics for the security officers: how many reports came in, of what kind, by which
way, how many were reported to the police, and how long triage and closing took.

Only counts and times leave this module: never what a report says. The figures are
computed in Python from one query of the year's sent reports, so that they are the same
on SQLite and PostgreSQL; a region's year is a few hundred reports at most.
"""

import statistics
from dataclasses import dataclass
from datetime import datetime

from django.contrib import admin
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.dates import MONTHS

from portal.exports import csv_response
from portal.security import verified_officer_required

from .models import Channel, Incident, Kind, PoliceReport

SECONDS_PER_DAY = 24 * 3600
NOT_GIVEN = "Ej angivet"


@dataclass(frozen=True)
class Count:
    label: str
    count: int


@dataclass(frozen=True)
class YearStatistics:
    year: int
    total: int
    per_month: list[Count]
    # A report may be of several kinds, so these may add up to more than the total.
    per_kind: list[Count]
    per_channel: list[Count]
    police_reported: int
    # Medians in days over the year's reports that have been triaged / closed so far.
    triaged: int
    closed: int
    median_days_to_triage: float | None
    median_days_to_close: float | None

    @property
    def police_share(self):
        """Per cent of the year's reports that the official had reported to the police."""
        return 100 * self.police_reported / self.total if self.total else None


def year_statistics(year):
    """The figures for the reports sent in a year (by the date in Sweden they were sent)."""
    rows = list(
        Incident.objects.submitted()
        .filter(submitted_at__gte=_new_year(year), submitted_at__lt=_new_year(year + 1))
        .order_by()
        .values_list(
            "submitted_at", "kinds", "channel", "police_report", "first_triaged_at", "closed_at"
        )
    )
    months = [0] * 12
    kinds = dict.fromkeys(Kind.values, 0)
    channels = dict.fromkeys(Channel.values, 0)
    unknown_channel = police_reported = 0
    to_triage, to_close = [], []
    for submitted_at, report_kinds, channel, police_report, triaged_at, closed_at in rows:
        months[timezone.localtime(submitted_at).month - 1] += 1
        for kind in set(report_kinds or []) & kinds.keys():
            kinds[kind] += 1
        if channel in channels:
            channels[channel] += 1
        else:
            unknown_channel += 1
        police_reported += police_report == PoliceReport.GJORD
        if triaged_at:
            to_triage.append((triaged_at - submitted_at).total_seconds() / SECONDS_PER_DAY)
        if closed_at:
            to_close.append((closed_at - submitted_at).total_seconds() / SECONDS_PER_DAY)

    per_channel = [Count(Channel(value).label, n) for value, n in channels.items()]
    if unknown_channel:
        per_channel.append(Count(NOT_GIVEN, unknown_channel))
    return YearStatistics(
        year=year,
        total=len(rows),
        per_month=[Count(str(MONTHS[m + 1]), n) for m, n in enumerate(months)],
        per_kind=[Count(Kind(value).label, n) for value, n in kinds.items()],
        per_channel=per_channel,
        police_reported=police_reported,
        triaged=len(to_triage),
        closed=len(to_close),
        median_days_to_triage=statistics.median(to_triage) if to_triage else None,
        median_days_to_close=statistics.median(to_close) if to_close else None,
    )


def years_with_reports():
    """The years that have sent reports, newest first; the current year is always there."""
    years = {d.year for d in Incident.objects.submitted().datetimes("submitted_at", "year")}
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


def _new_year(year):
    return timezone.make_aware(datetime(year, 1, 1))


# Charts, drawn on the server: horizontal bars, so that long labels such as "Vid ett fysiskt
# möte" fit, with each count written beside its bar. The same figures are in a table below.

LABEL_WIDTH = 190
BAR_MAX = 300
ROW = 26
BAR_HEIGHT = 18


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    y: int
    width: int

    @property
    def text_y(self):
        return self.y + BAR_HEIGHT - 4

    @property
    def count_x(self):
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    heading: str
    bars: list[Bar]
    note: str = ""

    label_x = LABEL_WIDTH - 8
    bar_x = LABEL_WIDTH
    bar_height = BAR_HEIGHT
    width = LABEL_WIDTH + BAR_MAX + 50

    @property
    def height(self):
        return len(self.bars) * ROW + 4

    @classmethod
    def of(cls, slug, title, heading, counts, note=""):
        most = max((c.count for c in counts), default=0)
        bars = [
            Bar(c.label, c.count, 2 + i * ROW, round(BAR_MAX * c.count / most) if most else 0)
            for i, c in enumerate(counts)
        ]
        return cls(slug, title, heading, bars, note)


def charts(stats):
    year = stats.year
    return [
        Chart.of("manad", f"Rapporter per månad {year}", "Månad", stats.per_month),
        Chart.of(
            "typ",
            f"Rapporter per typ av händelse {year}",
            "Typ av händelse",
            stats.per_kind,
            note="En rapport kan gälla flera typer av händelser. "
            "Därför kan summan bli större än antalet rapporter.",
        ),
        Chart.of("kanal", f"Rapporter per kanal {year}", "Kanal", stats.per_channel),
    ]


# The view, served by the admin at /admin/incidents/incident/statistik/ inside
# admin.site.admin_view (staff, logged in with a second factor).


@verified_officer_required
def statistics_view(request):
    years = years_with_reports()
    year = _chosen_year(request.GET.get("ar"), years)
    stats = year_statistics(year)
    if request.GET.get("format") == "csv":
        return _csv_response(stats)
    context = {
        **admin.site.each_context(request),
        "title": "Statistik över händelserapporter",
        "opts": Incident._meta,
        "stats": stats,
        "charts": charts(stats),
        "years": years,
    }
    return render(request, "admin/incidents/statistics.html", context)


def _chosen_year(value, years):
    try:
        year = int(value)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if year in years else timezone.localdate().year


def _csv_response(stats):
    # Excel in Swedish takes the comma for the decimal sign, so the shares and medians
    # are written with decimal commas (see _decimal).
    return csv_response(f"handelserapporter-statistik-{stats.year}.csv", statistics_rows(stats))


def statistics_rows(stats):
    """The figures as rows of (section, item, value), for the CSV file. No data is an
    empty cell, which a spreadsheet treats as missing rather than as text."""
    yield ["Avsnitt", "Uppgift", "Värde"]
    yield ["År", "", stats.year]
    yield ["Rapporter", "Totalt", stats.total]
    for section, counts in [
        ("Per månad", stats.per_month),
        ("Per typ av händelse", stats.per_kind),
        ("Per kanal", stats.per_channel),
    ]:
        for count in counts:
            yield [section, count.label, count.count]
    yield ["Polisanmälda", "Antal", stats.police_reported]
    yield ["Polisanmälda", "Andel (%)", _decimal(stats.police_share)]
    yield ["Tid till första bedömning", "Median (dagar)", _decimal(stats.median_days_to_triage)]
    yield ["Tid till första bedömning", "Antal bedömda rapporter", stats.triaged]
    yield ["Tid till avslut", "Median (dagar)", _decimal(stats.median_days_to_close)]
    yield ["Tid till avslut", "Antal avslutade rapporter", stats.closed]


def _decimal(value):
    # Rounded as the page rounds it (floatformat), with the Swedish decimal comma.
    return "" if value is None else floatformat(value, "1u").replace(".", ",")
