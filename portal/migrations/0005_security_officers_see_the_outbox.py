"""The security officers see the outbox (Utgående e-post): who each mail is for and how it
went, and they can have it tried again."""

from django.db import migrations

from portal import group_permissions

CODENAMES = ["view_outgoingmail"]


def grant(apps, schema_editor):
    group_permissions.grant(apps, "portal", CODENAMES)


def revoke(apps, schema_editor):
    group_permissions.revoke(apps, "portal", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_outbox")]
    operations = [migrations.RunPython(grant, revoke)]
