"""What was reported is encrypted in the database (portal.crypto): the report's free text,
its place and how the reporter wishes to be contacted, supplements, notes, messages, the
history's values, and the names of evidence files; the files themselves through the
encrypting storage (STORAGES["default"]). The columns become text, since what is stored is
longer than what was written. Migration 0015 encrypts what was written before.

The place is no longer searched (its ciphertext would match nothing), so on PostgreSQL its
trigram index and statistics from migration 0008 go.
"""

from django.db import migrations

import portal.crypto


def drop_place_search(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS incident_place_trgm")
        schema_editor.execute("DROP STATISTICS IF EXISTS incident_place_upper")


def restore_place_search(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        has_trigram = cursor.fetchone() is not None
    if has_trigram:
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS incident_place_trgm ON incidents_incident "
            "USING gin ((UPPER(place::text)) gin_trgm_ops) WHERE submitted_at IS NOT NULL"
        )
    schema_editor.execute(
        "CREATE STATISTICS IF NOT EXISTS incident_place_upper "
        "ON (UPPER(place::text)) FROM incidents_incident"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0013_reference_prefix"),
    ]

    operations = [
        migrations.RunPython(drop_place_search, restore_place_search),
        migrations.AlterField(
            model_name="accesslogentry",
            name="evidence_name",
            field=portal.crypto.EncryptedCharField(blank=True, max_length=255, verbose_name="fil"),
        ),
        migrations.AlterField(
            model_name="evidence",
            name="original_name",
            field=portal.crypto.EncryptedCharField(max_length=255, verbose_name="filnamn"),
        ),
        migrations.AlterField(
            model_name="incident",
            name="actions",
            field=portal.crypto.EncryptedTextField(
                blank=True, max_length=10000, verbose_name="vad gjorde du/ni"
            ),
        ),
        migrations.AlterField(
            model_name="incident",
            name="before",
            field=portal.crypto.EncryptedTextField(
                blank=True, max_length=10000, verbose_name="vad hände innan"
            ),
        ),
        migrations.AlterField(
            model_name="incident",
            name="closing_message",
            field=portal.crypto.EncryptedTextField(
                blank=True,
                help_text="Frivilligt. Visas för den som rapporterat under Mina rapporter när ärendet avslutas. Hen får ett mejl om att det finns nytt, utan innehåll.",
                max_length=10000,
                verbose_name="meddelande till den som rapporterat vid avslut",
            ),
        ),
        migrations.AlterField(
            model_name="incident",
            name="closing_summary",
            field=portal.crypto.EncryptedTextField(
                blank=True,
                help_text="Intern. Visas aldrig för den som rapporterat.",
                verbose_name="sammanfattning vid avslut",
            ),
        ),
        migrations.AlterField(
            model_name="incident",
            name="contact_how",
            field=portal.crypto.EncryptedCharField(
                blank=True, max_length=300, verbose_name="hur vi kontaktar dig"
            ),
        ),
        migrations.AlterField(
            model_name="incident",
            name="during",
            field=portal.crypto.EncryptedTextField(
                blank=True, max_length=10000, verbose_name="vad hände under"
            ),
        ),
        migrations.AlterField(
            model_name="incident",
            name="perpetrator_description",
            field=portal.crypto.EncryptedTextField(
                blank=True, max_length=10000, verbose_name="beskrivning av personen"
            ),
        ),
        migrations.AlterField(
            model_name="incident",
            name="place",
            field=portal.crypto.EncryptedCharField(
                blank=True, max_length=300, verbose_name="plats"
            ),
        ),
        migrations.AlterField(
            model_name="incident",
            name="witnesses",
            field=portal.crypto.EncryptedTextField(
                blank=True, max_length=10000, verbose_name="vittnen"
            ),
        ),
        migrations.AlterField(
            model_name="internalnote",
            name="text",
            field=portal.crypto.EncryptedTextField(verbose_name="anteckning"),
        ),
        migrations.AlterField(
            model_name="reportermessage",
            name="text",
            field=portal.crypto.EncryptedTextField(verbose_name="meddelande"),
        ),
        migrations.AlterField(
            model_name="supplement",
            name="text",
            field=portal.crypto.EncryptedTextField(
                blank=True, max_length=10000, verbose_name="text"
            ),
        ),
        migrations.AlterField(
            model_name="triagechange",
            name="new_value",
            field=portal.crypto.EncryptedTextField(blank=True, verbose_name="till"),
        ),
        migrations.AlterField(
            model_name="triagechange",
            name="old_value",
            field=portal.crypto.EncryptedTextField(blank=True, verbose_name="från"),
        ),
    ]
