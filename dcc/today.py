"""The DCC desk on the Today list, through followups' registry (followups.today).

The consultant sees the online leads waiting for their first response first of all, each with a live countdown
to its deadline; the manager sees the inquiries whose deadline passed unanswered (escalation level 1 or 2), with
the consultant who holds them. Reception's list of the day's appointments (邀约到店) follows: a consultant's own
customers, the whole showroom for the manager; logging the customer's walk-in in the register marks one arrived.
"""

from datetime import date

from django.db.models import Exists, Q, QuerySet

from dealer_crm.core.models import Role, User
from followups.today import TodaySection
from leads.models import Appointment, Lead, LeadStatus

from .models import OnlineLead


def new_online_leads_filter(user: User, today: date) -> QuerySet:
    return Lead.objects.filter(owner=user, status=LeadStatus.OPEN, response_due_at__isnull=False)


def new_online_leads_for(user: User, today: date) -> QuerySet:
    return new_online_leads_filter(user, today).order_by("response_due_at", "pk")


def _is_manager(user: User) -> Exists:
    """The manager test inside the SQL, not user.role: the navigation counts every section in one SELECT."""
    return Exists(User.groups.through.objects.filter(user_id=user.pk, group__name=Role.MANAGER.value))


def overdue_online_leads_filter(user: User, today: date) -> QuerySet:
    return OnlineLead.objects.filter(
        _is_manager(user),
        Q(lead__status=LeadStatus.OPEN, lead__response_due_at__isnull=False),
        showroom_id=user.showroom_id,
        escalation_level__gte=1,
    )


def overdue_online_leads_for(user: User, today: date) -> QuerySet:
    return (
        overdue_online_leads_filter(user, today)
        .select_related("lead__owner", "source")
        .order_by("-escalation_level", "response_due_at", "pk")
    )


NEW_ONLINE_LEADS = TodaySection(
    key="online_new",
    due=new_online_leads_filter,
    items=new_online_leads_for,
    template="dcc/today_new_online_leads.html",
    digest_template="dcc/email/new_online_leads_digest.txt",
    order=-10,  # before the due leads: an online customer waits minutes, a follow-up waits days
)

OVERDUE_ONLINE_LEADS = TodaySection(
    key="online_overdue",
    due=overdue_online_leads_filter,
    items=overdue_online_leads_for,
    template="dcc/today_overdue_online_leads.html",
    digest_template="dcc/email/overdue_online_leads_digest.txt",
    order=-5,
)


def todays_appointments_filter(user: User, today: date) -> QuerySet:
    return Appointment.objects.filter(
        Q(lead__owner=user) | _is_manager(user), showroom_id=user.showroom_id, day=today, state=Appointment.State.BOOKED
    )


def todays_appointments_for(user: User, today: date) -> QuerySet:
    return todays_appointments_filter(user, today).select_related("lead__owner").order_by("starts_at", "pk")


TODAYS_APPOINTMENTS = TodaySection(
    key="appointments",
    due=todays_appointments_filter,
    items=todays_appointments_for,
    template="dcc/today_appointments.html",
    digest_template="dcc/email/appointments_digest.txt",
    order=-1,  # after the online leads, before the due follow-ups: these customers are on their way
)
