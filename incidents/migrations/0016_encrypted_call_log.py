"""What an official writes in the log of a threatening call is encrypted in the database as
the report's own text is (portal.crypto): what was said, what the caller wanted, their voice,
the background, who listened in, and the number shown. The columns become text, and what
was written before is encrypted under the newest key of the key file (portal.reencryption,
as migration 0015 and `manage.py reencrypt` do it). Back: decrypted first, then narrowed.
"""

from django.db import migrations

import portal.crypto
from portal.reencryption import rewrite


def encrypt(apps, schema_editor):
    counted = rewrite([apps.get_model("incidents", "CallLog")])
    for problem in (p for counts in counted.values() for p in counts.unreadable):
        print(f"\n  Kunde inte krypteras: {problem}", end="")


def decrypt(apps, schema_editor):
    rewrite([apps.get_model("incidents", "CallLog")], to_clear=True)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0015_encrypt_what_was_written_before"),
    ]

    operations = [
        migrations.AlterField(
            model_name="calllog",
            name="background",
            field=portal.crypto.EncryptedTextField(
                blank=True, max_length=3000, verbose_name="ljud i bakgrunden"
            ),
        ),
        migrations.AlterField(
            model_name="calllog",
            name="listener",
            field=portal.crypto.EncryptedTextField(
                blank=True, max_length=3000, verbose_name="lyssnade någon annan med"
            ),
        ),
        migrations.AlterField(
            model_name="calllog",
            name="number_shown",
            field=portal.crypto.EncryptedCharField(
                blank=True, max_length=50, verbose_name="numret som visades"
            ),
        ),
        migrations.AlterField(
            model_name="calllog",
            name="said",
            field=portal.crypto.EncryptedTextField(
                blank=True, max_length=6000, verbose_name="det som sades"
            ),
        ),
        migrations.AlterField(
            model_name="calllog",
            name="voice",
            field=portal.crypto.EncryptedTextField(
                blank=True, max_length=3000, verbose_name="röst och sätt att tala"
            ),
        ),
        migrations.AlterField(
            model_name="calllog",
            name="wants",
            field=portal.crypto.EncryptedTextField(
                blank=True, max_length=3000, verbose_name="vad personen ville"
            ),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
