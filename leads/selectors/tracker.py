"""Reads of intent leads: scope, the tracker, the timeline, the monthly grade status, the lost-lead analysis."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import TruncMonth

from dealer_crm.core.access import scoped_by_role
from dealer_crm.core.models import Showroom, User

from ..models import GRADE_RANK, OPEN_GRADES, Contact, Lead, LeadEvent, LeadStatus, LostRequest, OwnershipClash


def leads_visible_to(user: User) -> QuerySet[Lead]:
    """Consultants see their own leads; managers (and the dealer group, read-only) their showroom's."""
    return scoped_by_role(Lead.objects.all(), user, own=Q(owner=user))


def can_edit_lead(user: User, lead: Lead) -> bool:
    return lead.showroom_id == user.showroom_id and (lead.owner_id == user.pk or user.manages_showroom)


def tracker_rows(queryset: QuerySet[Lead], *, today: date) -> QuerySet[Lead]:
    """Open leads, overdue ones first (oldest due date first), then by due date; with what the list shows.

    Ordered by the due date alone (overdue is "due before today", so they come first anyway; undated ones last), in
    the order of the `lead_open_due*` indexes: the page reads its 25 rows off an index instead of sorting every
    open lead, and a pending lost request is an EXISTS per shown row, not a count grouped over all of them."""
    return (
        queryset.filter(status=LeadStatus.OPEN)
        .select_related("owner", "district")
        .prefetch_related("car_models")
        .annotate(
            is_overdue=Case(
                When(next_follow_up__lt=today, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
            pending_lost=Exists(LostRequest.objects.filter(lead=OuterRef("pk"), state=LostRequest.State.PENDING)),
        )
        .order_by(F("next_follow_up").asc(nulls_last=True), "-grade", "pk")
    )


def lead_timeline(lead: Lead) -> QuerySet[LeadEvent]:
    """Everything that happened to the lead, oldest first: visits, contacts, grade changes, reassignments."""
    return lead.events.select_related("by", "owner", "contact", "contact__model_driven", "visit")


def pending_lost_requests(user: User) -> QuerySet[LostRequest]:
    return LostRequest.objects.filter(
        lead__showroom_id=user.showroom_id, state=LostRequest.State.PENDING
    ).select_related("lead", "lead__owner", "requested_by")


def open_clashes(user: User) -> QuerySet[OwnershipClash]:
    return OwnershipClash.objects.filter(lead__showroom_id=user.showroom_id, resolved_at__isnull=True).select_related(
        "lead", "lead__owner", "met_by", "visit"
    )


# --- 月份意向客户级别状况表 -----------------------------------------------------------------------------------


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


def _state_at(showroom: Showroom, moment: datetime) -> dict[tuple[int, str], int]:
    """(owner id, grade) -> number of open leads at `moment`, from each lead's latest event before it."""
    latest = LeadEvent.objects.filter(lead=OuterRef("pk"), at__lt=moment).order_by("-at", "-id")
    # No filter on Lead.created_at: a visit logged after midnight makes a lead whose history starts the day
    # before; a lead without events before `moment` has no grade then and drops out below.
    rows = (
        Lead.objects.filter(showroom=showroom)
        .annotate(grade_then=Subquery(latest.values("grade")[:1]), owner_then=Subquery(latest.values("owner")[:1]))
        .filter(grade_then__in=OPEN_GRADES)
        .values("owner_then", "grade_then")
        .annotate(n=Count("pk"))
    )
    return {(row["owner_then"], row["grade_then"]): row["n"] for row in rows}


def monthly_grade_status(*, showroom: Showroom, month: date, consultant: User | None = None) -> list[GradeStatusRow]:
    """Per consultant: open leads in each grade at the start of the month, new, upgraded, downgraded,
    ordered and lost during it, and in each grade at the end. Computed from the history alone, so a past
    month reads the same whatever happened after it."""
    zone = showroom.zone
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    end = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=zone)
    at_start, at_end = _state_at(showroom, start), _state_at(showroom, end)

    rank = Case(*[When(**{"grade_before": g}, then=Value(r)) for g, r in GRADE_RANK.items()], default=Value(0))
    rank_after = Case(*[When(**{"grade_after": g}, then=Value(r)) for g, r in GRADE_RANK.items()], default=Value(0))
    month_events = LeadEvent.objects.filter(lead__showroom=showroom, at__gte=start, at__lt=end)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in month_events.values("owner", "kind").annotate(n=Count("pk")):
        counts[row["owner"]][row["kind"]] += row["n"]
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
    )
    for row in contact_moves:
        counts[row["event__owner"]]["up"] += row["up"]
        counts[row["event__owner"]]["down"] += row["down"]
        counts[row["event__owner"]]["ordered"] += row["ordered"]

    owner_ids = {owner for owner, _ in at_start} | {owner for owner, _ in at_end} | set(counts)
    consultants = User.objects.filter(pk__in=owner_ids).order_by("last_name", "first_name")
    if consultant is not None:
        consultants = consultants.filter(pk=consultant.pk)
    return [
        GradeStatusRow(
            consultant=user,
            at_start={g: at_start.get((user.pk, g), 0) for g in OPEN_GRADES},
            # A lost customer who comes back is new again for the month (the lead reopens with its history).
            new=counts[user.pk][LeadEvent.Kind.CREATED] + counts[user.pk][LeadEvent.Kind.REOPENED],
            upgraded=counts[user.pk]["up"],
            downgraded=counts[user.pk]["down"],
            ordered=counts[user.pk]["ordered"],
            lost=counts[user.pk][LeadEvent.Kind.LOST_APPROVED],
            at_end={g: at_end.get((user.pk, g), 0) for g in OPEN_GRADES},
        )
        for user in consultants
    ]


# --- 意向客户流失分析表 -----------------------------------------------------------------------------------------


def lost_analysis(*, showroom: Showroom, start: date, end: date, owner: User | None = None) -> dict[str, list[dict]]:
    """Approved lost leads decided in [start, end], grouped by reason, competitor brand, consultant,
    channel and month; one aggregate query per grouping. With `owner`, only that consultant's leads."""
    zone = showroom.zone
    approved = LostRequest.objects.filter(
        lead__showroom=showroom,
        state=LostRequest.State.APPROVED,
        decided_at__gte=datetime(start.year, start.month, start.day, tzinfo=zone),
        decided_at__lt=datetime.combine(end + timedelta(days=1), time(), tzinfo=zone),
    )
    if owner is not None:
        approved = approved.filter(lead__owner=owner)
    return {
        "by_reason": list(approved.values("reason").annotate(n=Count("pk")).order_by("-n", "reason")),
        "by_competitor": list(
            approved.exclude(competitor_brand="")
            .values("competitor_brand")
            .annotate(n=Count("pk"))
            .order_by("-n", "competitor_brand")
        ),
        "by_consultant": list(
            # The lead's consultant, whoever filed the request (a closed lead is not reassigned any more).
            approved.values("lead__owner", "lead__owner__last_name", "lead__owner__first_name")
            .annotate(n=Count("pk"))
            .order_by("-n", "lead__owner")
        ),
        "by_channel": list(approved.values("lead__channel").annotate(n=Count("pk")).order_by("-n", "lead__channel")),
        "by_month": list(
            approved.annotate(month=TruncMonth("decided_at", tzinfo=zone))
            .values("month")
            .annotate(n=Count("pk"))
            .order_by("month")
        ),
    }
