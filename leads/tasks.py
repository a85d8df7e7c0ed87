"""Celery tasks of the leads app: thin wrappers around its services."""

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from .grade_status import grade_status_heal
from .rollups import rollups_heal

RETRY = {"autoretry_for": (DatabaseError,), "retry_backoff": 10, "retry_backoff_max": 300, "max_retries": 5}


@shared_task(name="leads.heal_rollups", **RETRY)
def heal_rollups() -> int:
    return rollups_heal(days=settings.ROLLUPS_HEAL_DAYS)


@shared_task(name="leads.heal_grade_status", **RETRY)
def heal_grade_status() -> int:
    return grade_status_heal()
