"""The security officers compose the training and see who has taken it: the group gets the
permissions for it. (Completions are made by the officials themselves, never edited.)"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Säkerhetshandläggare"
CODENAMES = [
    "view_trainingmodule", "add_trainingmodule", "change_trainingmodule", "delete_trainingmodule",
    "view_question", "add_question", "change_question", "delete_question",
    "view_choice", "add_choice", "change_choice", "delete_choice",
    "view_completion",
]  # fmt: skip


def grant(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now to use them.
    app_config = apps.get_app_config("training")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label="training", codename__in=CODENAMES
    )
    assert permissions.count() == len(CODENAMES), CODENAMES
    group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="training", codename__in=CODENAMES
    )
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0002_modules"),
        ("incidents", "0003_security_officers_group"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
