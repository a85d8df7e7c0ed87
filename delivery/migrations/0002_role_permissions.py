from django.db import migrations

from dealer_crm.core.roles import grant

# Consultants sign, deliver and call back their own customers; the views keep them to those (see access.py).
CONSULTANT = [
    "delivery.view_contract",
    "delivery.add_contract",
    "delivery.change_contract",
    "delivery.view_customercard",
    "delivery.change_customercard",
    "delivery.view_delivery",
    "delivery.add_delivery",
    "delivery.change_delivery",
    "delivery.view_callback",
    "delivery.change_callback",
    "delivery.view_complaint",
    "delivery.add_complaint",
    "delivery.change_complaint",
    "delivery.add_complaintaction",
]
# Managers, for their whole showroom: also cancel contracts and close complaints.
MANAGER = [*CONSULTANT, "delivery.cancel_contract", "delivery.close_complaint"]
# Administrators also set the callback schedule and the delivery slots in the Django admin.
ADMIN = [*MANAGER, "delivery.view_deliverysettings", "delivery.add_deliverysettings", "delivery.change_deliverysettings"]


def grant_delivery_permissions(apps, schema_editor):
    grant(apps, schema_editor, {"consultant": CONSULTANT, "manager": MANAGER, "admin": ADMIN})


class Migration(migrations.Migration):
    dependencies = [("delivery", "0001_initial"), ("core", "0002_roles_and_sources")]

    operations = [migrations.RunPython(grant_delivery_permissions, migrations.RunPython.noop)]
