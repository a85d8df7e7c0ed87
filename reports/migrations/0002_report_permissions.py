from django.db import migrations

from dealer_crm.core.roles import grant

CONSULTANT = ["reports.view_dailyreport"]
MANAGER = [*CONSULTANT, "reports.review_dailyreport"]


def grant_report_permissions(apps, schema_editor):
    grant(apps, schema_editor, {"consultant": CONSULTANT, "manager": MANAGER, "admin": MANAGER})


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_daily_reports"), ("core", "0002_roles_and_sources")]

    operations = [migrations.RunPython(grant_report_permissions, migrations.RunPython.noop)]
