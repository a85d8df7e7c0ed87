"""The customer cards' revisions move into the one history table (issue 12); a card's opening keeps its own
action code ("opened"), as its page always said."""

from django.db import migrations

from dealer_crm.core.history_migration import revisions_copy_in, revisions_copy_out

CARDS = {
    "old": "delivery.CardRevision",
    "record": "card",
    "columns": {"changed_by": "by", "changed_at": "at", "changes": "changes"},
    "actions": {"created": "opened"},
}


def forward(apps, schema_editor):
    revisions_copy_in(apps, **CARDS)


def backward(apps, schema_editor):
    revisions_copy_out(apps, **CARDS)


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0004_group_role_permissions"),
        ("core", "0008_history"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="CardRevision"),
    ]
