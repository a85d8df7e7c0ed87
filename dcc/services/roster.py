"""The duty roster's rotation (接待排班): who is next up for a walk-in or an online lead.

The rotation is read from the day's ledger (`RotationTurn`): among the consultants whose shift covers the
moment, the one with the fewest turns today per unit of weight goes next, then the one whose last turn is the
oldest, then the lowest id, so the order is total and the same on every screen. A skipped turn counts as a
turn: a consultant who passed on a walk-in does not get the next one instead. For online leads, a consultant
already holding `DccSettings.capacity` unanswered online leads is passed over.

The roster itself is set by the manager a week at a time (`roster_week_save`): the whole week is checked at
once and written at once, so a half-valid week is never saved and every problem is named together.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from dealer_crm.core.models import Role, Showroom, User
from leads.models import Lead, LeadStatus

from ..models import DccSettings, DutyShift, RotationTurn

logger = logging.getLogger(__name__)


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
    rules = _lock_rotation(showroom)
    consultant = next_up(showroom=showroom, at=at, rules=rules, online=kind == RotationTurn.Kind.ONLINE)
    if consultant is not None:
        rotation_turn_record(
            showroom=showroom, consultant=consultant, at=at, kind=kind, recorded_by=recorded_by, lead=lead
        )
    return consultant


def _lock_rotation(showroom: Showroom) -> DccSettings:
    """Lock the showroom's DCC settings row: the rotation's picks and the roster's writes of one showroom wait
    for each other (and only for each other)."""
    return DccSettings.objects.select_for_update().get_or_create(showroom=showroom)[0]


@transaction.atomic
def rotation_skip_next(*, showroom: Showroom, at: datetime, consultant, skip_reason: str, recorded_by) -> RotationTurn:
    """The consultant who is next up passes on this walk-in (with the customer before, at lunch): a skipped
    turn, with why. Refused when `consultant` is no longer next up (a colleague took the customer meanwhile):
    the skip was meant for the person the screen showed, not for whoever is next now."""
    skip_reason = skip_reason.strip()
    if not skip_reason:
        raise ValidationError({"skip_reason": _("Say why the turn is skipped.")})
    _lock_rotation(showroom)
    current = next_up(showroom=showroom, at=at)
    if current is None:
        raise ValidationError(_("Nobody is on duty now."))
    if current.pk != consultant.pk:
        raise ValidationError(_("The rotation has moved on: %(name)s is next up now.") % {"name": current})
    return rotation_turn_record(
        showroom=showroom,
        consultant=consultant,
        at=at,
        kind=RotationTurn.Kind.WALK_IN,
        recorded_by=recorded_by,
        skip_reason=skip_reason,
    )


# --- The week's roster, as the manager sets it ----------------------------------------------------------------


def week_start_of(day: date) -> date:
    """The Monday of the (ISO) week of `day`."""
    return day - timedelta(days=day.weekday())


def week_days(week_start: date) -> list[date]:
    return [week_start + timedelta(days=offset) for offset in range(7)]


# A senior consultant at 2 or 3, a trainee at 1; more than a few times a colleague's share is a typing slip.
MAX_WEIGHT = 9


@dataclass(frozen=True)
class ShiftEntry:
    """One shift as the manager typed it. A time or weight left empty is None: the check names it."""

    consultant: AbstractBaseUser
    day: date
    starts_at: time | None
    ends_at: time | None
    weight: int | None = 1


@dataclass(frozen=True)
class RosterWeek:
    week_start: date
    days: list[date]
    consultants: list  # the grid's rows: the active consultants, and anyone else holding a shift this week
    shifts: list[DutyShift]  # the week's shifts, in the rows' order, then by day and start


def roster_week(*, showroom: Showroom, week_start: date) -> RosterWeek:
    """The week's grid. Two queries whatever the number of consultants and shifts.

    A shift of someone who is no longer an active consultant (they left, or a manager on the floor) keeps its
    row: the page saves the whole week, so a shift it did not show would be deleted without anyone seeing it.
    """
    days = week_days(week_start)
    shifts = list(
        DutyShift.objects.filter(showroom=showroom, day__range=(days[0], days[-1]))
        .select_related("consultant")
        .order_by("day", "starts_at", "pk")
    )
    consultants = list(
        User.objects.filter(showroom=showroom, is_active=True, groups__name=Role.CONSULTANT)
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )
    known = {consultant.pk for consultant in consultants}
    for shift in shifts:
        if shift.consultant_id not in known:
            known.add(shift.consultant_id)
            consultants.append(shift.consultant)
    position = {consultant.pk: index for index, consultant in enumerate(consultants)}
    shifts.sort(key=lambda shift: (position[shift.consultant_id], shift.day, shift.starts_at))
    return RosterWeek(week_start=week_start, days=days, consultants=consultants, shifts=shifts)


def roster_week_check(*, showroom: Showroom, week_start: date, shifts: list[ShiftEntry]) -> dict[str, list[str]]:
    """Every problem of the week at once, keyed "<position in shifts>.<field>" (field: consultant, day,
    starts_at, ends_at, weight), so the page puts each next to the box it was typed in."""
    errors: dict[str, list[str]] = defaultdict(list)
    days = set(week_days(week_start))
    timed: dict[tuple[int, date], list[tuple[int, ShiftEntry]]] = defaultdict(list)
    for index, entry in enumerate(shifts):
        if entry.consultant.showroom_id != showroom.pk:
            errors[f"{index}.consultant"].append(
                _("%(name)s is not a consultant of this showroom.") % {"name": entry.consultant}
            )
        if entry.day not in days:
            errors[f"{index}.day"].append(_("This day is not in the week being saved."))
        if entry.starts_at is None:
            errors[f"{index}.starts_at"].append(_("Say when the shift starts."))
        if entry.ends_at is None:
            errors[f"{index}.ends_at"].append(_("Say when the shift ends."))
        if entry.starts_at is not None and entry.ends_at is not None:
            if entry.ends_at <= entry.starts_at:
                errors[f"{index}.ends_at"].append(_("The shift must end after it starts."))
            else:
                timed[(entry.consultant.pk, entry.day)].append((index, entry))
        if entry.weight is None or not 1 <= entry.weight <= MAX_WEIGHT:
            errors[f"{index}.weight"].append(_("The weight is from 1 to %(max)s.") % {"max": MAX_WEIGHT})
    for same_day in timed.values():
        # In order of start: a shift overlaps the earlier one that runs longest, if it starts before that ends.
        same_day.sort(key=lambda item: (item[1].starts_at, item[0]))
        longest = same_day[0][1]
        for index, entry in same_day[1:]:
            if entry.starts_at < longest.ends_at:
                errors[f"{index}.starts_at"].append(
                    _("Overlaps the shift %(from)s–%(until)s.")
                    % {"from": f"{longest.starts_at:%H:%M}", "until": f"{longest.ends_at:%H:%M}"}
                )
            if entry.ends_at > longest.ends_at:
                longest = entry
    return dict(errors)


@transaction.atomic
def roster_week_save(*, showroom: Showroom, week_start: date, shifts: list[ShiftEntry], by) -> list[DutyShift]:
    """Replace the week's roster with `shifts` (the whole week: what is not in it is removed). Raises one
    ValidationError with every problem (see roster_week_check) and writes nothing then.

    Two managers saving the same week one after the other: the later save wins whole (no mix of the two)."""
    if week_start.weekday() != 0:
        raise ValueError(f"{week_start} is not a Monday")
    errors = roster_week_check(showroom=showroom, week_start=week_start, shifts=shifts)
    if errors:
        raise ValidationError(errors)
    _lock_rotation(showroom)
    days = week_days(week_start)
    DutyShift.objects.filter(showroom=showroom, day__range=(days[0], days[-1])).delete()
    saved = DutyShift.objects.bulk_create(
        DutyShift(
            showroom=showroom,
            consultant=entry.consultant,
            day=entry.day,
            starts_at=entry.starts_at,
            ends_at=entry.ends_at,
            weight=entry.weight,
        )
        for entry in shifts
    )
    logger.info("duty roster of %s, week of %s: %d shifts saved by %s", showroom.code, week_start, len(saved), by.pk)
    return saved


@transaction.atomic
def roster_week_copy_previous(*, showroom: Showroom, week_start: date, by) -> list[DutyShift]:
    """Start a week from the one before: its shifts, a week later, for the consultants still active here.

    Only into an empty week: copying over shifts already set would silently throw the manager's work away."""
    _lock_rotation(showroom)
    days = week_days(week_start)
    if DutyShift.objects.filter(showroom=showroom, day__range=(days[0], days[-1])).exists():
        raise ValidationError(_("This week already has shifts: change them here, or remove them to copy last week."))
    previous = DutyShift.objects.filter(
        showroom=showroom,
        day__range=(days[0] - timedelta(days=7), days[-1] - timedelta(days=7)),
        consultant__showroom=showroom,
        consultant__is_active=True,
    ).select_related("consultant")
    entries = [
        ShiftEntry(
            consultant=shift.consultant,
            day=shift.day + timedelta(days=7),
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
            weight=shift.weight,
        )
        for shift in previous
    ]
    if not entries:
        raise ValidationError(_("Last week has no shifts to copy."))
    return roster_week_save(showroom=showroom, week_start=week_start, shifts=entries, by=by)
