"""The questions of the risk inventory are named for what they are, RiskQuestion, beside the
training's QuizQuestion. The permissions the group Säkerhetshandläggare holds on them follow
the new name (add_question becomes add_riskquestion, and so on), so the group keeps them."""

from django.db import migrations

APP = "riskassessment"
ACTIONS = ["add", "change", "delete", "view"]


def rename_permissions(old, new):
    def rename(apps, schema_editor):
        Permission = apps.get_model("auth", "Permission")  # noqa: N806
        for action in ACTIONS:
            Permission.objects.filter(
                content_type__app_label=APP, codename=f"{action}_{old}"
            ).update(codename=f"{action}_{new}")

    return rename


class Migration(migrations.Migration):
    dependencies = [
        # The group got its permissions under the old name there.
        ("riskassessment", "0003_security_officers_permissions"),
    ]

    operations = [
        migrations.RenameModel("Question", "RiskQuestion"),
        migrations.RunPython(
            rename_permissions("question", "riskquestion"),
            rename_permissions("riskquestion", "question"),
        ),
    ]
