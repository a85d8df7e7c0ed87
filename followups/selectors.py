"""Reads for follow-ups: the consultant's Today list and the managers' overdue board, both over due leads."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import connections
from django.db.models import (
    Case,
    CharField,
    F,
    IntegerField,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)

from dealer_crm.core.models import Showroom, User
from leads.models import OPEN_GRADES, Lead, LeadStatus

from .models import Reminder

GRADE_ORDER = Case(*[When(grade=g, then=Value(i)) for i, g in enumerate(OPEN_GRADES)], output_field=IntegerField())


def due_leads_filter(user: User, *, today: date) -> QuerySet[Lead]:
    """The consultant's open leads due today or earlier, unordered: what the counts count. (A consultant's leads are
    their showroom's; naming it lets PostgreSQL read them off `lead_open_due`.)"""
    return Lead.objects.filter(
        showroom_id=user.showroom_id, owner=user, status=LeadStatus.OPEN, next_follow_up__lte=today
    )


def due_leads_for(user: User, *, today: date) -> QuerySet[Lead]:
    """The consultant's open leads due today or earlier: H first, then the most overdue first."""
    return (
        due_leads_filter(user, today=today)
        .select_related("owner")
        .prefetch_related("car_models")
        .annotate(grade_order=GRADE_ORDER)
        .order_by("grade_order", "next_follow_up", "pk")
    )


class CountOf(Subquery):
    """(SELECT COUNT(*) FROM (<query>)): a count as a column, so several counts share one SELECT."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()


def counts_in_one_query(querysets: dict, *, carrier: QuerySet, cap: int | None = None) -> dict:
    """How many rows each queryset has ({key: n}), in one SELECT on the one row of `carrier` (any one-row queryset:
    the user's or the showroom's own row is at hand); with `cap`, counting at most cap + 1 of each (a count above
    `cap` means "more than cap"), so the query reads a bounded number of rows whatever the data."""
    # Aliased apart from the carrier's own fields and relations (user.leads, say).
    aliases = {key: f"count_{n}" for n, key in enumerate(querysets)}
    counts = {
        aliases[key]: CountOf(queryset.order_by().values("pk")[: None if cap is None else cap + 1])
        for key, queryset in querysets.items()
    }
    row = carrier.annotate(**counts).values(*counts).get()
    return {key: row[alias] for key, alias in aliases.items()}


def rows_of_slices(querysets: list[QuerySet]) -> list:
    """The rows of several ordered, LIMITed querysets of one model: one UNION ALL where the database takes a LIMIT in
    each part (PostgreSQL), one query per part where it does not (SQLite)."""
    if len(querysets) > 1 and connections[querysets[0].db].features.supports_slicing_ordering_in_compound:
        return list(querysets[0].union(*querysets[1:], all=True))
    return [row for queryset in querysets for row in queryset]


@dataclass
class DueGroup:
    """One grade's block on Today: its first leads (at most TODAY_GROUP_LIMIT) and how many are due in all."""

    grade: str
    leads: list[Lead]
    total: int
    is_capped: bool  # more than LIST_COUNT_CAP are due: `total` is the cap

    @property
    def has_more(self) -> bool:
        return self.total > len(self.leads)


def due_lead_groups(user: User, *, today: date) -> list[DueGroup]:
    """Today's due leads per grade, H first, each the most overdue first: the first TODAY_GROUP_LIMIT of each with
    the grade's total. Two queries (and one for the models of interest) whatever the backlog: the totals capped at
    LIST_COUNT_CAP in one SELECT, and the shown rows as one UNION of a LIMITed range per grade (`lead_open_due`)."""
    limit, cap = settings.TODAY_GROUP_LIMIT, settings.LIST_COUNT_CAP
    due = due_leads_filter(user, today=today)
    totals = counts_in_one_query(
        {grade: due.filter(grade=grade) for grade in OPEN_GRADES}, carrier=User.objects.filter(pk=user.pk), cap=cap
    )
    grades = [grade for grade in OPEN_GRADES if totals[grade]]
    if not grades:
        return []
    per_grade = [due.filter(grade=grade).order_by("next_follow_up", "pk")[:limit] for grade in grades]
    leads = rows_of_slices(per_grade)
    prefetch_related_objects(leads, "car_models")
    by_grade: dict[str, list[Lead]] = {grade: [] for grade in grades}
    for lead in sorted(leads, key=lambda lead: (lead.next_follow_up, lead.pk)):
        by_grade[lead.grade].append(lead)
    return [
        DueGroup(grade=grade, leads=by_grade[grade], total=min(totals[grade], cap), is_capped=totals[grade] > cap)
        for grade in grades
    ]


def overdue_cutoffs(showroom: Showroom, *, today: date) -> dict[str, date]:
    """Per open grade, the due date before which a lead is seriously overdue (see `seriously_overdue`)."""
    cutoffs = {OPEN_GRADES[0]: today}
    for grade in OPEN_GRADES[1:]:
        cutoffs[grade] = today - timedelta(days=showroom.follow_up_days(grade))
    return cutoffs


def seriously_overdue(showroom: Showroom, *, today: date) -> Q:
    """What a manager must hear about: any overdue H lead, and any other lead overdue by more than its interval."""
    condition = Q()
    for grade, cutoff in overdue_cutoffs(showroom, today=today).items():
        condition |= Q(grade=grade, next_follow_up__lt=cutoff)
    return condition


@dataclass
class ConsultantOverdue:
    consultant: User
    overdue_h: int
    overdue_long: int
    leads: list[Lead] = field(default_factory=list)
    is_capped: bool = False  # a grade has more than LIST_COUNT_CAP: the counts are "at least"

    @property
    def has_more(self) -> bool:
        return self.overdue_h + self.overdue_long > len(self.leads)


def overdue_by_consultant(*, showroom: Showroom, today: date, with_leads: bool = False) -> list[ConsultantOverdue]:
    """Per consultant, the seriously overdue leads (see `seriously_overdue`), worst first. Three queries whatever
    the backlog: the showroom's staff; per consultant and grade, the count (capped at LIST_COUNT_CAP) in one
    SELECT; with `with_leads`, each one's first TODAY_GROUP_LIMIT leads as one UNION of a LIMITed index range per
    consultant and grade (`lead_open_due`)."""
    limit, cap = settings.TODAY_GROUP_LIMIT, settings.LIST_COUNT_CAP
    cutoffs = overdue_cutoffs(showroom, today=today)
    open_leads = Lead.objects.filter(showroom=showroom, status=LeadStatus.OPEN)
    # Everyone of the showroom, active or not: a departed consultant's forgotten leads are what the board is for.
    staff = list(User.objects.filter(showroom=showroom))
    overdue = {
        (user.pk, grade): open_leads.filter(owner_id=user.pk, grade=grade, next_follow_up__lt=cutoff)
        for user in staff
        for grade, cutoff in cutoffs.items()
    }
    counts = counts_in_one_query(overdue, carrier=Showroom.objects.filter(pk=showroom.pk), cap=cap)
    behind = [user for user in staff if any(counts[user.pk, grade] for grade in cutoffs)]
    leads_by_owner: dict[int, list[Lead]] = {user.pk: [] for user in behind}
    if with_leads and behind:
        # Each consultant's first `limit` in grade order (H first): the counts say how many each grade adds, so
        # each range reads only the rows shown, not `limit` of every grade.
        ranges = []
        for user in behind:
            room = limit
            for grade in cutoffs:
                take = min(counts[user.pk, grade], room)
                if take:
                    ranges.append(overdue[user.pk, grade].order_by("next_follow_up", "pk")[:take])
                    room -= take
        worst_first = sorted(
            rows_of_slices(ranges), key=lambda lead: (OPEN_GRADES.index(lead.grade), lead.next_follow_up, lead.pk)
        )
        for lead in worst_first:
            leads_by_owner[lead.owner_id].append(lead)
    h, *others = cutoffs
    rows = [
        ConsultantOverdue(
            consultant=user,
            overdue_h=min(counts[user.pk, h], cap),
            overdue_long=sum(min(counts[user.pk, grade], cap) for grade in others),
            leads=leads_by_owner[user.pk],
            is_capped=any(counts[user.pk, grade] > cap for grade in cutoffs),
        )
        for user in behind
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
