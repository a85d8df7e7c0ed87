from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = _("Contracts and deliveries")

    def ready(self):
        # followups knows nothing of deliveries: the callbacks join its Today list, navigation count and digest
        # through its registry.
        from followups.today import register_section

        from .today import CALLBACKS

        register_section(CALLBACKS)
