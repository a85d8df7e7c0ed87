from django.db import migrations

from dealer_crm.core.roles import grant


def create_group_role(apps, schema_editor):
    # The dealer group's read-only role; each app grants it the view permissions of its own records.
    grant(apps, schema_editor, {"group": []})


class Migration(migrations.Migration):
    dependencies = [("core", "0006_dealer_group")]

    operations = [migrations.RunPython(create_group_role, migrations.RunPython.noop)]
