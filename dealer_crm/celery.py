"""The Celery app. The broker is Redis when REDIS_URL is set; otherwise kombu's filesystem transport under
var/broker, so `make run` schedules reminders on a fresh machine without any server installed."""

import os
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


# Every periodic job, in one place. Both jobs work from the database state, so a missed, late or doubled
# beat changes nothing; they run often and act only once each showroom's local reminder hour has come.
app.conf.beat_schedule = {
    # Every quarter hour: reminders for leads due by each showroom's today (once per lead and due date).
    "generate-reminders": {"task": "followups.generate_reminders", "schedule": crontab(minute="*/15")},
    # Twice an hour, after the reminders: the daily e-mail digests (each claimed once per user and day).
    "send-digests": {"task": "followups.send_digests", "schedule": crontab(minute="5,35")},
    # Nightly at 03:10: background Excel exports' files older than EXCEL_KEEP_DAYS are deleted (they hold
    # customers' personal data; the export records stay). Idempotent: a missed night is caught up the next.
    "purge-exports": {"task": "reports.purge_exports", "schedule": crontab(hour=3, minute=10)},
}
