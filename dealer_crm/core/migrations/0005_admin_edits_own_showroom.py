from django.db import migrations

from dealer_crm.core.roles import grant, revoke

# The car catalogue and the information sources are the dealer group's, the same for every showroom: a
# superuser edits them, a showroom's administrator reads them (see dealer_crm/core/admin.py).
GROUP_WIDE = [f"core.{action}_{model}" for model in ("carmodel", "informationsource") for action in ("add", "change")]


def admin_edits_own_showroom(apps, schema_editor):
    grant(apps, schema_editor, {"admin": ["core.change_showroom"]})
    revoke(apps, schema_editor, {"admin": GROUP_WIDE})


def admin_edits_catalogue_again(apps, schema_editor):
    grant(apps, schema_editor, {"admin": GROUP_WIDE})
    revoke(apps, schema_editor, {"admin": ["core.change_showroom"]})


class Migration(migrations.Migration):
    dependencies = [("core", "0004_reminder_hour")]

    operations = [migrations.RunPython(admin_edits_own_showroom, admin_edits_catalogue_again)]
