"""Reads only the Excel exports need: rows streamed from the database for the long sheets, and the per-consultant
figures of the month. The summary sheets read reports.analytics.selectors and leads.selectors.tracker themselves,
so a number in the workbook is the number on the dashboard.

Every function here is one query (or a fixed few), whatever the number of rows; the long ones return a lazy
`.values_list(..., named=True)` that the workbook iterates with `.iterator(chunk_size=...)`, so a month of a
hundred thousand register entries never sits in memory at once. Named rows are tuples whose fields the workbook's
columns read by name (their field names are the lookups, e.g. row.lead__phone), at a tuple's cost per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.models import Showroom, User
from leads.models import Contact, ContactKind, Lead, LeadEvent, LeadStatus, LostRequest, Visit
from leads.selectors.register import register_as_signed

from ..analytics.selectors import Column, Figure, Scope, _visits, contact_rollups, local_midnight, total

CHUNK = 2000  # rows fetched per round trip (a server-side cursor on PostgreSQL)


def person_name(last: str | None, first: str | None, username: str | None) -> str:
    """A staff member's name as User.__str__ gives it, from a values row: family name first, else the login."""
    return f"{last or ''}{first or ''}".strip() or (username or "")


def staff_names(showroom: Showroom) -> dict[int, str]:
    """Every staff member of the showroom by id (a handful of rows): for rows that carry only an owner's id."""
    return {
        pk: person_name(last, first, username)
        for pk, last, first, username in User.objects.filter(showroom=showroom).values_list(
            "pk", "last_name", "first_name", "username"
        )
    }


# --- The visitor register ---------------------------------------------------------------------------------------

REGISTER_FIELDS = (
    "visit_date",
    "number",
    "kind",
    "customer_name",
    "gender",
    "phone",
    "district__name",
    "address",
    "car_model__brand",
    "car_model__name",
    "source__name_zh",
    "source__name_en",
    "arrived_at",
    "left_at",
    "party_size",
    "grade",
    "summary",
    "consultant__last_name",
    "consultant__first_name",
    "consultant__username",
    "remarks",
    "consultant_id",
    "late",
)


def register_export_rows(queryset: QuerySet[Visit]) -> QuerySet:
    """The register's columns as named rows (REGISTER_FIELDS), in one query with its joins; the caller keeps the
    queryset's filters and order."""
    return queryset.values_list(*REGISTER_FIELDS, named=True)


def month_register(*, showroom: Showroom, start: date, end: date, consultant: User | None = None) -> QuerySet[Visit]:
    """The month's register entries in the paper sheet's order, by day, then running number: a signed-off day's
    as signed plus its approved late entries, any other day's not deleted
    (leads.selectors.register.register_as_signed)."""
    visits = register_as_signed(showroom=showroom, start=start, end=end)
    if consultant is not None:
        visits = visits.filter(consultant=consultant)
    return visits.order_by("visit_date", "number")


# --- Per consultant, the month (顾问业绩) -------------------------------------------------------------------------


def consultant_performance(scope: Scope) -> Figure:
    """Per consultant over the scope's days: register entries received, how many left a phone and that share,
    the leads opened, test drives, orders, deliveries, and the closing rate (orders / leads opened). 3 queries.

    The counts are the daily sales report's lines (selectors.daily_report_figures) added up over the days — the
    same rules: a lead is opened by a contact with no grade before it; an order is a contact that moves a lead to
    O (a delivery or callback on an ordered lead is not another order); a test drive or delivery is a contact of
    that kind — so the month's sheet and the month's daily reports agree to the unit.
    """
    visits = {
        row["consultant"]: row
        for row in _visits(scope)
        .values("consultant")
        .annotate(visitors=Count("pk"), with_phone=Count("pk", filter=Q(no_phone=False)))
        .order_by()
    }
    # The contacts' lines from their day rollups (the daily report's own, see leads.rollups).
    contacts = contact_rollups(showroom=scope.showroom, start=scope.start, end=scope.end, consultant=scope.consultant)
    activity = {
        row["consultant"]: row
        for row in contacts.values("consultant")
        .annotate(
            leads=total("opened"),
            test_drives=total(f"kind_{ContactKind.TEST_DRIVE}"),
            orders=total("ordered"),
            deliveries=total(f"kind_{ContactKind.DELIVERY}"),
        )
        .order_by()
    }
    people = User.objects.filter(pk__in={*visits, *activity}).order_by("last_name", "first_name", "username")
    rows = []
    for user in people:
        seen = visits.get(user.pk, {"visitors": 0, "with_phone": 0})
        done = activity.get(user.pk, {"leads": 0, "test_drives": 0, "orders": 0, "deliveries": 0})
        rows.append(
            (
                str(user),
                [
                    seen["visitors"],
                    seen["with_phone"],
                    _ratio(seen["with_phone"], seen["visitors"]),
                    done["leads"],
                    done["test_drives"],
                    done["orders"],
                    done["deliveries"],
                    _ratio(done["orders"], done["leads"]),
                ],
            )
        )
    return Figure("consultant_performance", _("Consultant"), PERFORMANCE_COLUMNS, rows)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


PERFORMANCE_COLUMNS = [
    Column("visitors", _("Visitors")),
    Column("with_phone", _("Left a phone")),
    Column("phone_rate", _("Phone-left rate"), percent=True),
    Column("leads", _("Leads")),
    Column("test_drives", _("Test drives")),
    Column("orders", _("Orders")),
    Column("deliveries", _("Deliveries")),
    Column("closing_rate", _("Closing rate"), percent=True),
]


# --- The lead tracker over a month (意向客户进度管控表) --------------------------------------------------------------


@dataclass(frozen=True)
class Month:
    showroom: Showroom
    start: date  # the first day
    end: date  # the last day

    @property
    def start_at(self) -> datetime:
        return local_midnight(self.showroom, self.start)

    @property
    def end_at(self) -> datetime:
        """Midnight after the last day."""
        return local_midnight(self.showroom, date.fromordinal(self.end.toordinal() + 1))


TRACKER_FIELDS = (
    "pk",
    "customer_name",
    "phone",
    "channel",
    "opened_at",
    "grade_start",
    "grade_end",
    "status_end",
    "owner_end",
    "contacts_in_month",
    "last_contact",
    "next_follow_up",
    "expected_purchase_date",
    "status",
)


def _tracker_month(month: Month, consultant: User | None) -> QuerySet[Lead]:
    start, end = month.start_at, month.end_at

    def latest_before(moment: datetime) -> QuerySet[LeadEvent]:
        return LeadEvent.objects.filter(lead=OuterRef("pk"), at__lt=moment).order_by("-at", "-id")

    in_month = Contact.objects.filter(lead=OuterRef("pk"), occurred_at__gte=start, occurred_at__lt=end)
    leads = (
        Lead.objects.filter(showroom=month.showroom)
        .annotate(
            status_start=Subquery(latest_before(start).values("status")[:1]),
            grade_start=Subquery(latest_before(start).values("grade")[:1]),
            status_end=Subquery(latest_before(end).values("status")[:1]),
            grade_end=Subquery(latest_before(end).values("grade")[:1]),
            owner_end=Subquery(latest_before(end).values("owner")[:1]),
            # When the history begins (dated like the visit that made the lead, not when it was typed in).
            opened_at=Subquery(LeadEvent.objects.filter(lead=OuterRef("pk")).order_by("at", "id").values("at")[:1]),
            active=Exists(LeadEvent.objects.filter(lead=OuterRef("pk"), at__gte=start, at__lt=end)),
            contacts_in_month=Coalesce(
                Subquery(in_month.order_by().values("lead").annotate(n=Count("pk")).values("n")[:1]), 0
            ),
            last_contact=Subquery(
                Contact.objects.filter(lead=OuterRef("pk"), occurred_at__lt=end)
                .order_by()
                .values("lead")
                .annotate(last=Max("occurred_at"))
                .values("last")[:1]
            ),
        )
        # Open at some moment of the month: open when it began, or moved during it (created, contacted, closed).
        .filter(Q(status_start=LeadStatus.OPEN) | Q(active=True))
    )
    if consultant is not None:
        leads = leads.filter(owner_end=consultant.pk)
    return leads


def tracker_month_rows(month: Month, *, consultant: User | None = None) -> QuerySet:
    """Every lead that was open at some moment of the month, with its grade when the month began and ended and
    its owner then (from the lead's history, so a past month reads the same whatever happened since), its
    contacts in the month and the latest before its end. One query; by owner, then oldest lead first."""
    return (
        _tracker_month(month, consultant)
        .values_list(*TRACKER_FIELDS, named=True)
        .order_by("owner_end", "opened_at", "pk")
    )


def tracker_month_models(month: Month, *, consultant: User | None = None) -> dict[int, str]:
    """The models of interest of those leads, by lead id ("丰田 凯美瑞, 本田 雅阁"). One query; as many entries as
    the month's tracker has leads (the tracker, not the register: thousands, not hundreds of thousands)."""
    through = Lead.car_models.through
    models: dict[int, list[str]] = {}
    for lead_id, brand, name in (
        through.objects.filter(lead__in=_tracker_month(month, consultant).values("pk"))
        .values_list("lead_id", "carmodel__brand", "carmodel__name")
        .order_by("lead_id", "carmodel__brand", "carmodel__name")
    ):
        models.setdefault(lead_id, []).append(f"{brand} {name}")
    return {lead_id: ", ".join(names) for lead_id, names in models.items()}


def tracker_list_models(leads: QuerySet[Lead]) -> dict[int, str]:
    """The models of interest of a list's leads, by lead id: one query for the whole list."""
    through = Lead.car_models.through
    models: dict[int, list[str]] = {}
    for lead_id, brand, name in (
        through.objects.filter(lead__in=leads.values("pk"))
        .values_list("lead_id", "carmodel__brand", "carmodel__name")
        .order_by("lead_id", "carmodel__brand", "carmodel__name")
    ):
        models.setdefault(lead_id, []).append(f"{brand} {name}")
    return {lead_id: ", ".join(names) for lead_id, names in models.items()}


# --- The daily report's lines over a month (营业活动访问日报表) ---------------------------------------------------

CONTACT_FIELDS = (
    "contact_date",
    "occurred_at",
    "consultant__last_name",
    "consultant__first_name",
    "consultant__username",
    "lead__customer_name",
    "lead__phone",
    "kind",
    "summary",
    "grade_before",
    "grade_after",
    "next_follow_up",
)


def month_contacts(month: Month, *, consultant: User | None = None) -> QuerySet:
    """Every contact of the month by its local day (the daily report's day), per consultant, in time order."""
    contacts = Contact.objects.filter(showroom=month.showroom, contact_date__range=(month.start, month.end))
    if consultant is not None:
        contacts = contacts.filter(consultant=consultant)
    return contacts.order_by("contact_date", "consultant", "occurred_at", "pk").values_list(*CONTACT_FIELDS, named=True)


# --- Lost leads of the month ---------------------------------------------------------------------------------------

LOST_FIELDS = (
    "decided_at",
    "lead__customer_name",
    "lead__phone",
    "lead__owner__last_name",
    "lead__owner__first_name",
    "lead__owner__username",
    "lead__channel",
    "reason",
    "competitor_brand",
    "competitor_model",
    "note",
    "decided_by__last_name",
    "decided_by__first_name",
    "decided_by__username",
)


def lost_leads(*, showroom: Showroom, start_at: datetime, end_at: datetime, owner: User | None = None) -> QuerySet:
    """Approved lost-lead requests decided in [start_at, end_at): the rows behind lost_analysis's groupings."""
    approved = LostRequest.objects.filter(
        lead__showroom=showroom,
        state=LostRequest.State.APPROVED,
        decided_at__gte=start_at,
        decided_at__lt=end_at,
    )
    if owner is not None:
        approved = approved.filter(lead__owner=owner)
    return approved.order_by("decided_at", "pk").values_list(*LOST_FIELDS, named=True)


# --- Deliveries and callbacks of the month ---------------------------------------------------------------------------


def month_deliveries(month: Month, *, consultant: User | None = None) -> QuerySet:
    """Deliveries booked for the month (not cancelled), in time order; a consultant's: their customers' and the
    ones they hand over (as delivery.selectors.deliveries_visible_to scopes them)."""
    from delivery.models import Delivery
    from delivery.selectors import deliveries_visible_to

    deliveries = deliveries_visible_to(consultant) if consultant is not None else Delivery.objects.all()
    return (
        deliveries.filter(showroom=month.showroom, starts_at__gte=month.start_at, starts_at__lt=month.end_at)
        .exclude(status=Delivery.Status.CANCELLED)
        .order_by("starts_at", "pk")
        .values_list(
            "starts_at",
            "contract__number",
            "contract__lead__customer_name",
            "contract__lead__phone",
            "contract__car_model__brand",
            "contract__car_model__name",
            "contract__consultant__last_name",
            "contract__consultant__first_name",
            "contract__consultant__username",
            "service_advisor",
            "status",
            "delivered_on",
            named=True,
        )
    )


def month_callbacks(month: Month, *, consultant: User | None = None) -> QuerySet:
    """Callbacks due in the month, or done in it, in due-date order (callback_rows' order)."""
    from delivery.models import Callback
    from delivery.selectors import callbacks_visible_to

    callbacks = callbacks_visible_to(consultant) if consultant is not None else Callback.objects.all()
    return (
        callbacks.filter(showroom=month.showroom)
        .filter(Q(due_date__range=(month.start, month.end)) | Q(done_at__gte=month.start_at, done_at__lt=month.end_at))
        .order_by("due_date", "step", "pk")
        .values_list(
            "due_date",
            "step",
            "delivery__contract__lead__customer_name",
            "delivery__contract__lead__phone",
            "delivery__contract__car_model__brand",
            "delivery__contract__car_model__name",
            "consultant__last_name",
            "consultant__first_name",
            "consultant__username",
            "status",
            "done_at",
            "reached",
            "satisfaction",
            "has_complaint",
            "remarks",
            named=True,
        )
    )


# --- How big a month is ----------------------------------------------------------------------------------------------


def month_row_estimate(month: Month, *, consultant: User | None = None) -> int:
    """The rows of the month's long sheets (register entries and contacts), in one query: decides whether the
    workbook is built in the request or in the background, and is the progress bar's 100 %."""
    visits = month_register(showroom=month.showroom, start=month.start, end=month.end, consultant=consultant)
    contacts = Contact.objects.filter(showroom=month.showroom, contact_date__range=(month.start, month.end))
    if consultant is not None:
        contacts = contacts.filter(consultant=consultant)
    visits_count = visits.order_by().values("showroom").annotate(n=Count("pk")).values("n")[:1]
    contacts_count = contacts.order_by().values("showroom").annotate(n=Count("pk")).values("n")[:1]
    counted = (
        Showroom.objects.filter(pk=month.showroom.pk)
        .annotate(n_visits=Coalesce(Subquery(visits_count), 0), n_contacts=Coalesce(Subquery(contacts_count), 0))
        .values_list("n_visits", "n_contacts")
        .get()
    )
    return sum(counted)
