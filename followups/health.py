"""/healthz checks of the reminder machinery: the broker answers, and the reminder run is not stale."""

from datetime import timedelta

from django.conf import settings
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from dealer_crm.celery import broker_connection_at_once

from .models import ReminderRun

# The run happens every quarter hour; a day without one means beat or the worker is down.
STALE_AFTER = timedelta(days=1)


def broker_health() -> tuple[bool, str]:
    """One attempt with short socket timeouts: the probe answers within a second when the broker is down or hung."""
    try:
        with broker_connection_at_once() as connection:
            connection.ensure_connection(max_retries=0)
    except Exception as exc:  # any failure to reach the broker is "unhealthy", with the reason
        return False, f"{type(exc).__name__}: {exc}"
    return True, "ok" if settings.CELERY_BROKER_URL != "filesystem://" else "ok (filesystem)"


def reminder_run_health() -> tuple[bool, str]:
    last = ReminderRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()
    if last is None:
        # A fresh install has had no run yet: unhealthy only once it has gone a day without one.
        installed = MigrationRecorder.Migration.objects.filter(app="followups", name="0001_initial").first()
        if installed is None or timezone.now() - installed.applied > STALE_AFTER:
            return False, "no reminder run in the day since installation"
        return True, "no run yet (installed less than a day ago)"
    if timezone.now() - last.finished_at > STALE_AFTER:
        return False, f"last reminder run {last.finished_at.isoformat()} is more than a day old"
    return True, last.finished_at.isoformat()
