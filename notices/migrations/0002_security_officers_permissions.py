"""The security officers publish the notices: the group gets the permissions for it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Säkerhetshandläggare"
CODENAMES = ["view_notice", "add_notice", "change_notice", "delete_notice"]


def grant(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now to use them.
    app_config = apps.get_app_config("notices")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label="notices", codename__in=CODENAMES
    )
    assert permissions.count() == len(CODENAMES), CODENAMES
    group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="notices", codename__in=CODENAMES
    )
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0001_initial"),
        ("incidents", "0003_security_officers_group"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
