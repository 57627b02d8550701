"""The security officers keep the action plan's text and its contacts up to date: the group
gets the permissions for it."""

from django.db import migrations

from portal import group_permissions

CODENAMES = [
    "view_section", "add_section", "change_section", "delete_section",
    "view_contact", "add_contact", "change_contact",
]  # fmt: skip


def grant(apps, schema_editor):
    group_permissions.grant(apps, "guidance", CODENAMES)


def revoke(apps, schema_editor):
    group_permissions.revoke(apps, "guidance", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0003_one_place_to_report"),
        ("portal", "0002_security_officers_group"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
