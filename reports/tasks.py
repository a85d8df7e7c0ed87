"""Celery tasks of the reports: thin, taking ids; the work is in export_services."""

from celery import shared_task
from django.db import DatabaseError

from . import export_services

# Bounded retries for a database that is briefly away; a failed build itself is recorded on the export and
# not retried (the user sees the failure and can ask again).
RETRY = {"autoretry_for": (DatabaseError,), "retry_backoff": 10, "retry_backoff_max": 300, "max_retries": 3}


@shared_task(name="reports.build_monthly_export", **RETRY)
def build_monthly_export(record_id: int) -> int | None:
    record = export_services.monthly_export_run(record_id=record_id)
    return record.row_count if record else None


@shared_task(name="reports.purge_exports")
def purge_exports() -> int:
    return export_services.exports_purge()
