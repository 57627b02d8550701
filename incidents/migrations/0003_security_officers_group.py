"""Made the group Säkerhetshandläggare with the permissions of every app. The group is now
made in portal 0002 and each app grants its own permissions (incidents 0006), so this does
nothing; it stays because existing databases have it applied and later migrations name it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_triage")]
    operations = []
