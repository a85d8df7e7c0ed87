"""The daily reports' history moves into the one history table (issue 12); its `text` (a reopening's reason, a
comment as written) is the revision's reason."""

from django.db import migrations

from dealer_crm.core.history_migration import revisions_copy_in, revisions_copy_out

REPORTS = {"old": "reports.DailyReportEvent", "record": "report", "columns": {"by": "by", "at": "at", "text": "reason"}}


def forward(apps, schema_editor):
    revisions_copy_in(apps, **REPORTS)


def backward(apps, schema_editor):
    revisions_copy_out(apps, **REPORTS)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0009_group_role_permissions"),
        ("core", "0008_history"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="DailyReportEvent"),
    ]
