"""The duty roster's rotation (接待排班): who is next up for a walk-in or an online lead.

The rotation is read from the day's ledger (`RotationTurn`): among the consultants whose shift covers the
moment, the one with the fewest turns today per unit of weight goes next, then the one whose last turn is the
oldest, then the lowest id, so the order is total and the same on every screen. A skipped turn counts as a
turn: a consultant who passed on a walk-in does not get the next one instead. For online leads, a consultant
already holding `DccSettings.capacity` unanswered online leads is passed over.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Max

from dealer_crm.core.models import Showroom
from leads.models import Lead, LeadStatus

from ..models import DccSettings, DutyShift, RotationTurn


@dataclass(frozen=True)
class OnDuty:
    consultant: AbstractBaseUser
    weight: int
    turns: int  # today's turns, skips included
    last_turn_at: datetime | None
    unanswered: int  # online leads given to them that nobody has answered yet

    @property
    def load(self) -> float:
        return self.turns / self.weight


def on_duty(*, showroom: Showroom, at: datetime) -> list[OnDuty]:
    """The consultants on shift at `at`, next up first. Three queries whatever the roster's size."""
    local = at.astimezone(showroom.zone)
    shifts = list(
        DutyShift.objects.filter(
            showroom=showroom, day=local.date(), starts_at__lte=local.time(), ends_at__gt=local.time()
        ).select_related("consultant")
    )
    if not shifts:
        return []
    ids = [shift.consultant_id for shift in shifts]
    turns = {
        row["consultant_id"]: row
        for row in RotationTurn.objects.filter(showroom=showroom, day=local.date(), consultant_id__in=ids)
        .values("consultant_id")
        .annotate(turns=Count("id"), last_at=Max("at"))
    }
    unanswered = dict(
        Lead.objects.filter(showroom=showroom, owner_id__in=ids, status=LeadStatus.OPEN, response_due_at__isnull=False)
        .values_list("owner_id")
        .annotate(Count("id"))
    )
    duty = [
        OnDuty(
            consultant=shift.consultant,
            weight=shift.weight,
            turns=turns.get(shift.consultant_id, {}).get("turns", 0),
            last_turn_at=turns.get(shift.consultant_id, {}).get("last_at"),
            unanswered=unanswered.get(shift.consultant_id, 0),
        )
        for shift in shifts
    ]
    return sorted(
        duty,
        key=lambda person: (person.load, person.last_turn_at or at.min.replace(tzinfo=at.tzinfo), person.consultant.pk),
    )


def next_up(*, showroom: Showroom, at: datetime, rules: DccSettings | None = None, online: bool = False):
    """The consultant the rotation gives the next customer to, or None when nobody (with room) is on shift."""
    for person in on_duty(showroom=showroom, at=at):
        if online and rules is not None and person.unanswered >= rules.capacity:
            continue
        return person.consultant
    return None


def rotation_turn_record(
    *,
    showroom: Showroom,
    consultant,
    at: datetime,
    kind: str,
    recorded_by,
    lead: Lead | None = None,
    skip_reason: str = "",
) -> RotationTurn:
    """Write one turn of the ledger: a customer given, or (with a reason) a turn the consultant passed on."""
    return RotationTurn.objects.create(
        showroom=showroom,
        consultant=consultant,
        day=at.astimezone(showroom.zone).date(),
        at=at,
        kind=kind,
        skipped=bool(skip_reason),
        skip_reason=skip_reason,
        lead=lead,
        recorded_by=recorded_by,
    )


@transaction.atomic
def rotation_take_next(*, showroom: Showroom, at: datetime, kind: str, recorded_by, lead: Lead | None = None):
    """Give the next customer to whoever is next up, and write the turn; None when nobody is on shift.

    Two online leads arriving together must not both go to the same person: the showroom's DCC settings row is
    locked for the pick and the write, which serialises the rotation per showroom (and only there).
    """
    rules = DccSettings.objects.select_for_update().get_or_create(showroom=showroom)[0]
    consultant = next_up(showroom=showroom, at=at, rules=rules, online=kind == RotationTurn.Kind.ONLINE)
    if consultant is not None:
        rotation_turn_record(
            showroom=showroom, consultant=consultant, at=at, kind=kind, recorded_by=recorded_by, lead=lead
        )
    return consultant
