"""The Celery app. The broker is Redis when REDIS_URL is set; otherwise kombu's filesystem transport under
var/broker, so `make run` schedules reminders on a fresh machine without any server installed."""

import os
from datetime import timedelta
from pathlib import Path

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealer_crm.settings.local")

app = Celery("dealer_crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def filesystem_broker_options(folder: Path) -> dict:
    """Options for kombu's filesystem transport: one folder the web, worker and beat processes all share."""
    for sub in ("out", "processed"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "out"),
        "data_folder_out": str(folder / "out"),
        "processed_folder": str(folder / "processed"),
        "store_processed": False,
    }


def broker_connection_at_once(timeout: float = 0.5):
    """A broker connection that gives up on the first failure, within `timeout` seconds, where kombu's default
    retries for seconds: for /healthz and for a page that enqueues (the beat job sends again what it could not)."""
    return app.connection_for_write(
        connect_timeout=timeout,
        transport_options={"max_retries": 0, "socket_connect_timeout": timeout, "socket_timeout": timeout},
    )


# The export re-queue's interval, from the environment here: Django's settings import this module, not the reverse.
REQUEUE_EVERY = timedelta(seconds=int(os.environ.get("EXPORT_REQUEUE_SECONDS", "60")))

# Every periodic job, in one place. All work from the database state, so a missed, late or doubled beat
# changes nothing; the reminders and digests run often and act only once each showroom's local hour has come.
app.conf.beat_schedule = {
    # Every 30 s: lead events relayed to the webhook endpoints, and due deliveries (new or retried) sent. A pump
    # that missed its slot is dropped, not piled up: the next one finds the same work.
    "pump-webhooks": {"task": "webhooks.pump", "schedule": 30.0, "options": {"expires": 30}},
    # Every quarter hour: reminders for leads due by each showroom's today (once per lead and due date).
    "generate-reminders": {"task": "followups.generate_reminders", "schedule": crontab(minute="*/15")},
    # Twice an hour, after the reminders: the daily e-mail digests (each claimed once per user and day).
    "send-digests": {"task": "followups.send_digests", "schedule": crontab(minute="5,35")},
    # Nightly at 03:10: background Excel exports' files older than EXCEL_KEEP_DAYS are deleted (they hold
    # customers' personal data; the export records stay). Idempotent: a missed night is caught up the next.
    "purge-exports": {"task": "reports.purge_exports", "schedule": crontab(hour=3, minute=10)},
    # Nightly at 02:40: the day rollups of each showroom's last ROLLUPS_HEAL_DAYS days up to yesterday are recounted
    # from the raw rows (the services keep them current; this heals drift). Idempotent: a doubled run recounts the
    # same rows to the same numbers, a missed night is covered by the next one's range.
    "heal-rollups": {"task": "leads.heal_rollups", "schedule": crontab(hour=2, minute=40)},
    # Nightly at 02:45: each showroom's last closed month of the grade status computed again and kept (a closed
    # month is read from what was kept; this heals a late event that raced its first reader). Idempotent.
    "heal-grade-status": {"task": "leads.heal_grade_status", "schedule": crontab(hour=2, minute=45)},
    # Nightly at 02:50, after the rollups: every showroom's integrity checks into the findings the page reads (they
    # aggregate the whole history). Once a night: a showroom checked in the last 20 hours is skipped.
    "check-integrity": {"task": "reports.check_integrity", "schedule": crontab(hour=2, minute=50)},
    # Every minute: background exports whose worker died (no heartbeat for EXPORT_CLAIM_TTL) or that the broker
    # never took (it was down when they were asked for) are sent again, so a crash or an outage costs minutes,
    # not the broker's visibility timeout. Idempotent: a sent export is claimed by one worker, the rest do nothing.
    # The interval is an environment setting only so that the crash tests and benchmarks/chaos.py can shorten it;
    # a run that missed its interval is dropped (expires), not piled up behind a stopped worker.
    "requeue-exports": {
        "task": "reports.requeue_exports",
        "schedule": REQUEUE_EVERY,
        "options": {"expires": REQUEUE_EVERY.total_seconds()},
    },
    # Every minute: online leads past their first-response deadline escalated (manager told, then the second
    # deadline acted on). Each step is claimed once (dcc.services.escalation); a dropped run is caught up next.
    "escalate-overdue": {"task": "dcc.escalate_overdue", "schedule": 60.0, "options": {"expires": 60}},
    # Every five minutes: appointments past their slot and the grace period become no-shows, each claimed once.
    "settle-no-shows": {"task": "dcc.settle_no_shows", "schedule": 300.0, "options": {"expires": 300}},
}
