"""The statistics' counts: for each year, how many sent reports there are with each combination
of the answers the statistics count, kept in the database beside the reports.

The statistics page (incidents.statistics) reads these few hundred rows instead of counting a
year's hundred thousand reports on each request. They are not a cache: each verb that changes
what a sent report counts as (sending, a change of triage, a police report, deletion by
gallring) does it inside IncidentQuerySet.recounted(), which takes the reports as they were
away from their counts and adds them as they are now, in the same transaction as the change.
So the counts are never stale, and nothing expires or refreshes them.

Three tables, one for each way the statistics count:

- AnswerCount: per year and plain answers (channel, severity, status, whether the perpetrator
  was known, police report), how many reports, and how many of them have been triaged and
  closed;
- ListCount: per year and the reports' lists of kinds and consequences, how many reports;
- MonthCount: per year and month, how many reports.

The year and the month are those in Sweden (the portal's TIME_ZONE) when the report was sent.
Two transactions that change the same count at once each add their change to it
(UPDATE … SET n = n + 1), the first to need a row makes it and the other finds it; rows are
changed in one order (table, then key) so that two transactions never wait for each other in
a circle. After a restore of the reports alone, or an import that wrote reports past the
verbs, manage.py recount_statistics counts them again from the reports.
"""

import json
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Q
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

logger = logging.getLogger(__name__)

# The plain answers counted per year, in the order of AnswerCount's key.
ANSWERS = ("channel", "severity", "status", "perpetrator_known", "police_report")
# What a report's counts are made of: the fields recounted() reads before and after a change.
COUNTED_FIELDS = (
    "submitted_at", *ANSWERS, "first_triaged_at", "closed_at", "kinds", "consequences",
)  # fmt: skip


class AnswerCount(models.Model):
    """The sent reports of a year with these plain answers, and how many of them have been
    triaged and closed. The values are stored as the reports have them, an empty answer or
    one the choices no longer have included: the statistics decide what they show them as."""

    KEY: ClassVar = ("year", *ANSWERS)

    year = models.PositiveSmallIntegerField("år")
    channel = models.CharField("kanal", max_length=20, blank=True)
    severity = models.CharField("allvarlighet", max_length=10, blank=True)
    status = models.CharField("status", max_length=20)
    perpetrator_known = models.CharField("vet vem det var", max_length=10, blank=True)
    police_report = models.CharField("polisanmälan", max_length=10, blank=True)
    n = models.PositiveIntegerField("rapporter", default=0)
    triaged = models.PositiveIntegerField("bedömda", default=0)
    closed = models.PositiveIntegerField("avslutade", default=0)

    class Meta:
        verbose_name = "antal per svar"
        verbose_name_plural = "antal per svar"
        constraints = [
            models.UniqueConstraint(fields=["year", *ANSWERS], name="answercount_key"),
            # (PositiveIntegerField keeps each count from going below zero.)
            models.CheckConstraint(
                condition=Q(triaged__lte=F("n"), closed__lte=F("n")),
                name="answercount_within_n",
            ),
        ]

    def __str__(self):
        return f"{self.year} {'/'.join(getattr(self, f) or '–' for f in ANSWERS)}: {self.n}"


class ListCount(models.Model):
    """The sent reports of a year with these kinds and consequences, each list written as
    the JSON list of its values sorted (list_key): a report of "hot" and "hat" counts under
    ["hat", "hot"] in whatever order they were ticked."""

    KEY: ClassVar = ("year", "kinds", "consequences")

    year = models.PositiveSmallIntegerField("år")
    kinds = models.TextField("vad det var")
    consequences = models.TextField("följder")
    n = models.PositiveIntegerField("rapporter", default=0)

    class Meta:
        verbose_name = "antal per typ och följd"
        verbose_name_plural = "antal per typ och följd"
        constraints = [
            models.UniqueConstraint(fields=["year", "kinds", "consequences"], name="listcount_key")
        ]

    def __str__(self):
        return f"{self.year} {self.kinds} {self.consequences}: {self.n}"


class MonthCount(models.Model):
    """The reports sent in a month (in Sweden)."""

    KEY: ClassVar = ("year", "month")

    year = models.PositiveSmallIntegerField("år")
    month = models.PositiveSmallIntegerField("månad")
    n = models.PositiveIntegerField("rapporter", default=0)

    class Meta:
        verbose_name = "antal per månad"
        verbose_name_plural = "antal per månad"
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="monthcount_key"),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="monthcount_month"
            ),
        ]

    def __str__(self):
        return f"{self.year}-{self.month:02d}: {self.n}"


type Table = type[AnswerCount] | type[ListCount] | type[MonthCount]
# The order changes are applied in: a table, then its rows in the order of their keys.
TABLES: tuple[Table, ...] = (AnswerCount, ListCount, MonthCount)
type Key = tuple[Any, ...]
type Counts = dict[Table, dict[Key, dict[str, int]]]


def list_key(values: Iterable[Any] | None) -> str:
    """A report's list of kinds or consequences as ListCount stores it."""
    return json.dumps(sorted({str(value) for value in values or []}))


def counted(report: Mapping[str, Any]) -> list[tuple[Table, Key, dict[str, int]]]:
    """What one report adds to which count: nothing for a draft, which is nobody's
    statistics until it is sent. report: its COUNTED_FIELDS, as values() gives them."""
    if report["submitted_at"] is None:
        return []
    sent = timezone.localtime(report["submitted_at"], timezone.get_default_timezone())
    answers = tuple(report[field] for field in ANSWERS)
    return [
        (
            AnswerCount,
            (sent.year, *answers),
            {
                "n": 1,
                "triaged": int(report["first_triaged_at"] is not None),
                "closed": int(report["closed_at"] is not None),
            },
        ),
        (
            ListCount,
            (sent.year, list_key(report["kinds"]), list_key(report["consequences"])),
            {"n": 1},
        ),
        (MonthCount, (sent.year, sent.month), {"n": 1}),
    ]


def record(before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]]) -> None:
    """Change the counts as some reports have changed: each report as it was (before) is
    taken away from its counts, and each as it is now (after) added to them. Call it in the
    transaction that changed the reports, with their rows locked since before was read (as
    IncidentQuerySet.recounted does)."""
    changes: defaultdict[tuple[int, Key], Counter[str]] = defaultdict(Counter)
    for sign, reports in ((-1, before), (1, after)):
        for report in reports:
            for table, key, added in counted(report):
                changes[(TABLES.index(table), key)].update(
                    {field: sign * n for field, n in added.items()}
                )
    for (table_index, key), change in sorted(changes.items()):
        if delta := {field: n for field, n in change.items() if n}:
            _add(TABLES[table_index], key, delta)


def _add(table: Table, key: Key, delta: dict[str, int]) -> None:
    """Add delta to one row of counts, making the row if it is the first of its kind."""
    where = dict(zip(table.KEY, key, strict=True))

    def update() -> int:
        # Only where the result is a true count (see _valid): if the counts were already
        # wrong, the report's change still goes through, and the log says what to do.
        enough = Q(**{f"{field}__gte": -n for field, n in delta.items() if n < 0})
        if table is AnswerCount:
            for part in ("triaged", "closed"):
                if (more := delta.get(part, 0) - delta.get("n", 0)) > 0:
                    enough &= Q(n__gte=F(part) + more)
        changed = {field: F(field) + n for field, n in delta.items()}
        return table.objects.filter(enough, **where).update(**changed)

    if update():
        return
    if _valid(delta):
        try:
            with transaction.atomic():
                table.objects.create(**where, **delta)
            return
        except IntegrityError:
            # Another transaction made the row at the same instant, and has committed.
            if update():
                return
    logger.error(
        "Statistiken stämmer inte med rapporterna (%s %s, ändring %s): "
        "kör manage.py recount_statistics",
        table._meta.verbose_name,
        key,
        delta,
    )


def _valid(values: Mapping[str, int]) -> bool:
    n = values.get("n", 0)
    return all(v >= 0 for v in values.values()) and all(
        values.get(part, 0) <= n for part in ("triaged", "closed")
    )


# Counting again from the reports, for an operator (manage.py recount_statistics) and for
# reports written past the verbs (an import; bench/admin.py's filling). It reads every report.


def counted_from(reports: models.QuerySet[Any]) -> Counts:
    """What the counts are for these reports (the sent ones among them), counted by the
    database in three passes over them."""
    here = timezone.get_default_timezone()
    sent = (
        reports.filter(submitted_at__isnull=False)
        .order_by()
        .annotate(
            sent_year=ExtractYear("submitted_at", tzinfo=here),
            sent_month=ExtractMonth("submitted_at", tzinfo=here),
        )
    )
    counts: Counts = {table: {} for table in TABLES}
    for row in sent.values("sent_year", *ANSWERS).annotate(
        n=models.Count("*"),
        triaged=models.Count("first_triaged_at"),
        closed=models.Count("closed_at"),
    ):
        key = (row["sent_year"], *(row[field] for field in ANSWERS))
        counts[AnswerCount][key] = {f: row[f] for f in ("n", "triaged", "closed")}
    for row in sent.values("sent_year", "kinds", "consequences").annotate(n=models.Count("*")):
        # Lists in another order are the same key.
        key = (row["sent_year"], list_key(row["kinds"]), list_key(row["consequences"]))
        counts[ListCount].setdefault(key, {"n": 0})["n"] += row["n"]
    for row in sent.values("sent_year", "sent_month").annotate(n=models.Count("*")):
        counts[MonthCount][(row["sent_year"], row["sent_month"])] = {"n": row["n"]}
    return counts


def stored() -> Counts:
    """The counts as they are kept, without the rows that have come down to nothing."""
    counts: Counts = {table: {} for table in TABLES}
    for table in TABLES:
        fields = [f.name for f in table._meta.concrete_fields if f.name not in ("id", *table.KEY)]
        for row in table.objects.values(*table.KEY, *fields):
            if any(row[field] for field in fields):
                key = tuple(row[field] for field in table.KEY)
                counts[table][key] = {field: row[field] for field in fields}
    return counts


@dataclass(frozen=True)
class Difference:
    table: Table
    key: Key
    counted: dict[str, int] | None  # from the reports
    stored: dict[str, int] | None  # in the table


def recount(reports: models.QuerySet[Any], *, rebuild: bool) -> list[Difference]:
    """The differences between the counts kept and the counts of these reports (all the
    sent reports, in the portal's use); rebuild=True replaces the counts kept with them.

    On PostgreSQL the count tables are locked against changes (the statistics page still
    reads them) while the reports are counted: a report sent meanwhile waits, and adds
    itself to the counts once they are rebuilt."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            names = ", ".join(connection.ops.quote_name(t._meta.db_table) for t in TABLES)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {names} IN EXCLUSIVE MODE")
        kept = stored()
        expected = counted_from(reports)
        differences = [
            Difference(table, key, expected[table].get(key), kept[table].get(key))
            for table in TABLES
            for key in sorted(expected[table].keys() | kept[table].keys())
            if expected[table].get(key) != kept[table].get(key)
        ]
        if rebuild and differences:
            for table in TABLES:
                rows: list[Any] = [
                    table(**dict(zip(table.KEY, key, strict=True)), **values)
                    for key, values in expected[table].items()
                ]
                table.objects.all().delete()
                table.objects.bulk_create(rows, batch_size=1000)
    return differences
