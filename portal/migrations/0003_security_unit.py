"""The security officers' unit, named in the mails' signature and on the privacy page, which
the officers rename in the admin: the group may see and change it."""

from django.db import migrations, models

from portal import group_permissions

CODENAMES = ["view_securityunit", "change_securityunit"]


def grant(apps, schema_editor):
    group_permissions.grant(apps, "portal", CODENAMES)


def revoke(apps, schema_editor):
    group_permissions.revoke(apps, "portal", CODENAMES)


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_security_officers_group")]

    operations = [
        migrations.CreateModel(
            name="SecurityUnit",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(
                        default=1, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        default="säkerhets- och beredskapsstaben",
                        help_text="Som den skrivs mitt i en mening, i bestämd form: till exempel ”säkerhetsenheten” eller ”trygghetsavdelningen”. Står i e-postens underskrift och på sidan om personuppgifter.",
                        max_length=150,
                        verbose_name="enhetens namn",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="senast ändrad")),
            ],
            options={
                "verbose_name": "säkerhetsenhet",
                "verbose_name_plural": "säkerhetsenhet",
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("pk", 1)), name="one_security_unit")
                ],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
