"""The open reports, which the admin's start page counts (new ones, follow-ups that have
passed, the officer's own) on every visit: on PostgreSQL an index of just them that holds
their status, handler and next follow-up, so that they are counted from the index alone
instead of fetching some tens of thousands of rows from the table. The index stays small
however many reports a decade piles up, as a closed report leaves it.

SQLite migrates through this as through nothing (it has no indexes with included columns).
"""

from django.db import migrations, models


def open_reports_index():
    open_statuses = ["ny", "under_bedomning", "atgarder_pagar"]
    return models.Index(
        fields=["status"],
        include=["handler", "next_follow_up"],
        condition=models.Q(submitted_at__isnull=False, status__in=open_statuses),
        name="incident_open",
    )


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.add_index(apps.get_model("incidents", "Incident"), open_reports_index())


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {open_reports_index().name}")


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0009_evidence_in_the_default_storage"),
    ]

    operations = [migrations.RunPython(create, drop)]
