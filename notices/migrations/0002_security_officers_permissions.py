"""The security officers publish the notices: the group gets the permissions for it."""

from django.db import migrations

from portal import group_permissions

CODENAMES = ["view_notice", "add_notice", "change_notice", "delete_notice"]


def grant(apps, schema_editor):
    group_permissions.grant(apps, "notices", CODENAMES)


def revoke(apps, schema_editor):
    group_permissions.revoke(apps, "notices", CODENAMES)


class Migration(migrations.Migration):
    # The group is made by whichever grant runs first (group_permissions.grant); this
    # needs no other app's migration.
    dependencies = [("notices", "0001_initial")]
    operations = [migrations.RunPython(grant, revoke)]
