"""The questions of a training module are named for what they are, QuizQuestion, beside the
risk inventory's RiskQuestion. The permissions the group Säkerhetshandläggare holds on them
follow the new name (add_question becomes add_quizquestion, and so on), so the group keeps
them."""

from django.db import migrations

APP = "training"
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
        ("training", "0005_police_advice_whole_sentence"),
    ]

    operations = [
        migrations.RenameModel("Question", "QuizQuestion"),
        migrations.RunPython(
            rename_permissions("question", "quizquestion"),
            rename_permissions("quizquestion", "question"),
        ),
    ]
