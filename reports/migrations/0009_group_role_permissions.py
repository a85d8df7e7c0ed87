from django.db import migrations

from dealer_crm.core.roles import grant

# The dealer group reads the reports of its showrooms and takes the monthly workbook; reviewing is the manager's.
GROUP = ["reports.view_dailyreport", "reports.view_exportrecord", "reports.export_showroom"]


def grant_group_permissions(apps, schema_editor):
    grant(apps, schema_editor, {"group": GROUP})


class Migration(migrations.Migration):
    dependencies = [("reports", "0008_export_claims"), ("core", "0007_group_role")]

    operations = [migrations.RunPython(grant_group_permissions, migrations.RunPython.noop)]
