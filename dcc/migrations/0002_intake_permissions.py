from django.db import migrations

from dealer_crm.core.roles import grant

# The clerk's intake form (dcc.add_onlinelead) goes to managers and administrators, not to consultants: an inquiry
# entered there is routed by the rotation and counts as an online lead in the DCC figures (first-response time,
# each platform's conversion), so it belongs to the desk the manager runs; a consultant's own caller goes in the
# register as a phone call. A showroom whose DCC clerk is not a manager gives that user the permission in the admin.
INTAKE = ["dcc.add_onlinelead"]
# The showroom's administrator sets up its lead sources and makes and revokes their API tokens in the admin
# ("change" on a token is revoking it: nothing else of a token can be changed).
SOURCES = [f"dcc.{action}_{model}" for model in ("leadsource", "sourcetoken") for action in ("view", "add", "change")]


def grant_intake(apps, schema_editor):
    grant(apps, schema_editor, {"manager": INTAKE, "admin": [*INTAKE, *SOURCES]})


class Migration(migrations.Migration):
    dependencies = [("dcc", "0001_initial"), ("core", "0007_group_role")]

    operations = [migrations.RunPython(grant_intake, migrations.RunPython.noop)]
