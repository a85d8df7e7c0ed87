"""Celery tasks of the reports: thin, taking ids; the work is in export_services.

What a crash does to each (the worker killed at any point, the task redelivered or sent twice):
- build_monthly_export: the export's claim lets one worker build at a time; a dead worker's claim expires
  without its heartbeat and the beat job re-queues it; the file goes into its one place only when complete.
- requeue_exports: only sends tasks, each a no-op unless its export is claimable: running it twice sends
  duplicates that do nothing.
- check_integrity / recheck_integrity: each showroom's run locks its row and skips when a run since the given
  moment has already answered, so a duplicate or a retry does nothing.
- purge_exports: deletes a file, then clears its path; killed in between, the next run finds the file gone
  (missing_ok) and clears the path.
"""

from datetime import datetime

from celery import shared_task
from django.db import DatabaseError

from dealer_crm.core.models import Showroom

from . import integrity_services
from .excel import export_services

# Bounded retries for a database that is briefly away; a failed build itself is recorded on the export and
# not retried (the user sees the failure and can ask again).
RETRY = {"autoretry_for": (DatabaseError,), "retry_backoff": 10, "retry_backoff_max": 300, "max_retries": 3}


@shared_task(name="reports.build_monthly_export", **RETRY)
def build_monthly_export(record_id: int) -> int | None:
    record = export_services.monthly_export_run(record_id=record_id)
    return record.row_count if record else None


@shared_task(name="reports.requeue_exports", **RETRY)
def requeue_exports() -> int:
    return export_services.exports_requeue()


@shared_task(name="reports.purge_exports")
def purge_exports() -> int:
    return export_services.exports_purge()


@shared_task(name="reports.check_integrity", **RETRY)
def check_integrity() -> int:
    return integrity_services.integrity_checks_nightly()


@shared_task(name="reports.recheck_integrity", **RETRY)
def recheck_integrity(showroom_id: int, requested_at: str) -> bool:
    return integrity_services.integrity_recheck(
        showroom=Showroom.objects.get(pk=showroom_id), unless_checked_since=datetime.fromisoformat(requested_at)
    )
