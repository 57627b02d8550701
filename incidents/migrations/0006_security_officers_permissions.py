"""The security officers triage the reports: they read them with all that hangs on them,
change the triage, write notes and messages, and read the access log. The group gets exactly
that; a report is never added or deleted by hand, a file or a log row never changed."""

from django.db import migrations

from portal import group_permissions

CODENAMES = [
    "view_incident", "change_incident", "view_evidence", "view_supplement",
    "view_triagechange", "view_internalnote", "add_internalnote",
    "view_reportermessage", "add_reportermessage", "view_accesslogentry",
]  # fmt: skip


def grant(apps, schema_editor):
    group_permissions.grant(apps, "incidents", CODENAMES)


def revoke(apps, schema_editor):
    group_permissions.revoke(apps, "incidents", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0005_case_flow"),
        ("portal", "0002_security_officers_group"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
