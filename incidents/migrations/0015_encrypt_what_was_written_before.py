"""Encrypts what was reported before encryption: every encrypted field of the reports and
what hangs on them, and every evidence file, under the newest key of the key file
(portal.reencryption, as `manage.py reencrypt` does it). Back: decrypted again, so that the
columns can be narrowed by 0014's way back.

Each row and each file is done on its own and checked, so a migration stopped half-way leaves
nothing half done: a value or a file not yet encrypted is read as it is until it is.
"""

from django.db import migrations

from portal.reencryption import rewrite


def encrypt(apps, schema_editor):
    counted = rewrite(apps.get_app_config("incidents").get_models())
    # A file already missing is no reason to stop the upgrade: it is named, as the restore
    # drill would name it.
    for problem in (p for counts in counted.values() for p in counts.unreadable):
        print(f"\n  Kunde inte krypteras: {problem}", end="")


def decrypt(apps, schema_editor):
    rewrite(apps.get_app_config("incidents").get_models(), to_clear=True)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0014_encrypted_fields"),
    ]

    operations = [migrations.RunPython(encrypt, decrypt)]
