from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DccConfig(AppConfig):
    """The DCC desk (Dealer Customer Center): online leads, the duty roster, first-response deadlines."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dcc"
    verbose_name = _("Online leads (DCC)")
