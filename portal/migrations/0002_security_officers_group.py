"""The group Säkerhetshandläggare, with the permissions on the accounts the officers' work
needs: they invite the officials and keep their accounts. Each app gives the group the
permissions on its own models in a migration of its own (portal.group_permissions).

Until this was here, incidents 0003 made the group with every app's permissions; on a
database that has it already, this finds the group and adds nothing new."""

from django.db import migrations

from portal import group_permissions

CODENAMES = ["view_user", "add_user", "change_user"]


def grant(apps, schema_editor):
    group_permissions.grant(apps, "portal", CODENAMES)


def revoke(apps, schema_editor):
    group_permissions.revoke(apps, "portal", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
