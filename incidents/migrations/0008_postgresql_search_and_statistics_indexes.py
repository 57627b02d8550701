"""Indexes that only PostgreSQL has, for a national deployment's million reports:

- trigram indexes for the admin's search on the reference and the place (a search for a part
  of a word, which a B-tree cannot answer), on UPPER(...) as Django's icontains asks, and
  statistics on the same expressions, so that the planner knows how many reports a search
  finds (a place found in many reports is best read in the list's order, a rare one through
  its index);
- for the statistics, each year's reports (by the year in Swedish time, as
  incidents.statistics asks for it) in order of their answers and of their lists of kinds and
  consequences, so that the database counts them as it reads them from the index, and their
  times to first triage and to closing in order, so that the medians are read from the middle
  of the index rather than by sorting the year's reports.

SQLite migrates through this as through nothing: at a region's size it needs none of them.
"""

import logging

from django.db import DatabaseError, migrations, models, transaction
from django.db.models.functions import ExtractYear

logger = logging.getLogger(__name__)

TABLE = "incidents_incident"
TRIGRAM = [
    (
        "incident_reference_trgm",
        f"CREATE INDEX IF NOT EXISTS incident_reference_trgm ON {TABLE} "
        "USING gin ((UPPER(reference::text)) gin_trgm_ops) WHERE submitted_at IS NOT NULL",
    ),
    (
        "incident_place_trgm",
        f"CREATE INDEX IF NOT EXISTS incident_place_trgm ON {TABLE} "
        "USING gin ((UPPER(place::text)) gin_trgm_ops) WHERE submitted_at IS NOT NULL",
    ),
]
EXPRESSION_STATISTICS = [
    (
        "incident_reference_upper",
        f"CREATE STATISTICS IF NOT EXISTS incident_reference_upper "
        f"ON (UPPER(reference::text)) FROM {TABLE}",
    ),
    (
        "incident_place_upper",
        f"CREATE STATISTICS IF NOT EXISTS incident_place_upper ON (UPPER(place::text)) FROM {TABLE}",
    ),
]


def statistics_indexes():
    # Built by Django, so that the year (in the portal's time zone) and the durations are the
    # same SQL as incidents.statistics asks with.
    sent = models.Q(submitted_at__isnull=False)
    year = ExtractYear("submitted_at")
    answers = ["channel", "severity", "status", "perpetrator_known", "police_report"]
    return [
        models.Index(
            year, *(models.F(field) for field in answers),
            include=["submitted_at", "first_triaged_at", "closed_at"],
            condition=sent, name="incident_year_answers",
        ),
        models.Index(
            year, models.F("kinds"), models.F("consequences"),
            include=["submitted_at"], condition=sent, name="incident_year_lists",
        ),
        *(
            models.Index(
                year, models.F(field) - models.F("submitted_at"),
                include=["submitted_at", field],
                condition=sent & models.Q(**{f"{field}__isnull": False}),
                name=f"incident_{field}_median",
            )
            for field in ["first_triaged_at", "closed_at"]
        ),
    ]  # fmt: skip


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    incident = apps.get_model("incidents", "Incident")
    for index in statistics_indexes():
        schema_editor.add_index(incident, index)
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        # Without the extension the search still works, by reading the whole table.
        logger.warning("pg_trgm kunde inte installeras: sökningen i rapporterna blir långsam.")
    else:
        for _, sql in TRIGRAM:
            schema_editor.execute(sql)
    for _, sql in EXPRESSION_STATISTICS:
        schema_editor.execute(sql)
    schema_editor.execute(f"ANALYZE {TABLE}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in TRIGRAM:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for index in statistics_indexes():
        schema_editor.execute(f"DROP INDEX IF EXISTS {index.name}")
    for name, _ in EXPRESSION_STATISTICS:
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0007_scale_indexes_and_export_log"),
    ]

    operations = [migrations.RunPython(create, drop)]
