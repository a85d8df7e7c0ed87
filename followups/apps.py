from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "followups"
    verbose_name = _("Follow-up reminders")

    def ready(self):
        # /healthz lives in core, which knows nothing of the apps above it: each app adds its own checks.
        from dealer_crm.core.health import CHECKS

        from .health import broker_health, reminder_run_health

        CHECKS["broker"] = broker_health
        CHECKS["reminders"] = reminder_run_health
