from django.db import migrations

from dealer_crm.core.roles import grant, revoke

# A showroom's administrator sets their showroom's report cut-off and integrity delay in the Django admin.
REPORT_SETTINGS = [f"reports.{action}_reportsettings" for action in ("view", "add", "change")]


def admin_edits_report_settings(apps, schema_editor):
    grant(apps, schema_editor, {"admin": REPORT_SETTINGS})


def admin_stops_editing_report_settings(apps, schema_editor):
    revoke(apps, schema_editor, {"admin": REPORT_SETTINGS})


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_exports_and_imports"), ("core", "0005_admin_edits_own_showroom")]

    operations = [migrations.RunPython(admin_edits_report_settings, admin_stops_editing_report_settings)]
