"""The three roles as groups with their permissions. Idempotent: re-running never duplicates."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "creators": [],
    "moderators": ["decide_review"],
    # Admins read everything, in the app and in Django admin (read-only for history).
    "admins": ["decide_review", "view_history", "view_asset", "view_version", "view_repairjob",
               "view_event", "view_review"],
}


def create_roles(apps, schema_editor):
    # Permissions are normally made after all migrations; make ours now to attach them.
    app_config = apps.get_app_config("repairapp")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="repairapp", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("repairapp", "0002_history_and_review"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
