"""Celery tasks: thin wrappers around the services. Retries are bounded and back off to at most five minutes,
well below the broker's one-hour visibility timeout, so a retried task is never also redelivered."""

from celery import shared_task
from django.db import DatabaseError

from . import services

RETRY = {"autoretry_for": (DatabaseError,), "retry_backoff": 10, "retry_backoff_max": 300, "max_retries": 5}


@shared_task(name="followups.generate_reminders", **RETRY)
def generate_reminders() -> int:
    return services.reminders_generate().reminders_created


@shared_task(name="followups.send_digests", **RETRY)
def send_digests() -> int:
    return services.digests_send()
