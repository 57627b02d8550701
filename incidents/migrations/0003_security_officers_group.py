"""The group Säkerhetshandläggare, with exactly the permissions the work needs."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Säkerhetshandläggare"
PERMISSIONS = {
    "incidents": [
        "view_incident", "change_incident", "view_evidence", "view_supplement",
        "view_triagechange", "view_internalnote", "add_internalnote",
        "view_reportermessage", "add_reportermessage", "view_accesslogentry",
    ],
    "riskassessment": [
        "view_assessment", "view_answer", "view_question", "add_question", "change_question",
    ],
    "guidance": [
        "view_section", "add_section", "change_section", "delete_section",
        "view_contact", "add_contact", "change_contact",
    ],
    "portal": ["view_user", "add_user", "change_user"],
}  # fmt: skip


def create_group(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now to use them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app, codenames in PERMISSIONS.items():
        permissions = Permission.objects.filter(content_type__app_label=app, codename__in=codenames)
        assert permissions.count() == len(codenames), (app, codenames)
        group.permissions.add(*permissions)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0002_triage"),
        ("riskassessment", "0002_questions"),
        ("guidance", "0002_initial_content"),
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_group, remove_group)]
