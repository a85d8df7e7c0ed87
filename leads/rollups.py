"""The day rollups (VisitDayRollup, ContactDayRollup, FunnelDayRollup): the register's and the contacts' counts
per showroom, showroom-local day and consultant, and what became of the leads each day's entries opened, which the
reports add up instead of reading the raw history.

Every rollup row is recomputed from the raw rows, never incremented: the services that write a visit, a contact or
a lead's status call `visit_rollup_refresh` / `contact_rollup_refresh` / `lead_funnel_refresh` for the keys they
touched, in their own transaction, so the row moves with the write or not at all, and a wrong row is put right by
the next write of its key (an increment would carry an error forward for ever). A refresh first takes the row's
lock (an upsert of an empty row), so two transactions writing the same key queue there, and the second one's
recount, a new statement under READ COMMITTED, sees the first one's committed rows. `rollups_rebuild` recomputes a
whole range set-based: one DELETE and one INSERT … SELECT … GROUP BY per table and showroom (the command, the
nightly job, the bulk loaders).
"""

from __future__ import annotations

from datetime import date, time, timedelta

from django.db import connection, transaction
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncTime

from dealer_crm.core.clock import showroom_today
from dealer_crm.core.models import Showroom

from .models import (
    Contact,
    ContactDayRollup,
    ContactKind,
    FunnelDayRollup,
    Lead,
    LeadStatus,
    Visit,
    VisitDayRollup,
    VisitKind,
)

# (first hour, last hour + 1) of each slot of the automaker's traffic form, by the local arrival time; arrivals
# before the first slot or from the last slot's end fall in the "other" slot (analytics.selectors.traffic_by_slot).
TIME_SLOTS = [(8, 10), (10, 12), (12, 14), (14, 16), (16, 18), (18, 20)]
OTHER_SLOT = len(TIME_SLOTS)
KEY = ["showroom", "day", "consultant"]


def arrival_slot(showroom: Showroom) -> Case:
    """The slot index of an entry's local arrival time. Thresholds in order: one cheap comparison per branch."""
    return Case(
        When(local_time__lt=time(TIME_SLOTS[0][0]), then=Value(OTHER_SLOT)),
        *[When(local_time__lt=time(end), then=Value(index)) for index, (_start, end) in enumerate(TIME_SLOTS)],
        default=Value(OTHER_SLOT),
        output_field=IntegerField(),
    )


def _visit_counts(showroom: Showroom, start: date, end: date, consultant_id: int | None) -> QuerySet:
    visits = Visit.objects.live().filter(showroom=showroom, visit_date__range=(start, end))
    if consultant_id is not None:
        visits = visits.filter(consultant_id=consultant_id)
    walk_in = Q(kind=VisitKind.WALK_IN)
    slots = {f"slot_{index}": Count("pk", filter=walk_in & Q(slot=index)) for index in range(OTHER_SLOT + 1)}
    return (
        visits.annotate(local_time=TruncTime("arrived_at", tzinfo=showroom.zone))
        .annotate(slot=arrival_slot(showroom))
        .values("showroom", "visit_date", "consultant")
        .annotate(
            walk_ins=Count("pk", filter=walk_in),
            calls=Count("pk", filter=Q(kind=VisitKind.CALL)),
            no_phone=Count("pk", filter=Q(no_phone=True)),
            **slots,
        )
        .order_by()
    )


def _contact_counts(showroom: Showroom, start: date, end: date, consultant_id: int | None) -> QuerySet:
    contacts = Contact.objects.filter(showroom=showroom, contact_date__range=(start, end))
    if consultant_id is not None:
        contacts = contacts.filter(consultant_id=consultant_id)
    return (
        contacts.values("showroom", "contact_date", "consultant")
        .annotate(
            contacts=Count("pk"),
            opened=Count("pk", filter=Q(grade_before="")),
            # A contact on a lead already at O (a delivery, a callback) is not another order.
            ordered=Count("pk", filter=Q(grade_after="O") & ~Q(grade_before="O")),
            **{f"kind_{kind}": Count("pk", filter=Q(kind=kind)) for kind in ContactKind.values},
        )
        .order_by()
    )


def openings(visits: QuerySet[Visit]) -> QuerySet[Visit]:
    """The entries among `visits` that opened a lead (their contact has no grade before it), each with what became
    of that lead since the opening day: its showroom visits (`showroom_visits`), whether it had a test drive
    (`has_test_drive`) and a delivery (`has_delivery`). Contacts before the opening are a reopened lead's earlier
    life and do not count. One correlated lookup per opening, through the contacts' lead index."""

    def since_opening(kind: str) -> QuerySet[Contact]:
        return Contact.objects.filter(
            lead=OuterRef("contact__lead"),
            showroom=OuterRef("showroom"),
            contact_date__gte=OuterRef("visit_date"),
            kind=kind,
        )

    showroom_visits = since_opening(ContactKind.SHOWROOM_VISIT).order_by().values("lead").annotate(n=Count("pk"))
    return visits.filter(contact__grade_before="").annotate(
        showroom_visits=Coalesce(Subquery(showroom_visits.values("n")), 0),
        has_test_drive=Exists(since_opening(ContactKind.TEST_DRIVE)),
        has_delivery=Exists(since_opening(ContactKind.DELIVERY)),
    )


# The funnel's measures over openings() (FunnelDayRollup's columns).
FUNNEL_MEASURES = {
    "opened": Count("pk"),
    "came_back": Count("pk", filter=Q(showroom_visits__gte=2)),
    "test_driven": Count("pk", filter=Q(has_test_drive=True)),
    "ordered": Count("pk", filter=Q(contact__lead__status=LeadStatus.ORDERED)),
    "delivered": Count("pk", filter=Q(has_delivery=True)),
}


def _funnel_counts(showroom: Showroom, start: date, end: date, consultant_id: int | None) -> QuerySet:
    visits = Visit.objects.live().filter(showroom=showroom, visit_date__range=(start, end))
    if consultant_id is not None:
        visits = visits.filter(consultant_id=consultant_id)
    return openings(visits).values("showroom", "visit_date", "consultant").annotate(**FUNNEL_MEASURES).order_by()


TABLES = [(VisitDayRollup, _visit_counts), (ContactDayRollup, _contact_counts), (FunnelDayRollup, _funnel_counts)]


def _recount(model, counts: QuerySet) -> None:
    """INSERT … SELECT the grouped counts into the rollup table, updating a row a concurrent writer put there."""
    sql, params = counts.query.get_compiler(connection=connection).as_sql()
    fields = [model._meta.get_field(name) for name in [*KEY, *counts.query.annotation_select]]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    key = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in KEY)
    updates = ", ".join(
        f"{connection.ops.quote_name(field.column)} = EXCLUDED.{connection.ops.quote_name(field.column)}"
        for field in fields[len(KEY) :]
    )
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) {sql} ON CONFLICT ({key}) DO UPDATE SET {updates}",  # noqa: S608
            params,
        )


def _refresh(model, counts, *, showroom: Showroom, day: date, consultant_id: int) -> None:
    # Take the row's lock first (see the module's docstring), then recount it; a key left with nothing is deleted.
    model.objects.bulk_create(
        [model(showroom=showroom, day=day, consultant_id=consultant_id)],
        update_conflicts=True,
        unique_fields=KEY,
        update_fields=["day"],
    )
    model.objects.filter(showroom=showroom, day=day, consultant_id=consultant_id).delete()
    _recount(model, counts(showroom, day, day, consultant_id))


def visit_rollup_refresh(*, showroom: Showroom, day: date, consultant_id: int) -> None:
    """Recount one consultant's register entries of one day (call it in the transaction that changed them)."""
    _refresh(VisitDayRollup, _visit_counts, showroom=showroom, day=day, consultant_id=consultant_id)


def contact_rollup_refresh(*, showroom: Showroom, day: date, consultant_id: int) -> None:
    """Recount one consultant's contacts of one day (call it in the transaction that recorded them)."""
    _refresh(ContactDayRollup, _contact_counts, showroom=showroom, day=day, consultant_id=consultant_id)


def funnel_rollup_refresh(*, showroom: Showroom, day: date, consultant_id: int) -> None:
    """Recount the leads one consultant's entries of one day opened (an entry edited or deleted)."""
    _refresh(FunnelDayRollup, _funnel_counts, showroom=showroom, day=day, consultant_id=consultant_id)


def lead_funnel_refresh(lead: Lead) -> None:
    """Recount the funnel rows of the days the lead was opened on: its contacts or its status just changed, and
    so what became of the leads those days opened (call it in the transaction that wrote them)."""
    days = (
        Visit.objects.live()
        .filter(showroom=lead.showroom, contact__lead=lead, contact__grade_before="")
        .values_list("visit_date", "consultant")
        .distinct()
    )
    for day, consultant_id in sorted(days):  # in key order: two writers lock shared rows in the same order
        funnel_rollup_refresh(showroom=lead.showroom, day=day, consultant_id=consultant_id)


def rollups_rebuild(*, start: date, end: date, showroom: Showroom | None = None) -> None:
    """Recompute every rollup row of start..end (inclusive) from the raw rows, for one showroom or all of them:
    idempotent, and it heals any drift. Per table and showroom one DELETE and one INSERT … SELECT (each showroom
    counts arrival times in its own zone). Run it in a transaction so that readers never see a range emptied."""
    showrooms = [showroom] if showroom is not None else list(Showroom.objects.order_by("pk"))
    for each in showrooms:
        for model, counts in TABLES:
            model.objects.filter(showroom=each, day__range=(start, end)).delete()
            _recount(model, counts(each, start, end, None))


def rollups_heal(*, days: int) -> int:
    """The nightly job: recount each showroom's last `days` days up to yesterday (its own local yesterday), each
    showroom in its own transaction. Idempotent, so a missed, late or doubled run changes nothing; any drift in
    those days is gone afterwards. Returns the number of showrooms done."""
    showrooms = list(Showroom.objects.order_by("pk"))
    for showroom in showrooms:
        yesterday = showroom_today(showroom) - timedelta(days=1)
        with transaction.atomic():
            rollups_rebuild(showroom=showroom, start=yesterday - timedelta(days=max(days, 1) - 1), end=yesterday)
    return len(showrooms)
