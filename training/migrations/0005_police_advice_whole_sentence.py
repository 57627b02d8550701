"""The plan's whole sentence on access protection: one can ask for it, it means secrecy during
the investigation, and it ends if the report leads to prosecution. Only the initial wording is
replaced; an explanation the security officer has rewritten stays as it is."""

from django.db import migrations

OLD = (
    "Du kan också begära att anmälan blir *åtkomstskyddad*, alltså sekretessbelagd under "
    "utredningen."
)
NEW = (
    "Du kan också begära att anmälan blir *åtkomstskyddad*, alltså sekretessbelagd under "
    "utredningen. Skyddet upphör om anmälan leder till åtal."
)


def replace(apps, old, new):
    Question = apps.get_model("training", "Question")
    for question in Question.objects.filter(explanation__contains=old):
        if new not in question.explanation:
            question.explanation = question.explanation.replace(old, new)
            question.save(update_fields=["explanation"])


def forward(apps, schema_editor):
    replace(apps, OLD, NEW)


def backward(apps, schema_editor):
    replace(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("training", "0004_completion_recorded_in_person")]
    operations = [migrations.RunPython(forward, backward)]
