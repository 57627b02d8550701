"""The security officers compose the training and see who has taken it: the group gets the
permissions for it. (Completions are made by the officials themselves, never edited.)"""

from django.db import migrations

from portal import group_permissions

CODENAMES = [
    "view_trainingmodule", "add_trainingmodule", "change_trainingmodule", "delete_trainingmodule",
    "view_question", "add_question", "change_question", "delete_question",
    "view_choice", "add_choice", "change_choice", "delete_choice",
    "view_completion",
]  # fmt: skip


def grant(apps, schema_editor):
    group_permissions.grant(apps, "training", CODENAMES)


def revoke(apps, schema_editor):
    group_permissions.revoke(apps, "training", CODENAMES)


class Migration(migrations.Migration):
    # The group is made by whichever grant runs first (group_permissions.grant); this
    # needs no other app's migration.
    dependencies = [("training", "0002_modules")]
    operations = [migrations.RunPython(grant, revoke)]
