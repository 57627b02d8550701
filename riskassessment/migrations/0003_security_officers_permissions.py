"""The security officers read the inventories shared with them and keep the questions: the
group gets the permissions for it."""

from django.db import migrations

from portal import group_permissions

CODENAMES = ["view_assessment", "view_answer", "view_question", "add_question", "change_question"]


def grant(apps, schema_editor):
    group_permissions.grant(apps, "riskassessment", CODENAMES)


def revoke(apps, schema_editor):
    group_permissions.revoke(apps, "riskassessment", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("riskassessment", "0002_questions"),
        ("portal", "0002_security_officers_group"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
