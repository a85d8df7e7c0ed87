"""Online leads nobody answered in time, escalated level by level, each step exactly once.

Claim then act, as the reminders and digests do: a conditional UPDATE moves an inquiry 0 → 1 (the deadline passed,
the lead still unanswered) or 1 → 2 (the second deadline passed); only the run whose UPDATE matched the row acts
on it, so two beats or two workers scanning together escalate each inquiry once. Claim and act share one
transaction per inquiry: a worker killed half-way rolls its claim back and the next minute's scan takes it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from leads.models import Lead, LeadEvent, LeadStatus
from leads.services.tracker import lead_event_record, lead_reassign

from ..models import DccSettings, OnlineLead, RotationTurn
from .deadlines import dcc_settings_for, open_deadline
from .intake import showroom_manager
from .roster import rotation_take_next


def _unanswered() -> Q:
    """The lead still waits for its first response: open, its deadline not cleared by a call or message.

    A subquery on the lead, not a join: Django turns an UPDATE filtered across a join into `id IN (SELECT …)`,
    and PostgreSQL's recheck of a row another worker just claimed would then not see its new escalation_level
    (two workers escalated the same inquiry in tests/dcc/test_escalation_worker.py). Kept as a plain condition on
    the updated row, escalation_level is re-read after the other claim commits.
    """
    return Q(lead_id__in=Lead.objects.filter(status=LeadStatus.OPEN, response_due_at__isnull=False).values("pk"))


@dataclass
class EscalationRun:
    told: int = 0  # level 0 → 1: the manager told
    offered: int = 0  # level 1 → 2: a reassignment offered to the manager
    reassigned: int = 0  # level 1 → 2: handed to the next consultant on duty


def online_leads_escalate(*, now: datetime | None = None) -> EscalationRun:
    now = now or timezone.now()
    run = EscalationRun()
    due = OnlineLead.objects.filter(_unanswered(), escalation_level=0, response_due_at__lte=now)
    for pk in due.values_list("pk", flat=True):
        if _first_deadline_missed(pk, now):
            run.told += 1
    second = OnlineLead.objects.filter(_unanswered(), escalation_level=1, second_due_at__lte=now)
    for pk in second.values_list("pk", flat=True):
        outcome = _second_deadline_missed(pk, now)
        if outcome == DccSettings.SecondDeadline.REASSIGN:
            run.reassigned += 1
        elif outcome == DccSettings.SecondDeadline.OFFER:
            run.offered += 1
    return run


def _claim(pk: int, *, level: int, now: datetime, **fields) -> bool:
    """The conditional UPDATE that makes this run the only one to act on the inquiry at this level."""
    deadline = "response_due_at" if level == 0 else "second_due_at"
    return bool(
        OnlineLead.objects.filter(_unanswered(), pk=pk, escalation_level=level, **{f"{deadline}__lte": now}).update(
            escalation_level=level + 1, **fields
        )
    )


@transaction.atomic
def _first_deadline_missed(pk: int, now: datetime) -> bool:
    if not _claim(pk, level=0, now=now, escalated_at=now):
        return False
    inquiry = OnlineLead.objects.select_related("lead", "showroom").get(pk=pk)
    rules = dcc_settings_for(inquiry.showroom)
    second_due = open_deadline(rules=rules, start=now, minutes=rules.response_minutes)
    OnlineLead.objects.filter(pk=pk).update(second_due_at=second_due)
    manager = showroom_manager(inquiry.showroom_id)
    lead_event_record(
        lead=inquiry.lead,
        kind=LeadEvent.Kind.RESPONSE_OVERDUE,
        by=manager or inquiry.lead.owner,
        at=now,
        details={"level": 1, "due": inquiry.response_due_at.isoformat(), "second_due": second_due.isoformat()},
    )
    return True


@transaction.atomic
def _second_deadline_missed(pk: int, now: datetime) -> str | None:
    if not _claim(pk, level=1, now=now):
        return None
    inquiry = OnlineLead.objects.select_related("lead", "showroom").get(pk=pk)
    rules = dcc_settings_for(inquiry.showroom)
    manager = showroom_manager(inquiry.showroom_id)
    lead = inquiry.lead
    if rules.second_deadline == DccSettings.SecondDeadline.REASSIGN and manager is not None:
        to = rotation_take_next(
            showroom=inquiry.showroom, at=now, kind=RotationTurn.Kind.ONLINE, recorded_by=manager, lead=lead
        )
        if to is not None and to.pk != lead.owner_id:
            lead_reassign(leads=[lead], to=to, by=manager, reason=_("first response overdue"))
            due = open_deadline(rules=rules, start=now, minutes=rules.response_minutes)
            Lead.objects.filter(pk=lead.pk).update(response_due_at=due, version=F("version") + 1, updated_at=now)
            OnlineLead.objects.filter(pk=pk).update(assigned_to=to, assigned_at=now, response_due_at=due)
            lead_event_record(
                lead=lead, kind=LeadEvent.Kind.ASSIGNED, by=manager, at=now, details={"to": to.pk, "level": 2}
            )
            return DccSettings.SecondDeadline.REASSIGN
    # Offered: the manager's Today lists the inquiry at level 2 with a reassign button.
    lead_event_record(
        lead=lead, kind=LeadEvent.Kind.RESPONSE_OVERDUE, by=manager or lead.owner, at=now, details={"level": 2}
    )
    return DccSettings.SecondDeadline.OFFER
