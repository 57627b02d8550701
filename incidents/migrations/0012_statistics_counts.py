"""The statistics' counts per year (incidents.counts), filled from the reports already sent.

From here on the verbs that change the reports keep them; the statistics page reads them
rather than counting the reports. On PostgreSQL the two indexes that served that counting
(incident_year_answers, incident_year_lists of migration 0008) go: nothing else reads them,
and each cost a write on every report sent or triaged. The medians' indexes stay.
"""

import json

from django.db import migrations, models
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

ANSWERS = ["channel", "severity", "status", "perpetrator_known", "police_report"]
UNUSED_INDEXES = ["incident_year_answers", "incident_year_lists"]


def list_key(values):
    return json.dumps(sorted({str(value) for value in values or []}))


def fill(apps, schema_editor):
    """Counted as incidents.counts.counted_from counts them, set-based: the database groups
    the sent reports, and the groups are written in a few inserts."""
    Incident = apps.get_model("incidents", "Incident")  # noqa: N806
    here = timezone.get_default_timezone()
    sent = (
        Incident.objects.filter(submitted_at__isnull=False)
        .order_by()
        .annotate(
            sent_year=ExtractYear("submitted_at", tzinfo=here),
            sent_month=ExtractMonth("submitted_at", tzinfo=here),
        )
    )
    answers = sent.values("sent_year", *ANSWERS).annotate(
        n=models.Count("*"),
        triaged=models.Count("first_triaged_at"),
        closed=models.Count("closed_at"),
    )
    AnswerCount = apps.get_model("incidents", "AnswerCount")  # noqa: N806
    AnswerCount.objects.bulk_create(
        [
            AnswerCount(
                year=row["sent_year"],
                **{field: row[field] for field in [*ANSWERS, "n", "triaged", "closed"]},
            )
            for row in answers
        ],
        batch_size=1000,
    )
    lists = {}
    for row in sent.values("sent_year", "kinds", "consequences").annotate(n=models.Count("*")):
        key = (row["sent_year"], list_key(row["kinds"]), list_key(row["consequences"]))
        lists[key] = lists.get(key, 0) + row["n"]
    ListCount = apps.get_model("incidents", "ListCount")  # noqa: N806
    ListCount.objects.bulk_create(
        [
            ListCount(year=year, kinds=kinds, consequences=consequences, n=n)
            for (year, kinds, consequences), n in lists.items()
        ],
        batch_size=1000,
    )
    MonthCount = apps.get_model("incidents", "MonthCount")  # noqa: N806
    MonthCount.objects.bulk_create(
        [
            MonthCount(year=row["sent_year"], month=row["sent_month"], n=row["n"])
            for row in sent.values("sent_year", "sent_month").annotate(n=models.Count("*"))
        ],
        batch_size=1000,
    )


def drop_unused_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in UNUSED_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def restore_unused_indexes(apps, schema_editor):
    """As migration 0008 made them (its statistics_indexes), for going back to it."""
    if schema_editor.connection.vendor != "postgresql":
        return
    sent = models.Q(submitted_at__isnull=False)
    year = ExtractYear("submitted_at")
    incident = apps.get_model("incidents", "Incident")
    for index in [
        models.Index(
            year, *(models.F(field) for field in ANSWERS),
            include=["submitted_at", "first_triaged_at", "closed_at"],
            condition=sent, name="incident_year_answers",
        ),
        models.Index(
            year, models.F("kinds"), models.F("consequences"),
            include=["submitted_at"], condition=sent, name="incident_year_lists",
        ),
    ]:  # fmt: skip
        schema_editor.add_index(incident, index)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0011_call_log"),
    ]

    operations = [
        migrations.CreateModel(
            name="AnswerCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField(verbose_name="år")),
                ("channel", models.CharField(blank=True, max_length=20, verbose_name="kanal")),
                (
                    "severity",
                    models.CharField(blank=True, max_length=10, verbose_name="allvarlighet"),
                ),
                ("status", models.CharField(max_length=20, verbose_name="status")),
                (
                    "perpetrator_known",
                    models.CharField(blank=True, max_length=10, verbose_name="vet vem det var"),
                ),
                (
                    "police_report",
                    models.CharField(blank=True, max_length=10, verbose_name="polisanmälan"),
                ),
                ("n", models.PositiveIntegerField(default=0, verbose_name="rapporter")),
                ("triaged", models.PositiveIntegerField(default=0, verbose_name="bedömda")),
                ("closed", models.PositiveIntegerField(default=0, verbose_name="avslutade")),
            ],
            options={
                "verbose_name": "antal per svar",
                "verbose_name_plural": "antal per svar",
                "constraints": [
                    models.UniqueConstraint(
                        fields=(
                            "year",
                            "channel",
                            "severity",
                            "status",
                            "perpetrator_known",
                            "police_report",
                        ),
                        name="answercount_key",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("closed__lte", models.F("n")), ("triaged__lte", models.F("n"))
                        ),
                        name="answercount_within_n",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ListCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField(verbose_name="år")),
                ("kinds", models.TextField(verbose_name="vad det var")),
                ("consequences", models.TextField(verbose_name="följder")),
                ("n", models.PositiveIntegerField(default=0, verbose_name="rapporter")),
            ],
            options={
                "verbose_name": "antal per typ och följd",
                "verbose_name_plural": "antal per typ och följd",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("year", "kinds", "consequences"), name="listcount_key"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="MonthCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField(verbose_name="år")),
                ("month", models.PositiveSmallIntegerField(verbose_name="månad")),
                ("n", models.PositiveIntegerField(default=0, verbose_name="rapporter")),
            ],
            options={
                "verbose_name": "antal per månad",
                "verbose_name_plural": "antal per månad",
                "constraints": [
                    models.UniqueConstraint(fields=("year", "month"), name="monthcount_key"),
                    models.CheckConstraint(
                        condition=models.Q(("month__gte", 1), ("month__lte", 12)),
                        name="monthcount_month",
                    ),
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(drop_unused_indexes, restore_unused_indexes),
    ]
