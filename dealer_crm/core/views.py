from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from .health import CHECKS
from .middleware import VIEWED_SHOWROOM_KEY
from .models import Showroom
from .selectors import showrooms_visible_to
from .sessions import idle_timeout_text


def home(request):
    """Everyone starts the day on their follow-ups; the dealer group, which follows no one up, on the dashboard."""
    return redirect("reports:dashboard" if request.user.is_group_viewer else "followups:today")


@require_POST
def view_showroom(request):
    """The group role's choice of the showroom its pages show (the navigation's selector), kept in the session."""
    if not request.user.is_group_viewer:
        raise PermissionDenied
    try:
        showroom = showrooms_visible_to(request.user).get(pk=int(request.POST.get("showroom", "")))
    except (ValueError, Showroom.DoesNotExist):
        raise Http404 from None
    request.session[VIEWED_SHOWROOM_KEY] = showroom.pk
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "home"
    return redirect(target)


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


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the app's page for a refused form, saying what to do next (the reason is for the logs)."""
    return render(request, "403_csrf.html", status=403)
