"""Reads for follow-ups: the consultant's Today list and the managers' overdue board, both over due leads."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Case, CharField, Count, F, IntegerField, Q, QuerySet, Value, When

from dealer_crm.core.models import Showroom, User
from leads.models import OPEN_GRADES, Lead, LeadStatus

from .models import Reminder

GRADE_ORDER = Case(*[When(grade=g, then=Value(i)) for i, g in enumerate(OPEN_GRADES)], output_field=IntegerField())


def due_leads_filter(user: User, *, today: date) -> QuerySet[Lead]:
    """The consultant's open leads due today or earlier, unordered: what the counts count."""
    return Lead.objects.filter(owner=user, status=LeadStatus.OPEN, next_follow_up__lte=today)


def due_leads_for(user: User, *, today: date) -> QuerySet[Lead]:
    """The consultant's open leads due today or earlier: H first, then the most overdue first."""
    return (
        due_leads_filter(user, today=today)
        .select_related("owner")
        .prefetch_related("car_models")
        .annotate(grade_order=GRADE_ORDER)
        .order_by("grade_order", "next_follow_up", "pk")
    )


def due_count_for(user: User, *, today: date) -> int:
    return due_leads_filter(user, today=today).count()


def seriously_overdue(showroom: Showroom, *, today: date) -> Q:
    """What a manager must hear about: any overdue H lead, and any other lead overdue by more than its interval."""
    condition = Q(grade="H", next_follow_up__lt=today)
    for grade in OPEN_GRADES[1:]:
        interval = showroom.follow_up_days(grade)
        condition |= Q(grade=grade, next_follow_up__lt=today - timedelta(days=interval))
    return condition


@dataclass
class ConsultantOverdue:
    consultant: User
    overdue_h: int
    overdue_long: int
    leads: list[Lead] = field(default_factory=list)


def overdue_by_consultant(*, showroom: Showroom, today: date, with_leads: bool = False) -> list[ConsultantOverdue]:
    """Per consultant, the seriously overdue leads (see `seriously_overdue`), worst first; one aggregate query
    (and one more for the leads themselves when the board lists them)."""
    overdue = Lead.objects.filter(showroom=showroom, status=LeadStatus.OPEN).filter(
        seriously_overdue(showroom, today=today)
    )
    counts = {
        row["owner"]: row
        for row in overdue.values("owner").annotate(
            overdue_h=Count("pk", filter=Q(grade="H")), overdue_long=Count("pk", filter=~Q(grade="H"))
        )
    }
    if not counts:
        return []
    leads_by_owner: dict[int, list[Lead]] = {}
    if with_leads:
        for lead in overdue.annotate(grade_order=GRADE_ORDER).order_by("grade_order", "next_follow_up"):
            leads_by_owner.setdefault(lead.owner_id, []).append(lead)
    consultants = User.objects.filter(pk__in=counts)
    rows = [
        ConsultantOverdue(
            consultant=user,
            overdue_h=counts[user.pk]["overdue_h"],
            overdue_long=counts[user.pk]["overdue_long"],
            leads=leads_by_owner.get(user.pk, []),
        )
        for user in consultants
    ]
    return sorted(rows, key=lambda row: (-row.overdue_h, -row.overdue_long, str(row.consultant)))


class ReminderState:
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


def reminders_with_state(reminders: QuerySet[Reminder] | None = None) -> QuerySet[Reminder]:
    """Reminders (all, or those of `reminders`) with their state, derived from the lead rather than stored, so it
    can never disagree with it: cancelled once the lead is closed (ordered or lost), done once a contact moved
    the lead's due date past the reminder's, open while the lead is still due on that date."""
    reminders = Reminder.objects.all() if reminders is None else reminders
    return reminders.select_related("lead", "consultant").annotate(
        state=Case(
            When(~Q(lead__status=LeadStatus.OPEN), then=Value(ReminderState.CANCELLED)),
            When(lead__next_follow_up=F("due_date"), then=Value(ReminderState.OPEN)),
            default=Value(ReminderState.DONE),
            output_field=CharField(),
        )
    )
