from django.db import migrations

from dealer_crm.core.roles import grant

MANAGER = [
    "leads.add_visit",
    "leads.change_visit",
    "leads.view_visit",
    "leads.delete_visit",
    "leads.sign_off_registerday",
    "leads.log_visit_for_others",
    "leads.view_all_phones",
]


def grant_register_permissions(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        {
            "consultant": ["leads.add_visit", "leads.change_visit", "leads.view_visit"],
            "manager": MANAGER,
            "admin": MANAGER,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial"), ("core", "0002_roles_and_sources")]

    operations = [migrations.RunPython(grant_register_permissions, migrations.RunPython.noop)]
