"""For data migrations: give the group Säkerhetshandläggare the permissions on an app's
models that the officers' work needs, or take them back."""

from django.contrib.auth.management import create_permissions

from portal.models import SECURITY_OFFICERS


def grant(apps, app_label, codenames):
    # Permissions are normally made after all migrations; make them now to use them.
    app_config = apps.get_app_config(app_label)
    # Put back after: a migration's app has no models module, the running portal's has one.
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=SECURITY_OFFICERS)
    permissions = _permissions(apps, app_label, codenames)
    assert permissions.count() == len(codenames), (app_label, codenames)
    group.permissions.add(*permissions)


def revoke(apps, app_label, codenames):
    permissions = _permissions(apps, app_label, codenames)
    for group in apps.get_model("auth", "Group").objects.filter(name=SECURITY_OFFICERS):
        group.permissions.remove(*permissions)


def _permissions(apps, app_label, codenames):
    Permission = apps.get_model("auth", "Permission")  # noqa: N806
    return Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
