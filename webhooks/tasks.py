"""Celery tasks: thin wrappers around the services. The pump runs on the beat; each send is its own task so one
slow receiver does not hold up the others, and a send handed out twice is sent once (it is claimed)."""

from celery import shared_task
from django.db import DatabaseError

from . import services

RETRY = {"autoretry_for": (DatabaseError,), "retry_backoff": 10, "retry_backoff_max": 300, "max_retries": 5}


@shared_task(name="webhooks.pump", **RETRY)
def pump() -> int:
    services.webhooks_relay()
    due = services.deliveries_due()
    for delivery_id in due:
        send.delay(delivery_id)
    return len(due)


@shared_task(name="webhooks.send", **RETRY)
def send(delivery_id: int) -> str | None:
    return services.delivery_send(delivery_id=delivery_id)
