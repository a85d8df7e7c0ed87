"""Celery tasks: thin wrappers around the services. Retries are bounded and back off to at most five minutes,
below the broker's visibility timeout (settings.base), so a retried task is never also redelivered.

What a crash does to each (the worker killed at any point, the task redelivered or sent twice):
- generate_reminders: one INSERT … ON CONFLICT DO NOTHING per showroom, each in its own transaction; killed
  half-way, the showrooms done keep their reminders and the next run (redelivered, or the next quarter hour)
  makes the rest, never a second one for a lead and due date. The killed run stays unfinished, which /healthz
  does not count as a run.
- send_digests: each digest is claimed before it is sent; a claim whose worker died before sending is taken
  over by a run DIGEST_CLAIM_TTL later (followups.services._claim_digest: at least once, and why).
"""

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
