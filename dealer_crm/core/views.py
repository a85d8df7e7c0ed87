from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.i18n import set_language

from .health import CHECKS
from .sessions import idle_timeout_text


def home(request):
    """Everyone starts the day on their follow-ups."""
    return redirect("followups:today")


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """For load balancers and monitors: 200 when every dependency answers, 503 with the failing one named."""
    results = {name: check() for name, check in CHECKS.items()}
    healthy = all(ok for ok, _detail in results.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "unhealthy",
            "checks": {name: detail for name, (_ok, detail) in results.items()},
        },
        status=200 if healthy else 503,
    )


THEME_COLOUR = "#212529"  # the navigation bar's (Bootstrap's dark); base.html's theme-color says the same
ICON_SIZES = (192, 512)


@login_not_required
@require_GET
def web_manifest(request):
    """What a phone needs to put the CRM on its home screen. Public: browsers fetch it without cookies."""
    return JsonResponse(
        {
            "name": _("Showroom CRM"),
            "short_name": _("CRM"),
            "start_url": reverse("home"),
            "scope": "/",
            "display": "standalone",
            "theme_color": THEME_COLOUR,
            "background_color": "#f8f9fa",
            "icons": [
                {"src": static("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
                *(
                    {"src": static(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
                    for size in ICON_SIZES
                ),
                {
                    "src": static("icons/icon-maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


# The login page offers the language switch too, before anyone is logged in.
switch_language = login_not_required(set_language)


class LoginView(auth_views.LoginView):
    """Django's login, telling the front desk when the session ends by itself (see sessions.py)."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, idle_timeout=idle_timeout_text())
