from django.db import migrations

from dealer_crm.core.roles import grant

CONSULTANT = [
    "leads.view_lead",
    "leads.change_lead",
    "leads.add_contact",
    "leads.view_contact",
    "leads.add_lostrequest",
]
MANAGER = [*CONSULTANT, "leads.decide_lost_lead", "leads.reassign_lead"]


def grant_lead_permissions(apps, schema_editor):
    grant(apps, schema_editor, {"consultant": CONSULTANT, "manager": MANAGER, "admin": MANAGER})


class Migration(migrations.Migration):
    dependencies = [("leads", "0003_leads_and_contacts")]

    operations = [migrations.RunPython(grant_lead_permissions, migrations.RunPython.noop)]
