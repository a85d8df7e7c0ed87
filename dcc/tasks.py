"""Celery tasks of the DCC desk: thin wrappers around the services.

escalate_overdue: each step is claimed by a conditional UPDATE in the transaction that acts on it
(dcc.services.escalation), so a doubled beat, two workers or a redelivery after a crash escalate each inquiry once.
settle_no_shows: the same claim for each appointment past its slot and grace period (dcc.services.appointments).
"""

from celery import shared_task
from django.db import DatabaseError

from .services.appointments import appointments_settle_no_shows
from .services.escalation import online_leads_escalate

RETRY = {"autoretry_for": (DatabaseError,), "retry_backoff": 10, "retry_backoff_max": 300, "max_retries": 5}


@shared_task(name="dcc.escalate_overdue", **RETRY)
def escalate_overdue() -> int:
    run = online_leads_escalate()
    return run.told + run.offered + run.reassigned


@shared_task(name="dcc.settle_no_shows", **RETRY)
def settle_no_shows() -> int:
    return appointments_settle_no_shows().settled
