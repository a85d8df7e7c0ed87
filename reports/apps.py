from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # The Excel exports of leads' list pages: leads' templates show the button only if an app registers one.
        from leads.actions import LOST, REGISTER, TRACKER, register_list_export

        register_list_export(page=REGISTER, url_name="reports:register_export")
        register_list_export(page=TRACKER, url_name="reports:tracker_export")
        register_list_export(page=LOST, url_name="reports:lost_export")
