"""Reads of intent leads: scope, the tracker, the timeline, the lost-lead analysis (the monthly grade status is
leads.grade_status)."""

from datetime import date, datetime, time, timedelta

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth

from dealer_crm.core.access import scoped_by_role
from dealer_crm.core.models import Showroom, User

from ..models import Lead, LeadEvent, LeadStatus, LostRequest, OwnershipClash


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
