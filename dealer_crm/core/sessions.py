"""Shared front-desk computers: a session ends after SESSION_IDLE_TIMEOUT without a request (and, through
SESSION_EXPIRE_AT_BROWSER_CLOSE, when the browser closes), so the next person at the desk is not logged in as
the last one."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

LAST_SEEN = "last_seen"  # session key: the time of the user's last request, as a POSIX timestamp
# The last-seen time is written at most this often: a session write on every request would be a database
# UPDATE for every page and every poll, for a precision nobody needs.
REFRESH_EVERY_SECONDS = 60


def idle_timeout_text() -> str:
    """The idle timeout in words, in the current language ("4 hours", "4小时")."""
    now = timezone.now()
    return timeuntil(now + settings.SESSION_IDLE_TIMEOUT, now)


def session_start_idle_clock(*, request) -> None:
    """At login (Django's user_logged_in signal, connected in CoreConfig.ready): the idle time starts now,
    saved with the new session itself rather than by a second write on the next request."""
    request.session[LAST_SEEN] = timezone.now().timestamp()


class IdleSessionTimeoutMiddleware:
    """After the authentication and message middleware: logs out a user whose last request is older than the
    idle timeout (the login-required middleware then sends them to the login page, where a message says why),
    and otherwise remembers the time of the request, at most once a minute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            last_seen = request.session.get(LAST_SEEN)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT.total_seconds():
                logout(request)
                messages.info(
                    request,
                    _("You were logged out after %(idle)s without activity.") % {"idle": idle_timeout_text()},
                )
            elif last_seen is None or now - last_seen >= REFRESH_EVERY_SECONDS:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
