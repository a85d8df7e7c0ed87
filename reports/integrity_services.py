"""The integrity checks' stored findings: recomputed per showroom by the nightly job or a manager's "re-check
now", read by the page (which would otherwise aggregate the whole history on every view)."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from dealer_crm.celery import broker_connection_at_once
from dealer_crm.core.models import Showroom

from .analytics import selectors
from .models import IntegrityCheck, IntegrityFinding

logger = logging.getLogger(__name__)

Check = IntegrityFinding.Check
NIGHT = timedelta(hours=20)  # the nightly job skips a showroom checked this recently (a rerun, a re-check)


def _findings(showroom: Showroom) -> list[IntegrityFinding]:
    """The live checks' rows (at most INTEGRITY_LIMIT + 1 each, so the page can say "more than") as findings."""
    settings = selectors.report_settings_for(showroom)
    rows = [
        (Check.GRADES, dict(record_id=c.lead_id, customer_name=c.customer_name, person=c.owner, at=c.at,
                            before=c.before, after=c.after, kind=c.kind))
        for c in selectors.grade_changes_without_contact(showroom)
    ]  # fmt: skip
    rows += [
        (Check.ENTRIES, dict(record_id=v.pk, customer_name=v.customer_name, person=str(v.consultant or ""),
                             day=v.visit_date, number=v.number))
        for v in selectors.entries_with_phone_without_lead(showroom)
    ]  # fmt: skip
    rows += [
        (Check.ORDERS, dict(record_id=lead.pk, customer_name=lead.customer_name, person=str(lead.owner or ""),
                            at=lead.ordered_at))
        for lead in selectors.orders_without_delivery(showroom, days=settings.delivery_overdue_days)
    ]  # fmt: skip
    rows += [
        (Check.UNANSWERED, dict(record_id=lead.pk, customer_name=lead.customer_name, person=str(lead.owner),
                                at=lead.response_due_at))
        for lead in selectors.online_leads_unanswered(showroom)
    ]  # fmt: skip
    rows += [
        (Check.UNSETTLED, dict(record_id=a.lead_id, customer_name=a.lead.customer_name, person=str(a.lead.owner),
                               at=a.ends_at))
        for a in selectors.appointments_unsettled(showroom)
    ]  # fmt: skip
    positions: dict[str, int] = {}
    findings = []
    for check, fields in rows:
        positions[check] = positions.get(check, -1) + 1
        findings.append(IntegrityFinding(showroom=showroom, kind_of_check=check, position=positions[check], **fields))
    return findings


def integrity_recheck(*, showroom: Showroom, unless_checked_since: datetime | None = None) -> bool:
    """Recompute the showroom's findings and their "as of"; True when it ran.

    1. Lock the showroom's IntegrityCheck row (created on first use): two runs for one showroom (an overlapping
       beat, a retry, the button pressed twice) take turns.
    2. The one that waited sees the other's fresh `checked_at` and does nothing when it is after
       `unless_checked_since` (the nightly job passes its start, a re-check its request's time).
    3. Replace the findings, and set `checked_at` (clearing a request this run answers), in one transaction:
       the page never shows half a run.
    """
    with transaction.atomic():
        IntegrityCheck.objects.get_or_create(showroom=showroom)
        state = IntegrityCheck.objects.select_for_update().get(showroom=showroom)
        if unless_checked_since and state.checked_at and state.checked_at >= unless_checked_since:
            return False
        started = timezone.now()
        findings = _findings(showroom)
        IntegrityFinding.objects.filter(showroom=showroom).delete()
        IntegrityFinding.objects.bulk_create(findings)
        state.checked_at = started
        if state.requested_at and state.requested_at <= started:
            state.requested_at = None
        state.save(update_fields=["checked_at", "requested_at"])
    return True


def integrity_checks_nightly(*, now: datetime | None = None) -> int:
    """Every showroom's checks, once per night however often the job runs: the showrooms it ran for."""
    now = now or timezone.now()
    ran = 0
    for showroom in Showroom.objects.order_by("pk"):
        ran += integrity_recheck(showroom=showroom, unless_checked_since=now - NIGHT)
    return ran


def integrity_request_recheck(*, showroom: Showroom) -> datetime:
    """The manager's "re-check now": noted on the row (the page says it is under way) and sent to a worker when
    the request commits; a broker that is down loses nothing, the nightly run answers it."""
    now = timezone.now()
    IntegrityCheck.objects.update_or_create(showroom=showroom, defaults={"requested_at": now})
    transaction.on_commit(lambda: _enqueue_recheck(showroom_id=showroom.pk, requested_at=now))
    return now


def _enqueue_recheck(*, showroom_id: int, requested_at: datetime) -> None:
    from .tasks import recheck_integrity  # the tasks import these services

    try:
        with broker_connection_at_once(timeout=1) as connection:
            recheck_integrity.apply_async(
                args=[showroom_id, requested_at.isoformat()], connection=connection, retry=False
            )
    except OperationalError as error:  # kombu's: the broker refused or did not answer
        logger.warning("Integrity re-check of showroom %s not queued: %s", showroom_id, error)
