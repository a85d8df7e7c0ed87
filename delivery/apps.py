from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = _("Contracts and deliveries")

    def ready(self):
        # followups knows nothing of deliveries: the callbacks join its Today list, navigation count and digest
        # through its registry.
        from followups.today import register_section
        from leads.actions import LeadAction, register_lead_action

        from .today import CALLBACKS

        register_section(CALLBACKS)
        # leads knows nothing of contracts either: the lead page's "Sign contract" comes from here.
        register_lead_action(LeadAction(key="contract", template="delivery/includes/lead_contract_action.html"))
