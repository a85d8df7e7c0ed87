"""The monthly grade status (月份意向客户级别状况表): per consultant, the open leads in each grade at the start of a
month, the new, upgraded, downgraded, ordered and lost ones during it, and the open leads in each grade at its end.

It is worked out from the lead history alone (LeadEvent: every row carries the lead's grade, status and owner
after it), so a past month reads the same whatever happened after it. The cost does not grow with the history:
- A month's movements come from its own events (the `lead_event_at` index).
- Its end is its start moved by the leads it touched: each touched lead leaves the (owner, grade) it had at the
  start and arrives at the one it has at the end. Untouched leads are where they were.
- Its start is the previous month's end, as kept; only a month whose previous one was never kept reads every
  lead's latest event before its start, once.
- A closed month is computed once and kept (GradeStatusMonth); the current month is computed on each read from
  its own events and the kept previous month. A late event (a contact recorded afterwards with its real, earlier
  time) drops the kept months from its own on (`grade_status_event_written`), and the nightly heal recomputes the
  last closed month, so a kept month never stays wrong.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from dealer_crm.core.clock import showroom_today
from dealer_crm.core.models import Showroom, User

from .models import GRADE_RANK, OPEN_GRADES, Contact, GradeStatusMonth, Lead, LeadEvent

MOVEMENTS = ("new", "upgraded", "downgraded", "ordered", "lost")
State = Counter  # (owner id, grade) -> open leads


@dataclass
class GradeStatusRow:
    consultant: User
    at_start: dict[str, int]
    new: int = 0
    upgraded: int = 0
    downgraded: int = 0
    ordered: int = 0
    lost: int = 0
    at_end: dict[str, int] | None = None


def month_start(showroom: Showroom, month: date) -> datetime:
    """The showroom-local midnight that opens `month` (any day of it)."""
    return datetime(month.year, month.month, 1, tzinfo=showroom.zone)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def _latest_event_before(moment: datetime):
    """The outer lead's latest event before `moment` (a subquery: it carries the lead's grade and owner then)."""
    return LeadEvent.objects.filter(lead=OuterRef("pk"), at__lt=moment).order_by("-at", "-id")


def state_at(showroom: Showroom, moment: datetime) -> State:
    """(owner id, grade) -> open leads at `moment`, from each lead's latest event before it: the whole history,
    the reference the kept months are checked against (and the start of a month with no kept month before it)."""
    latest = _latest_event_before(moment)
    # No filter on Lead.created_at: a visit logged after midnight makes a lead whose history starts the day
    # before; a lead without events before `moment` has no grade then and drops out below.
    rows = (
        Lead.objects.filter(showroom=showroom)
        .annotate(grade_then=Subquery(latest.values("grade")[:1]), owner_then=Subquery(latest.values("owner")[:1]))
        .filter(grade_then__in=OPEN_GRADES)
        .values("owner_then", "grade_then")
        .annotate(n=Count("pk"))
    )
    return Counter({(row["owner_then"], row["grade_then"]): row["n"] for row in rows})


def _events_of(showroom: Showroom, start: datetime, end: datetime):
    return LeadEvent.objects.filter(lead__showroom=showroom, at__gte=start, at__lt=end)


def _moved(showroom: Showroom, start: datetime, end: datetime, at_start: State) -> State:
    """The state at `end`: `at_start` with every lead touched in [start, end) moved from where it was at `start`
    to where it is at `end` (1 query, grouped by the two places)."""
    before_start, before_end = _latest_event_before(start), _latest_event_before(end)
    rows = (
        Lead.objects.filter(pk__in=_events_of(showroom, start, end).values("lead"))
        .annotate(
            grade_from=Subquery(before_start.values("grade")[:1]),
            owner_from=Subquery(before_start.values("owner")[:1]),
            grade_to=Subquery(before_end.values("grade")[:1]),
            owner_to=Subquery(before_end.values("owner")[:1]),
        )
        .values("owner_from", "grade_from", "owner_to", "grade_to")
        .annotate(n=Count("pk"))
        .order_by()
    )
    at_end = Counter(at_start)
    for row in rows:
        if row["grade_from"] in OPEN_GRADES:
            at_end[(row["owner_from"], row["grade_from"])] -= row["n"]
        if row["grade_to"] in OPEN_GRADES:
            at_end[(row["owner_to"], row["grade_to"])] += row["n"]
    return +at_end  # drops the keys that went to zero


def _movements(showroom: Showroom, start: datetime, end: datetime) -> dict[int, dict[str, int]]:
    """Per owner: new, upgraded, downgraded, ordered and lost leads in [start, end) (2 queries)."""
    month_events = _events_of(showroom, start, end)
    kinds: dict[int, Counter] = defaultdict(Counter)
    for row in month_events.values("owner", "kind").annotate(n=Count("pk")).order_by():
        kinds[row["owner"]][row["kind"]] += row["n"]
    rank = Case(*[When(grade_before=g, then=Value(r)) for g, r in GRADE_RANK.items()], default=Value(0))
    rank_after = Case(*[When(grade_after=g, then=Value(r)) for g, r in GRADE_RANK.items()], default=Value(0))
    # A new lead's first contact has no grade before it: it counts as new (and ordered if it was a deal on the
    # spot), never as an upgrade.
    moved = Q(grade_before__in=OPEN_GRADES)
    contact_moves = (
        Contact.objects.filter(event__in=month_events)
        .annotate(before=rank, after=rank_after)
        .values("event__owner")
        .annotate(
            up=Count("pk", filter=moved & Q(after__gt=F("before")) & Q(grade_after__in=OPEN_GRADES)),
            down=Count("pk", filter=moved & Q(after__lt=F("before"))),
            # A delivery or callback after the order is O → O: ordered once, not again with each of them.
            ordered=Count("pk", filter=Q(grade_after="O") & ~Q(grade_before="O")),
        )
        .order_by()
    )
    moves = {row["event__owner"]: row for row in contact_moves}
    return {
        owner: {
            # A lost customer who comes back is new again for the month (the lead reopens with its history).
            "new": kinds[owner][LeadEvent.Kind.CREATED] + kinds[owner][LeadEvent.Kind.REOPENED],
            "upgraded": moves.get(owner, {}).get("up", 0),
            "downgraded": moves.get(owner, {}).get("down", 0),
            "ordered": moves.get(owner, {}).get("ordered", 0),
            "lost": kinds[owner][LeadEvent.Kind.LOST_APPROVED],
        }
        for owner in set(kinds) | set(moves)
    }


def _figures(at_start: State, movements: dict[int, dict[str, int]], at_end: State) -> dict[int, dict]:
    """The month's figures per owner id, in the shape GradeStatusMonth keeps."""
    owners = {owner for owner, _grade in at_start} | {owner for owner, _grade in at_end} | set(movements)
    return {
        owner: {
            "at_start": {g: at_start.get((owner, g), 0) for g in OPEN_GRADES},
            **{name: movements.get(owner, {}).get(name, 0) for name in MOVEMENTS},
            "at_end": {g: at_end.get((owner, g), 0) for g in OPEN_GRADES},
        }
        for owner in owners
    }


def _end_state(figures: dict[int, dict]) -> State:
    return Counter({(owner, g): n for owner, row in figures.items() for g, n in row["at_end"].items() if n})


def _compute(showroom: Showroom, month: date, *, before: dict[int, dict] | None) -> dict[int, dict]:
    """The month's figures, starting from `before` (the previous month's) or, without it, from the history."""
    start, end = month_start(showroom, month), month_start(showroom, next_month(month))
    at_start = _end_state(before) if before is not None else state_at(showroom, start)
    return _figures(at_start, _movements(showroom, start, end), _moved(showroom, start, end, at_start))


def _is_closed(showroom: Showroom, month: date) -> bool:
    return next_month(month) <= showroom_today(showroom)


def _stored(showroom: Showroom, month: date) -> dict[int, dict] | None:
    kept = GradeStatusMonth.objects.filter(showroom=showroom, month=month).values_list("rows", flat=True).first()
    return None if kept is None else {int(owner): row for owner, row in kept.items()}


def _kept(showroom: Showroom, month: date) -> dict[int, dict]:
    """A closed month's figures: the kept row, or computed now (from the previous month as kept, if it is) and
    kept. Only one month is computed: an earlier month not kept is not computed for it."""
    figures = _stored(showroom, month)
    if figures is not None:
        return figures
    figures = _compute(showroom, month, before=_stored(showroom, previous_month(month)))
    # Two first readers of a month compute the same figures; the second insert is dropped, not an error.
    GradeStatusMonth.objects.bulk_create(
        [GradeStatusMonth(showroom=showroom, month=month, rows=figures, computed_at=timezone.now())],
        ignore_conflicts=True,
    )
    return figures


def monthly_grade_status(*, showroom: Showroom, month: date, consultant: User | None = None) -> list[GradeStatusRow]:
    """The month's rows, one per consultant with leads or movements in it (only `consultant`'s when given)."""
    month = month.replace(day=1)
    if _is_closed(showroom, month):
        figures = _kept(showroom, month)
    else:  # the current month (or a later one): from the previous month, kept once it has closed
        before = previous_month(month)
        figures = _compute(showroom, month, before=_kept(showroom, before) if _is_closed(showroom, before) else None)
    consultants = User.objects.filter(pk__in=figures).order_by("last_name", "first_name")
    if consultant is not None:
        consultants = consultants.filter(pk=consultant.pk)
    return [GradeStatusRow(consultant=user, **figures[user.pk]) for user in consultants]


def grade_status_event_written(*, showroom: Showroom, at: datetime) -> None:
    """An event at `at` was just written: if its month has closed (a contact recorded late, with its real time),
    the kept months from that one on are no longer true and are dropped, to be computed again when read."""
    month = at.astimezone(showroom.zone).date().replace(day=1)
    if month < showroom_today(showroom).replace(day=1):
        GradeStatusMonth.objects.filter(showroom=showroom, month__gte=month).delete()


def grade_status_heal() -> int:
    """The nightly job: each showroom's last closed month computed again from the history and kept, replacing
    what was kept (a late event that raced a first reader, SQL by hand). Returns the number of showrooms done."""
    showrooms = list(Showroom.objects.order_by("pk"))
    for showroom in showrooms:
        month = previous_month(showroom_today(showroom).replace(day=1))
        with transaction.atomic():  # readers see the old row or the new one, never none
            GradeStatusMonth.objects.filter(showroom=showroom, month=month).delete()
            _kept(showroom, month)
    return len(showrooms)
