from django.db import migrations

from dealer_crm.core.roles import grant

# The dealer group reads contracts, cards, deliveries, callbacks and complaints of its showrooms; it acts on none.
GROUP = [
    "delivery.view_contract",
    "delivery.view_customercard",
    "delivery.view_delivery",
    "delivery.view_callback",
    "delivery.view_complaint",
]


def grant_group_permissions(apps, schema_editor):
    grant(apps, schema_editor, {"group": GROUP})


class Migration(migrations.Migration):
    dependencies = [("delivery", "0003_versioned_records_and_early_delivery"), ("core", "0007_group_role")]

    operations = [migrations.RunPython(grant_group_permissions, migrations.RunPython.noop)]
