from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DccConfig(AppConfig):
    """The DCC desk (Dealer Customer Center): online leads, the duty roster, first-response deadlines."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dcc"
    verbose_name = _("Online leads (DCC)")

    def ready(self):
        # followups knows nothing of the DCC desk: its online leads join the Today list, the navigation's count
        # and the digest through followups' registry.
        from followups.today import register_section
        from leads.actions import LeadAction, register_lead_action
        from leads.panels import register_panel

        from .register_panel import NEXT_UP
        from .today import NEW_ONLINE_LEADS, OVERDUE_ONLINE_LEADS, TODAYS_APPOINTMENTS

        register_section(NEW_ONLINE_LEADS)
        register_section(OVERDUE_ONLINE_LEADS)
        register_section(TODAYS_APPOINTMENTS)
        # leads knows nothing of online inquiries: the lead page's "Assign to…" (by hand) comes from here.
        register_lead_action(LeadAction(key="online_assign", template="dcc/includes/lead_assign_action.html"))
        # leads' register shows who is next up for a walk-in, through leads' registry of the register's panels.
        register_panel(NEXT_UP)
