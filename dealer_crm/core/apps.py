from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dealer_crm.core"
    label = "core"
    verbose_name = _("Showrooms and staff")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import converters  # noqa: F401 (registers <isodate:...> for every urls.py)
        from .sessions import session_start_idle_clock

        user_logged_in.connect(
            lambda sender, request, user, **kwargs: session_start_idle_clock(request=request),
            dispatch_uid="session_start_idle_clock",
            weak=False,
        )
