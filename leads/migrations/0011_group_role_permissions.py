from django.db import migrations

from dealer_crm.core.roles import grant

# The dealer group reads the register and the tracker of its showrooms; phones stay masked (no view_all_phones).
GROUP = ["leads.view_visit", "leads.view_lead", "leads.view_contact"]


def grant_group_permissions(apps, schema_editor):
    grant(apps, schema_editor, {"group": GROUP})


class Migration(migrations.Migration):
    dependencies = [("leads", "0010_register_day_sign_off_kit_and_late_entries"), ("core", "0007_group_role")]

    operations = [migrations.RunPython(grant_group_permissions, migrations.RunPython.noop)]
