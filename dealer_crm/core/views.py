from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
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
