"""No-shows: an appointment whose slot ended, plus the showroom's grace period, with nobody logged in the register.

Claim-then-act, like the escalation: each appointment is claimed by a conditional UPDATE (still booked → no-show)
in the transaction that writes its consequences, so a doubled beat, two workers or a redelivered task settle it
once. A no-show makes the lead due for a follow-up today: someone calls to ask what happened.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dealer_crm.core.clock import showroom_date_of
from leads.models import Appointment, Lead, LeadEvent, LeadStatus
from leads.services.tracker import lead_event_record

from ..models import DccSettings

DEFAULT_GRACE = DccSettings._meta.get_field("no_show_grace_minutes").default


@dataclass
class NoShowRun:
    settled: int = 0


def appointments_settle_no_shows(*, now: datetime | None = None) -> NoShowRun:
    now = now or timezone.now()
    run = NoShowRun()
    # Every slot that has ended; the grace period (per showroom, at most a few hours) is applied below.
    ended = Appointment.objects.filter(state=Appointment.State.BOOKED, ends_at__lte=now).values_list(
        "pk", "showroom_id", "ends_at"
    )
    ended = list(ended)
    grace = dict(
        DccSettings.objects.filter(showroom_id__in={showroom for _pk, showroom, _end in ended}).values_list(
            "showroom_id", "no_show_grace_minutes"
        )
    )
    for pk, showroom_id, ends_at in ended:
        if ends_at + timedelta(minutes=grace.get(showroom_id, DEFAULT_GRACE)) <= now and _settle(pk, now):
            run.settled += 1
    return run


@transaction.atomic
def _settle(pk: int, now: datetime) -> bool:
    claimed = Appointment.objects.filter(pk=pk, state=Appointment.State.BOOKED).update(
        state=Appointment.State.NO_SHOW, settled_at=now
    )
    if not claimed:
        return False  # another run settled it, or the customer arrived in the meantime
    appointment = Appointment.objects.select_related("lead__showroom").get(pk=pk)
    lead = appointment.lead
    if lead.status == LeadStatus.OPEN:
        today = showroom_date_of(lead.showroom, now)
        if lead.next_follow_up is None or lead.next_follow_up > today:
            Lead.objects.filter(pk=lead.pk).update(next_follow_up=today, version=F("version") + 1, updated_at=now)
            lead.next_follow_up = today
    lead_event_record(
        lead=lead,
        kind=LeadEvent.Kind.APPOINTMENT_NO_SHOW,
        by=appointment.booked_by,
        at=now,
        details={"appointment": appointment.pk, "purpose": appointment.purpose},
    )
    return True
