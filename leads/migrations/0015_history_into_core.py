"""The register's history (entries' revisions, days' sign-offs) moves into the one history table (issue 12)."""

from django.db import migrations

from dealer_crm.core.history_migration import revisions_copy_in, revisions_copy_out

VISITS = {
    "old": "leads.VisitRevision",
    "record": "visit",
    "columns": {"changed_by": "by", "changed_at": "at", "changes": "changes", "reason": "reason"},
}
DAYS = {"old": "leads.RegisterDayEvent", "record": "day", "columns": {"by": "by", "at": "at", "reason": "reason"}}


def forward(apps, schema_editor):
    revisions_copy_in(apps, **VISITS)
    revisions_copy_in(apps, **DAYS)


def backward(apps, schema_editor):
    revisions_copy_out(apps, **VISITS)
    revisions_copy_out(apps, **DAYS)


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0014_day_rollups"),
        ("core", "0008_history"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="RegisterDayEvent"),
        migrations.DeleteModel(name="VisitRevision"),
    ]
