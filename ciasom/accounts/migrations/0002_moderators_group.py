"""A "Moderators" group: give a staff user this group and they can list users and
broadcasts, disable an account and end a broadcast in /admin/ — nothing else."""

from django.db import migrations

PERMISSIONS = [
    ("auth", "user", ["view_user", "change_user"]),
    ("accounts", "profile", ["view_profile"]),
    ("broadcasts", "broadcast", ["view_broadcast", "change_broadcast"]),
]


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():  # permissions are made after migrate otherwise
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    for app_label, model, codenames in PERMISSIONS:
        group.permissions.add(*Permission.objects.filter(
            content_type__app_label=app_label, content_type__model=model,
            codename__in=codenames))


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Moderators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("broadcasts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_group, delete_group)]
