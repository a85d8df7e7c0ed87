"""Role groups and their permissions, granted by each app's own data migration."""

from django.contrib.auth.management import create_permissions

from .models import Role


def grant(apps, schema_editor, grants: dict[str, list[str]]) -> None:
    """Give each role group ("consultant", ...) the listed "app_label.codename" permissions.

    Permissions are normally created after all migrations ran; create them now so a fresh database
    gets its groups in the same `migrate`.
    """
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in grants.items():
        group, _ = Group.objects.get_or_create(name=Role(role).value)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def revoke(apps, schema_editor, revokes: dict[str, list[str]]) -> None:
    """Take the listed "app_label.codename" permissions away from each role group."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in revokes.items():
        group = Group.objects.get(name=Role(role).value)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))
