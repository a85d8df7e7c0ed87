"""Every figure of the reports, in one place: the daily sales report (营业日报表), the manager's daily review,
the dashboards (展厅客流量统计 and the rest) and the integrity checks. The monthly Excel export reads the same
functions, so a number means the same thing wherever it is shown.

Rules every function here keeps:
- Figures come from aggregate queries (annotate/aggregate, Count with filters, Extract/Trunc in the showroom's
  time zone): the database counts, Python only lays the counts out (and fills the calendar's empty days).
- The live register's and the contacts' plain counts are added up from the day rollups (leads.rollups: per
  showroom, day and consultant, kept current by the services that write the rows), so a year costs 365 rows a
  consultant, not the year's entries; so is the funnel's cohort (the leads the entries opened and what became of
  them, FunnelDayRollup). What follows entries to their leads by source, district and duration (entry_outcomes)
  and the register as signed (the monthly workbook's month) are counted from the rows themselves.
- A fixed number of queries per figure, whatever the data: one for most, two for the funnel and for
  the follow-ups missed on a day; the two figures of open leads share one.
- Scoped: a Scope names the showroom, the period and, for a consultant's own figures, the consultant.
- Dates are showroom-local: register entries carry their local date, contacts theirs (contact_date), and
  moments (arrival time, decisions) are converted to the showroom's zone in the query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import Group
from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, ExtractDay, ExtractIsoWeekDay, RowNumber, TruncTime
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.functional import Promise
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.history import HistoryEntry, history_entries
from dealer_crm.core.models import Role, Showroom, User
from dealer_crm.core.signoff import changes_since_sign_off
from leads.models import (
    OPEN_GRADES,
    Appointment,
    Contact,
    ContactDayRollup,
    ContactKind,
    FunnelDayRollup,
    Lead,
    LeadEvent,
    LeadStatus,
    LostRequest,
    Visit,
    VisitDayRollup,
    VisitKind,
)
from leads.rollups import FUNNEL_MEASURES, OTHER_SLOT, TIME_SLOTS, arrival_slot, openings
from leads.selectors.register import register_as_signed

from ..models import (
    DEFAULT_CUTOFF,
    DEFAULT_DELIVERY_OVERDUE_DAYS,
    DailyReport,
    IntegrityCheck,
    IntegrityFinding,
    ReportSettings,
)

# The longest period a dashboard covers: a year (and a day, for a leap year), so a page's work stays bounded.
MAX_PERIOD_DAYS = 366
INTEGRITY_LIMIT = 100  # rows listed per integrity check; the page says when there are more


# --- Scope, settings ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a figure covers: one showroom, the dates start..end (inclusive, showroom-local) and, for a
    consultant's own figures, one consultant. `as_signed`: signed-off days' register entries as signed (the
    monthly workbook; see leads.selectors.register.register_as_signed), otherwise the live register (the dashboards)."""

    showroom: Showroom
    start: date
    end: date
    consultant: User | None = None
    as_signed: bool = False

    @property
    def start_at(self) -> datetime:
        return local_midnight(self.showroom, self.start)

    @property
    def end_at(self) -> datetime:
        """The first moment after the period: midnight after its last day."""
        return local_midnight(self.showroom, self.end + timedelta(days=1))

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=offset) for offset in range((self.end - self.start).days + 1)]


def local_midnight(showroom: Showroom, day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=showroom.zone)


def scope_for(user: User, *, start: date, end: date, consultant: User | None = None) -> Scope:
    """Managers see their showroom (or one of its consultants); a consultant only ever sees their own figures.
    The caller checks that `consultant` works in the user's showroom (see access.dashboard_consultant)."""
    if not user.sees_whole_showroom:
        consultant = user
    return Scope(showroom=user.showroom, start=start, end=end, consultant=consultant)


@dataclass(frozen=True)
class Settings:
    daily_report_cutoff: time
    delivery_overdue_days: int


def report_settings_for(showroom: Showroom) -> Settings:
    """The showroom's report settings, or the defaults (cut-off 18:30, deliveries flagged after 30 days)."""
    row = (
        ReportSettings.objects.filter(showroom=showroom)
        .values_list("daily_report_cutoff", "delivery_overdue_days")
        .first()
    )
    if row is None:
        return Settings(DEFAULT_CUTOFF, DEFAULT_DELIVERY_OVERDUE_DAYS)
    return Settings(*row)


def _person(row: dict, prefix: str) -> str:
    """A staff member's name from a values() row (family name first, as User.get_full_name)."""
    name = f"{row[prefix + '__last_name'] or ''}{row[prefix + '__first_name'] or ''}".strip()
    return name or row[prefix + "__username"] or ""


def _names(prefix: str) -> list[str]:
    return [f"{prefix}__last_name", f"{prefix}__first_name", f"{prefix}__username"]


# --- The shape every dashboard figure has -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    percent: bool = False  # a share in per cent (one decimal), not a count


@dataclass
class Figure:
    """A table: one row per category (a day, a weekday, a consultant, …), one column per measure. The chart,
    the table view beside it and the CSV export are all drawn from it."""

    key: str
    row_label: str | Promise
    columns: list[Column]
    rows: list[tuple[str, list]] = field(default_factory=list)
    totals: list | None = None

    def column(self, key: str) -> list:
        index = [column.key for column in self.columns].index(key)
        return [values[index] for _label, values in self.rows]


def percent(part: int, whole: int) -> float | None:
    """part / whole in per cent, one decimal; None (shown as "–") when there is nothing to divide by."""
    return round(part * 100 / whole, 1) if whole else None


WALK_INS, CALLS, TOTAL = (
    Column("walk_ins", _("Walk-ins")),
    Column("calls", _("Calls")),
    Column("total", _("Total")),
)
KIND_COUNTS = {
    "walk_ins": Count("pk", filter=Q(kind=VisitKind.WALK_IN)),
    "calls": Count("pk", filter=Q(kind=VisitKind.CALL)),
}


def _visits(scope: Scope) -> QuerySet[Visit]:
    """The scope's register entries (not deleted), by their local date."""
    if scope.as_signed:
        visits = register_as_signed(showroom=scope.showroom, start=scope.start, end=scope.end)
    else:
        visits = Visit.objects.live().filter(showroom=scope.showroom, visit_date__range=(scope.start, scope.end))
    if scope.consultant is not None:
        visits = visits.filter(consultant=scope.consultant)
    return visits


def _day_rollups(model, *, showroom: Showroom, start: date, end: date, consultant: User | None = None) -> QuerySet:
    """The day rollup rows (see leads.rollups) of `model` for start..end, one consultant's with `consultant`."""
    rollups = model.objects.filter(showroom=showroom, day__range=(start, end))
    if consultant is not None:
        rollups = rollups.filter(consultant=consultant)
    return rollups


def _visit_rollups(scope: Scope) -> QuerySet[VisitDayRollup]:
    """The scope's day rollups of the live register."""
    return _day_rollups(
        VisitDayRollup, showroom=scope.showroom, start=scope.start, end=scope.end, consultant=scope.consultant
    )


def _funnel_rollups(scope: Scope) -> QuerySet[FunnelDayRollup]:
    """The scope's day rollups of the leads its entries opened (see leads.rollups.openings)."""
    return _day_rollups(
        FunnelDayRollup, showroom=scope.showroom, start=scope.start, end=scope.end, consultant=scope.consultant
    )


def contact_rollups(*, showroom: Showroom, start: date, end: date, consultant: User | None = None) -> QuerySet:
    """The day rollups of the contacts of start..end, one consultant's with `consultant`."""
    return _day_rollups(ContactDayRollup, showroom=showroom, start=start, end=end, consultant=consultant)


def total(*fields: str) -> Coalesce:
    """The sum of rollup columns over the rows (0 over none)."""
    expression = F(fields[0])
    for name in fields[1:]:
        expression = expression + F(name)
    return Coalesce(Sum(expression), 0)


ROLLUP_KIND_COUNTS = {"walk_ins": total("walk_ins"), "calls": total("calls")}


def _kind_counts(scope: Scope, key) -> dict:
    """Walk-ins and calls per `key(date field)`: from the day rollups for the live register, from the entries
    themselves for the register as signed (a signed-off day as its manager signed it)."""
    if scope.as_signed:
        rows = _visits(scope).annotate(group=key("visit_date")).values("group").annotate(**KIND_COUNTS)
    else:
        rows = _visit_rollups(scope).annotate(group=key("day")).values("group").annotate(**ROLLUP_KIND_COUNTS)
    return {row["group"]: row for row in rows.order_by()}


def _with_contact(visits: QuerySet[Visit], scope: Scope) -> QuerySet[Visit]:
    """The entries with their contact as `entry_contact`, and that contact's lead as `ordered_lead` when the
    lead is ordered by now (LEFT JOINs: an entry without a phone has no contact, most leads are not ordered).

    Both joins name more than the key, so that the database reads only the rows they can match through an
    index instead of hashing whole tables: the contact's showroom and day, which are the entry's by
    construction (the contact is recorded at the departure, and a visit's departure is on its date), through
    the contacts' (showroom, contact_date) index; the lead's showroom and status, through (showroom, status)."""
    return visits.annotate(
        entry_contact=FilteredRelation(
            "contact",
            condition=Q(contact__showroom=scope.showroom, contact__contact_date__range=(scope.start, scope.end)),
        ),
        ordered_lead=FilteredRelation(
            "entry_contact__lead",
            condition=Q(entry_contact__lead__showroom=scope.showroom, entry_contact__lead__status=LeadStatus.ORDERED),
        ),
    )


def _kind_rows(labels: list[tuple[object, str]], counts: dict) -> tuple[list, list]:
    """Rows of walk-ins, calls and their total for each (key, label), zeros where nothing was counted."""
    rows = []
    for key, label in labels:
        row = counts.get(key, {"walk_ins": 0, "calls": 0})
        rows.append((label, [row["walk_ins"], row["calls"], row["walk_ins"] + row["calls"]]))
    totals = [sum(values[i] for _label, values in rows) for i in range(3)]
    return rows, totals


# --- Visitor batches: per day, weekday, day of month (来店批次) ------------------------------------------------


def visits_by_day(scope: Scope) -> Figure:
    """Register entries (batches: a family of three is one batch) per date of the period, walk-ins and calls."""
    counts = _kind_counts(scope, F)
    rows, totals = _kind_rows([(day, day.strftime("%m-%d")) for day in scope.days], counts)
    return Figure("visits_by_day", _("Date"), [WALK_INS, CALLS, TOTAL], rows, totals)


def visits_by_weekday(scope: Scope) -> Figure:
    """Batches per weekday (Monday first), and the average per day: the period may hold five Saturdays but
    four Mondays, so the average is what compares weekdays fairly."""
    counts = _kind_counts(scope, ExtractIsoWeekDay)
    rows, totals = _kind_rows([(iso, str(WEEKDAYS[iso - 1])) for iso in range(1, 8)], counts)
    occurrences = {iso: 0 for iso in range(1, 8)}
    for day in scope.days:  # the calendar, not the data
        occurrences[day.isoweekday()] += 1
    rows = [
        (label, [*values, round(values[2] / occurrences[iso], 1) if occurrences[iso] else None])
        for iso, (label, values) in enumerate(rows, start=1)
    ]
    average = Column("average", _("Average per day"))
    return Figure(
        "visits_by_weekday",
        _("Weekday"),
        [WALK_INS, CALLS, TOTAL, average],
        rows,
        [*totals, round(totals[2] / len(scope.days), 1)],
    )


def visits_by_day_of_month(scope: Scope) -> Figure:
    """Batches per day of the month (1–31) over the period: pay days, month ends, the automaker's campaigns."""
    counts = _kind_counts(scope, ExtractDay)
    rows, totals = _kind_rows([(day, str(day)) for day in range(1, 32)], counts)
    return Figure("visits_by_day_of_month", _("Day of month"), [WALK_INS, CALLS, TOTAL], rows, totals)


# --- 展厅客流量统计表: walk-ins per time slot and weekday ----------------------------------------------------------

# The form's column heads: short enough for seven columns on a phone.
SHORT_WEEKDAYS = [
    pgettext_lazy("weekday, short", "Mon"),
    pgettext_lazy("weekday, short", "Tue"),
    pgettext_lazy("weekday, short", "Wed"),
    pgettext_lazy("weekday, short", "Thu"),
    pgettext_lazy("weekday, short", "Fri"),
    pgettext_lazy("weekday, short", "Sat"),
    pgettext_lazy("weekday, short", "Sun"),
]


def time_slot_labels() -> list[str]:
    return [f"{start:02d}:00–{end:02d}:00" for start, end in TIME_SLOTS] + [str(_("Other times"))]


def traffic_by_slot(scope: Scope) -> Figure:
    """Showroom traffic (展厅客流量统计表): walk-in batches by the slot of their local arrival time and the weekday.
    Calls are not showroom traffic and are left out. Arrivals before 08:00 or from 20:00 count as "other"."""
    if scope.as_signed:
        counts = {
            (row["slot"], row["weekday"]): row["n"]
            for row in _visits(scope)
            .filter(kind=VisitKind.WALK_IN)
            .annotate(local_time=TruncTime("arrived_at", tzinfo=scope.showroom.zone))
            .annotate(slot=arrival_slot(scope.showroom), weekday=ExtractIsoWeekDay("visit_date"))
            .values("slot", "weekday")
            .annotate(n=Count("pk"))
            .order_by()
        }
    else:
        slots = {f"slot_{index}": total(f"slot_{index}") for index in range(OTHER_SLOT + 1)}
        counts = {
            (index, row["weekday"]): row[f"slot_{index}"]
            for row in _visit_rollups(scope)
            .annotate(weekday=ExtractIsoWeekDay("day"))
            .values("weekday")
            .annotate(**slots)
            .order_by()
            for index in range(OTHER_SLOT + 1)
        }
    columns = [Column(f"d{iso}", label) for iso, label in enumerate(SHORT_WEEKDAYS, start=1)] + [TOTAL]
    rows = []
    for index, label in enumerate(time_slot_labels()):
        values = [counts.get((index, iso), 0) for iso in range(1, 8)]
        rows.append((label, [*values, sum(values)]))
    totals = [sum(values[i] for _label, values in rows) for i in range(8)]
    return Figure("traffic_by_slot", _("Time slot"), columns, rows, totals)


# --- Who left no phone -------------------------------------------------------------------------------------------


def no_phone_by_consultant(scope: Scope) -> Figure:
    """Per consultant: batches received, how many left no phone, and that share (留档 is the opposite)."""
    if scope.as_signed:
        source, measures = _visits(scope), {"visitors": Count("pk"), "no_phone": Count("pk", filter=Q(no_phone=True))}
    else:
        source, measures = (
            _visit_rollups(scope),
            {"visitors": total("walk_ins", "calls"), "no_phone": total("no_phone")},
        )
    rows = []
    for row in (
        source.values("consultant", *_names("consultant"))
        .annotate(**measures)
        .order_by("consultant__last_name", "consultant__first_name", "consultant")
    ):
        rows.append(
            (_person(row, "consultant"), [row["visitors"], row["no_phone"], percent(row["no_phone"], row["visitors"])])
        )
    visitors = sum(values[0] for _label, values in rows)
    no_phone = sum(values[1] for _label, values in rows)
    return Figure(
        "no_phone_by_consultant",
        _("Consultant"),
        [
            Column("visitors", _("Visitors")),
            Column("no_phone", _("Left no phone")),
            Column("share", _("Share without phone"), percent=True),
        ],
        rows,
        [visitors, no_phone, percent(no_phone, visitors)],
    )


# --- Visit duration against orders -----------------------------------------------------------------------------

# (label, lower bound in minutes, upper bound or None); a bucket holds lower <= minutes < upper.
DURATION_BUCKETS = [
    ("<10", 0, 10),
    ("10–20", 10, 20),
    ("20–40", 20, 40),
    ("40–60", 40, 60),
    ("60–120", 60, 120),
    (">120", 120, None),
]


def entry_outcomes(scope: Scope) -> list[dict]:
    """The period's register entries counted per what the entry figures tell apart, in one pass over the entries
    (their contact and its lead joined once, see _with_contact): kind, information source, district, the
    walk-in's duration bucket (DURATION_BUCKETS; calls have one too, unused), whether the entry opened a lead
    (its contact has no grade before it) and whether that lead is ordered by now. Visit duration against orders,
    the sources and the districts are added up from these rows (at most a few thousand, however many entries):
    one query for the three figures instead of one each over the entries."""
    duration = ExpressionWrapper(F("left_at") - F("arrived_at"), output_field=DurationField())
    whens = [
        When(duration__lt=timedelta(minutes=high), then=Value(index))
        for index, (_label, _low, high) in enumerate(DURATION_BUCKETS[:-1])
    ]
    flag = {"output_field": IntegerField(), "default": Value(0)}
    return list(
        _with_contact(_visits(scope), scope)
        .annotate(
            duration=duration,
            bucket=Case(*whens, default=Value(len(DURATION_BUCKETS) - 1), output_field=IntegerField()),
            opened=Case(When(entry_contact__grade_before="", then=Value(1)), **flag),
            ordered=Case(When(ordered_lead__isnull=False, then=Value(1)), **flag),
        )
        .values(
            "kind",
            "source",
            "source__name_zh",
            "source__name_en",
            "source__position",
            "district",
            "district__name",
            "bucket",
            "opened",
            "ordered",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )


def duration_against_orders(scope: Scope, *, outcomes: list[dict] | None = None) -> Figure:
    """Walk-ins by how long the visit lasted (departure − arrival: under 10 minutes, 10 to under 20, 20 to
    under 40 — the "about 30 minutes" that closes best —, 40 to under 60, 60 to under 120, 120 and more)
    against the share that became an order: a visit whose customer's lead (the lead the entry was recorded
    on) is ordered by now. Calls are left out: a five-minute call is not a short visit."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"visits": 0, "ordered": 0})
    for row in outcomes if outcomes is not None else entry_outcomes(scope):
        if row["kind"] == VisitKind.WALK_IN:
            counts[row["bucket"]]["visits"] += row["n"]
            counts[row["bucket"]]["ordered"] += row["n"] * row["ordered"]
    rows = []
    for index, (label, _low, _high) in enumerate(DURATION_BUCKETS):
        row = counts[index]
        rows.append((label, [row["visits"], row["ordered"], percent(row["ordered"], row["visits"])]))
    visits = sum(values[0] for _label, values in rows)
    ordered = sum(values[1] for _label, values in rows)
    return Figure(
        "duration_against_orders",
        _("Minutes"),
        [
            Column("visits", _("Walk-ins")),
            Column("ordered", _("Became an order")),
            Column("rate", _("Order rate"), percent=True),
        ],
        rows,
        [visits, ordered, percent(ordered, visits)],
    )


# --- Where visitors and buyers come from ---------------------------------------------------------------------

SOURCE_COLUMNS = [
    Column("visitors", _("Visitors")),
    Column("leads", _("Leads")),
    Column("orders", _("Orders")),
]


def _origin_counts(scope: Scope, outcomes: list[dict] | None, *group_by: str) -> list[dict]:
    """Per group: register entries; the leads those entries opened (their contact has no grade before it: a new
    lead, or a lost customer's lead reopened — reopened twice in the period, it counts twice, as a new lead
    each time, as in the monthly grade status); and how many of those are ordered by now. Plain counts of
    entries, no COUNT(DISTINCT): over a year a distinct count sorted three quarters of a million rows."""
    groups: dict[tuple, dict] = {}
    for row in outcomes if outcomes is not None else entry_outcomes(scope):
        key = tuple(row[name] for name in group_by)
        group = groups.setdefault(
            key, {**dict(zip(group_by, key, strict=True)), "visitors": 0, "leads": 0, "orders": 0}
        )
        group["visitors"] += row["n"]
        group["leads"] += row["n"] * row["opened"]
        group["orders"] += row["n"] * row["opened"] * row["ordered"]
    return list(groups.values())


def _origin_figure(key: str, row_label, rows: list[tuple[str, list]]) -> Figure:
    totals = [sum(values[i] for _label, values in rows) for i in range(3)]
    return Figure(key, row_label, SOURCE_COLUMNS, rows, totals)


def by_source(scope: Scope, *, outcomes: list[dict] | None = None) -> Figure:
    """Per information source (信息来源) of the period's register entries: visitors, the leads they opened,
    and those leads ordered by now. A lead counts for the source of the entry that opened it."""
    counts = sorted(
        _origin_counts(scope, outcomes, "source", "source__name_zh", "source__name_en", "source__position"),
        key=lambda row: (row["source__position"] is None, row["source__position"] or 0, row["source"] or 0),
    )
    english = get_language() == "en"
    rows = [
        (
            (row["source__name_en"] if english else row["source__name_zh"]) or str(_("Not recorded")),
            [row["visitors"], row["leads"], row["orders"]],
        )
        for row in counts
    ]
    return _origin_figure("by_source", _("Information source"), rows)


def by_district(scope: Scope, *, outcomes: list[dict] | None = None) -> Figure:
    """Per district the visitors come from: visitors, leads opened, orders; the busiest district first."""
    counts = sorted(
        _origin_counts(scope, outcomes, "district", "district__name"),
        key=lambda row: (-row["visitors"], row["district__name"] is None, row["district__name"] or ""),
    )
    rows = [
        (row["district__name"] or str(_("Not recorded")), [row["visitors"], row["leads"], row["orders"]])
        for row in counts
    ]
    return _origin_figure("by_district", _("District"), rows)


# --- Funnel -------------------------------------------------------------------------------------------------


def funnel(scope: Scope) -> Figure:
    """From the period's visitors to deliveries, following the period's visitors and the leads they opened
    (a cohort: what became of them by now, whenever it happened).

    Stages:
    - visitors: register entries (batches), walk-ins and calls;
    - left a phone: those entries with a phone number;
    - leads: the leads those entries opened (created, or a lost customer's lead reopened: reopened twice in the
      period, it counts twice, as in the sources and the monthly grade status);
    - came back: those leads with at least two showroom-visit contacts;
    - test drives: those leads with a test-drive contact;
    - orders: those leads now ordered;
    - deliveries: those leads with a delivery contact.
    (A lead's contacts count from the day it was opened on: everything of a new lead, and of a lost customer's
    reopened lead what happened since it came back, not its earlier life; see leads.rollups.openings.)

    The live register's funnel is added up from the day rollups (the visitors from VisitDayRollup, the leads from
    FunnelDayRollup, which the tracker's services refresh as a lead's contacts and status change): a year costs
    365 rows a consultant, not the year's leads and their contacts. The register as signed counts the rows.

    Rates (column "rate"), as automakers read them:
    - 留档率 / 建卡率 (card-building rate) = visitors who left a phone / visitors;
    - 再次来店率 (return-visit rate) = leads with ≥ 2 showroom visits / leads;
    - 试驾率 (test-drive rate) = leads with a test drive / leads;
    - 成交率 (closing rate) = orders / leads;
    - 交车率 (delivery rate) = deliveries / orders.
    """
    if scope.as_signed:
        visits = _visits(scope).aggregate(visitors=Count("pk"), with_phone=Count("pk", filter=Q(no_phone=False)))
        leads = openings(_visits(scope)).aggregate(**FUNNEL_MEASURES)
    else:
        visits = _visit_rollups(scope).aggregate(visitors=total("walk_ins", "calls"), no_phone=total("no_phone"))
        visits["with_phone"] = visits["visitors"] - visits.pop("no_phone")
        leads = _funnel_rollups(scope).aggregate(**{name: total(name) for name in FUNNEL_MEASURES})
    n = {**visits, **leads}
    rows = [
        (str(_("Visitors")), [n["visitors"], None]),
        (str(_("Left a phone (card-building rate)")), [n["with_phone"], percent(n["with_phone"], n["visitors"])]),
        (str(_("Leads")), [n["opened"], None]),
        (str(_("Came back (return-visit rate)")), [n["came_back"], percent(n["came_back"], n["opened"])]),
        (str(_("Test drives (test-drive rate)")), [n["test_driven"], percent(n["test_driven"], n["opened"])]),
        (str(_("Orders (closing rate)")), [n["ordered"], percent(n["ordered"], n["opened"])]),
        (str(_("Deliveries (delivery rate)")), [n["delivered"], percent(n["delivered"], n["ordered"])]),
    ]
    return Figure(
        "funnel",
        _("Stage"),
        [Column("count", _("Count")), Column("rate", _("Rate"), percent=True)],
        rows,
    )


# --- Key figures against the previous period ----------------------------------------------------------------


@dataclass(frozen=True)
class KeyFigure:
    label: str | Promise
    value: int
    previous: int

    @property
    def delta(self) -> int:
        return self.value - self.previous

    @property
    def size(self) -> int:
        """How much it moved, whichever way (the page shows the sign and an arrow beside it)."""
        return abs(self.delta)

    @property
    def change(self) -> float | None:
        """The change in per cent of the previous period's figure; None when it was zero."""
        return percent(self.delta, self.previous)

    @property
    def change_size(self) -> float | None:
        return None if self.change is None else abs(self.change)


def previous_period(scope: Scope) -> Scope:
    """The period of the same length just before the scope's (the last 30 days' previous 30)."""
    length = scope.end - scope.start + timedelta(days=1)
    return replace(scope, start=scope.start - length, end=scope.start - timedelta(days=1))


# The funnel's stages the dashboard's headline compares, by their row in funnel().
KEY_STAGES = [(0, _("Visitors")), (2, _("Leads")), (4, _("Test drives")), (5, _("Orders")), (6, _("Deliveries"))]


def key_figures(*, current: Figure, previous: Figure) -> list[KeyFigure]:
    """The headline figures of two funnels (see funnel()): the period's and the previous period's."""
    return [KeyFigure(label, current.rows[row][1][0], previous.rows[row][1][0]) for row, label in KEY_STAGES]


# --- Leads per grade, overdue follow-ups (now) -----------------------------------------------------------------

GRADE_COLUMNS = [Column(grade, grade) for grade in OPEN_GRADES] + [TOTAL]


def open_lead_counts(scope: Scope, *, today: date) -> list[dict]:
    """Per consultant, open leads per grade and how many of them are overdue (next follow-up before today):
    one pass over the open leads for both figures below (1 query)."""
    per_grade = {grade: Count("pk", filter=Q(grade=grade)) for grade in OPEN_GRADES}
    overdue = {
        f"overdue_{grade}": Count("pk", filter=Q(grade=grade, next_follow_up__lt=today)) for grade in OPEN_GRADES
    }
    leads = Lead.objects.filter(showroom=scope.showroom, status=LeadStatus.OPEN)
    if scope.consultant is not None:
        leads = leads.filter(owner=scope.consultant)
    return list(
        leads.values("owner", *_names("owner"))
        .annotate(**per_grade, **overdue)
        .order_by("owner__last_name", "owner__first_name", "owner")
    )


def _grade_figure(key: str, counts: list[dict], prefix: str = "") -> Figure:
    rows = []
    for row in counts:
        values = [row[prefix + grade] for grade in OPEN_GRADES]
        if sum(values):
            rows.append((_person(row, "owner"), [*values, sum(values)]))
    totals = [sum(values[i] for _label, values in rows) for i in range(len(OPEN_GRADES) + 1)]
    return Figure(key, _("Consultant"), GRADE_COLUMNS, rows, totals)


def leads_by_grade(scope: Scope, *, today: date, counts: list[dict] | None = None) -> Figure:
    """Open leads per consultant and grade, as they are now (the period does not apply: a grade is a state)."""
    return _grade_figure("leads_by_grade", counts if counts is not None else open_lead_counts(scope, today=today))


def overdue_by_consultant(scope: Scope, *, today: date, counts: list[dict] | None = None) -> Figure:
    """Open leads whose next follow-up is before today, per consultant and grade, as of today."""
    counts = counts if counts is not None else open_lead_counts(scope, today=today)
    return _grade_figure("overdue_by_consultant", counts, prefix="overdue_")


def dashboard_figures(scope: Scope, *, today: date) -> dict[str, Figure]:
    """Every dashboard figure of the scope, in page order (10 queries: one per figure, two for the funnel, one
    for the open leads' two together, one for the entries' three (entry_outcomes), one for the online leads' two)."""
    from .online import inquiries, online_by_consultant, online_by_platform  # they build on this module's Figure

    open_leads = open_lead_counts(scope, today=today)
    outcomes = entry_outcomes(scope)
    online = inquiries(scope)
    figures = [
        visits_by_day(scope),
        visits_by_weekday(scope),
        visits_by_day_of_month(scope),
        traffic_by_slot(scope),
        no_phone_by_consultant(scope),
        duration_against_orders(scope, outcomes=outcomes),
        by_source(scope, outcomes=outcomes),
        by_district(scope, outcomes=outcomes),
        funnel(scope),
        leads_by_grade(scope, today=today, counts=open_leads),
        overdue_by_consultant(scope, today=today, counts=open_leads),
        online_by_platform(scope, online),
        online_by_consultant(scope, online),
    ]
    return {figure.key: figure for figure in figures}


def dashboard_figure(scope: Scope, key: str, *, today: date) -> Figure | None:
    """One figure by its key (for its CSV export), computing only that one."""
    from .online import online_by_consultant, online_by_platform

    functions = {
        "visits_by_day": visits_by_day,
        "visits_by_weekday": visits_by_weekday,
        "visits_by_day_of_month": visits_by_day_of_month,
        "traffic_by_slot": traffic_by_slot,
        "no_phone_by_consultant": no_phone_by_consultant,
        "duration_against_orders": duration_against_orders,
        "by_source": by_source,
        "by_district": by_district,
        "funnel": funnel,
        "leads_by_grade": lambda scope: leads_by_grade(scope, today=today),
        "overdue_by_consultant": lambda scope: overdue_by_consultant(scope, today=today),
        "online_by_platform": online_by_platform,
        "online_by_consultant": online_by_consultant,
    }
    function = functions.get(key)
    return function(scope) if function else None


# --- The daily sales report (营业日报表) -----------------------------------------------------------------------


@dataclass
class DailyFigures:
    """One consultant's lines of the daily report, compiled from what they entered that day."""

    visitors: int = 0  # register entries they received (walk-ins and calls)
    walk_ins: int = 0
    calls: int = 0
    with_phone: int = 0  # of those, entries that left a phone number
    new_leads: int = 0  # leads their entries opened (created, or a lost customer's lead reopened)
    contacts: int = 0  # every contact they recorded, register entries' contacts included
    by_kind: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ContactKind.values, 0))  # per kind
    orders: int = 0  # contacts that moved a lead to O (an order, whatever the contact's kind was)
    lost: int = 0  # lost-lead requests on their leads the manager approved that day
    missed_follow_ups: int = 0  # see missed_follow_ups

    @property
    def test_drives(self) -> int:
        return self.by_kind.get(ContactKind.TEST_DRIVE, 0)

    @property
    def quotations(self) -> int:
        return self.by_kind.get(ContactKind.QUOTATION, 0)

    @property
    def deliveries(self) -> int:
        return self.by_kind.get(ContactKind.DELIVERY, 0)

    @property
    def callbacks(self) -> int:
        return self.by_kind.get(ContactKind.CALLBACK, 0)

    @property
    def kinds(self) -> list[tuple[str, str, int]]:
        """(code, label, count) of every contact kind, in the form's order, zeros included."""
        return [(kind, label, self.by_kind.get(kind, 0)) for kind, label in ContactKind.choices]


def _day_bounds(showroom: Showroom, day: date) -> tuple[datetime, datetime]:
    return local_midnight(showroom, day), local_midnight(showroom, day + timedelta(days=1))


def missed_follow_ups(*, showroom: Showroom, day: date, consultant: User | None = None) -> dict[int, int]:
    """Follow-ups due and not done on `day`, per consultant id (2 queries).

    A lead counts for consultant X on day D when, at the end of D, it was open and owned by X, its next
    follow-up date — as its latest contact before D set it — was on or before D, and it had no contact on D.
    So an overdue lead counts on every day it is left without a contact, and a lead contacted the day after
    still counts on the day it was missed.

    Computed from the history, so a past day reads the same whatever happened since:
    1. Leads with no history event since D began: nothing has moved them, so their state now is their state
       at the end of D, and their `next_follow_up` is the one their latest contact before D set. Counted
       straight from the lead rows (the open-leads-by-due-date index).
    2. Leads with an event since D began (a contact, a reassignment, a lost-lead decision, …): their state at
       the end of D is their latest event before D ended (LeadEvent rows carry grade, status and owner after
       the event); their due date, the next follow-up of their latest contact before D. For today these
       are the few leads touched today; the further back D lies, the more there are.

    Due dates are set by contacts; a lead that got its date otherwise (an order cancelled on D puts it back
    in the tracker due that day, without a contact) counts from the next day on.
    """
    start, end = _day_bounds(showroom, day)
    touched = LeadEvent.objects.filter(lead=OuterRef("pk"), at__gte=start)
    untouched = Lead.objects.filter(showroom=showroom, status=LeadStatus.OPEN, next_follow_up__lte=day).filter(
        ~Exists(touched)
    )
    if consultant is not None:
        untouched = untouched.filter(owner=consultant)
    counts: dict[int, int] = {}
    for row in untouched.values("owner").annotate(n=Count("pk")).order_by():
        counts[row["owner"]] = row["n"]

    state_then = LeadEvent.objects.filter(lead=OuterRef("pk"), at__lt=end).order_by("-at", "-pk")
    due_then = Contact.objects.filter(lead=OuterRef("pk"), occurred_at__lt=start).order_by("-occurred_at", "-pk")
    touched_ids = LeadEvent.objects.filter(lead__showroom=showroom, at__gte=start).values("lead")
    recent = (
        Lead.objects.filter(pk__in=touched_ids)
        .annotate(
            status_then=Subquery(state_then.values("status")[:1]),
            owner_then=Subquery(state_then.values("owner")[:1]),
            due=Subquery(due_then.values("next_follow_up")[:1]),
        )
        .filter(status_then=LeadStatus.OPEN, due__lte=day)
        .filter(~Exists(Contact.objects.filter(lead=OuterRef("pk"), contact_date=day)))
    )
    if consultant is not None:
        recent = recent.filter(owner_then=consultant.pk)
    for row in recent.values("owner_then").annotate(n=Count("pk")).order_by():
        counts[row["owner_then"]] = counts.get(row["owner_then"], 0) + row["n"]
    return counts


def daily_report_figures(*, showroom: Showroom, day: date, consultant: User | None = None) -> dict[int, DailyFigures]:
    """Each consultant's daily-report lines for `day`, by consultant id; one consultant's with `consultant`
    (5 queries, whatever the number of consultants)."""
    figures: dict[int, DailyFigures] = {}

    def of(user_id: int) -> DailyFigures:
        return figures.setdefault(user_id, DailyFigures())

    scope = Scope(showroom=showroom, start=day, end=day, consultant=consultant)
    start, end = _day_bounds(showroom, day)
    lost = LostRequest.objects.filter(
        lead__showroom=showroom, state=LostRequest.State.APPROVED, decided_at__gte=start, decided_at__lt=end
    )
    if consultant is not None:
        lost = lost.filter(lead__owner=consultant)

    # The register's and the contacts' lines are the day's rollup rows: one per consultant (see leads.rollups).
    for row in _visit_rollups(scope).values("consultant", "walk_ins", "calls", "no_phone"):
        line = of(row["consultant"])
        line.walk_ins, line.calls = row["walk_ins"], row["calls"]
        line.visitors = line.walk_ins + line.calls
        line.with_phone = line.visitors - row["no_phone"]
    kinds = [f"kind_{kind}" for kind in ContactKind.values]
    for row in contact_rollups(showroom=showroom, start=day, end=day, consultant=consultant).values(
        "consultant", "contacts", "opened", "ordered", *kinds
    ):
        line = of(row["consultant"])
        line.contacts, line.new_leads, line.orders = row["contacts"], row["opened"], row["ordered"]
        line.by_kind = {kind: row[f"kind_{kind}"] for kind in ContactKind.values}
    for row in lost.values("lead__owner").annotate(n=Count("pk")).order_by():
        of(row["lead__owner"]).lost = row["n"]
    for user_id, n in missed_follow_ups(showroom=showroom, day=day, consultant=consultant).items():
        of(user_id).missed_follow_ups = n
    return figures


def daily_report_snapshot(*, consultant: User, day: date) -> dict:
    """The consultant's figures of `day` as the manager signs them (stored with the sign-off)."""
    figures = daily_report_figures(showroom=consultant.showroom, day=day, consultant=consultant)
    return asdict(figures.get(consultant.pk, DailyFigures()))


DAILY_FIGURE_LABELS = {
    "visitors": _("visitors"),
    "with_phone": _("left a phone"),
    "new_leads": _("new leads"),
    "contacts": _("contacts"),
    "orders": _("orders"),
    "lost": _("leads lost"),
    "missed_follow_ups": _("missed follow-ups"),
}


def _figure_values(figures: DailyFigures) -> dict[str, int]:
    values = {key: getattr(figures, key) for key in DAILY_FIGURE_LABELS}
    values.update({f"kind_{kind}": n for kind, n in figures.by_kind.items()})
    return values


@dataclass
class ReportedFigures:
    """A report's figures as it stands: the signed ones once signed off, with what moved since (in words)."""

    figures: DailyFigures
    signed: bool = False
    changes: list[str] = field(default_factory=list)  # ["+3 visitors"]; empty when nothing moved


def reported_figures(report: DailyReport | None, live: DailyFigures) -> ReportedFigures:
    """What the report shows: `live` while it is open; once signed off, the figures it was signed with and how
    today's live figures differ from them (a late entry approved since, a contact recorded afterwards)."""
    if report is None or not report.is_signed_off or not report.snapshot:
        return ReportedFigures(live)  # open, or signed before snapshots were kept
    known = {name: value for name, value in report.snapshot.items() if name in DailyFigures.__dataclass_fields__}
    signed = DailyFigures(**known)
    labels = {key: str(label) for key, label in DAILY_FIGURE_LABELS.items()}
    labels.update({f"kind_{kind}": str(label) for kind, label in ContactKind.choices})
    return ReportedFigures(
        signed, signed=True, changes=changes_since_sign_off(_figure_values(signed), _figure_values(live), labels)
    )


def daily_report_contacts(
    *, showroom: Showroom, day: date, consultant: User | None = None, first: int | None = None
) -> list[Contact]:
    """The day's contacts, each with its customer and grade before and after: the body of the daily report.
    With `first`, only each consultant's first so many (the review's cards; the report itself lists all)."""
    contacts = Contact.objects.filter(showroom=showroom, contact_date=day).select_related("lead")
    if consultant is not None:
        contacts = contacts.filter(consultant=consultant)
    if first is not None:
        contacts = contacts.annotate(
            position=Window(RowNumber(), partition_by=F("consultant"), order_by=[F("occurred_at"), F("pk")])
        ).filter(position__lte=first)
    return list(contacts.order_by("consultant", "occurred_at", "pk"))


@dataclass
class ReportStatus:
    """Where a report stands against the showroom's cut-off (codes; labels live in the templates)."""

    code: str  # "signed_off", "submitted", "missing" (not submitted, cut-off passed), "pending" (not yet due)
    cutoff_at: datetime
    late: bool = False  # first submitted after the cut-off

    @property
    def flagged(self) -> bool:
        return self.late or self.code == "missing"


def daily_report_status(report: DailyReport | None, *, cutoff_at: datetime, now: datetime) -> ReportStatus:
    """Signed off or submitted (late when first submitted after the cut-off); missing when not submitted and the
    cut-off has passed; pending while it is still ahead."""
    if report is not None and report.is_submitted:
        code = "signed_off" if report.is_signed_off else "submitted"
        return ReportStatus(code, cutoff_at, late=report.submitted_at > cutoff_at)
    return ReportStatus("missing" if now > cutoff_at else "pending", cutoff_at)


def daily_report_cutoff_at(showroom: Showroom, day: date, cutoff: time) -> datetime:
    return datetime.combine(day, cutoff, tzinfo=showroom.zone)


def daily_report_for(*, consultant: User, day: date) -> DailyReport | None:
    return DailyReport.objects.filter(consultant=consultant, date=day).select_related("signed_off_by").first()


@dataclass
class ReviewCard:
    consultant: User
    figures: DailyFigures
    contacts: list[Contact]
    report: DailyReport | None
    status: ReportStatus
    changes: list[str] = field(default_factory=list)  # of a signed report's figures since its sign-off
    history: list[HistoryEntry] = field(default_factory=list)  # submissions, comments, sign-offs, reopenings


@dataclass
class Review:
    cards: list[ReviewCard]
    cutoff_at: datetime


REVIEW_CONTACTS = 20  # contacts listed per card of the review; the consultant's report lists them all


def daily_review(*, showroom: Showroom, day: date) -> Review:
    """Every consultant's report of the day side by side: the showroom's active consultants, and anyone
    else with figures or a report that day (a manager who received a visitor). 11 queries."""
    figures = daily_report_figures(showroom=showroom, day=day)
    contacts = daily_report_contacts(showroom=showroom, day=day, first=REVIEW_CONTACTS)
    reports = {
        report.consultant_id: report
        for report in DailyReport.objects.filter(showroom=showroom, date=day)
        .select_related("signed_off_by")
        .prefetch_related("revisions__by")
    }
    consultants = (
        User.objects.filter(
            Q(showroom=showroom, is_active=True, groups__in=Group.objects.filter(name=Role.CONSULTANT))
            | Q(pk__in=[*figures, *reports])
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    settings = report_settings_for(showroom)
    cutoff_at = daily_report_cutoff_at(showroom, day, settings.daily_report_cutoff)
    now = timezone.now()
    by_consultant: dict[int, list[Contact]] = {}
    for contact in contacts:
        by_consultant.setdefault(contact.consultant_id, []).append(contact)
    cards = []
    for user in consultants:
        report = reports.get(user.pk)
        reported = reported_figures(report, figures.get(user.pk, DailyFigures()))
        cards.append(
            ReviewCard(
                consultant=user,
                figures=reported.figures,
                contacts=by_consultant.get(user.pk, []),
                report=report,
                status=daily_report_status(report, cutoff_at=cutoff_at, now=now),
                changes=reported.changes,
                # No phone in a report's history: nothing to mask.
                history=history_entries(DailyReport, report.revisions.all(), phone_visible=True) if report else [],
            )
        )
    return Review(cards=cards, cutoff_at=cutoff_at)


# --- Integrity checks ---------------------------------------------------------------------------------------


# History events that set a grade of their own besides contacts. "order_cancelled": the delivery app's
# cancelled contract puts the lead back to the grade it had before the order.
GRADE_SETTING_EVENTS = [
    LeadEvent.Kind.CREATED,
    LeadEvent.Kind.REOPENED,
    LeadEvent.Kind.LOST_APPROVED,
    "order_cancelled",
]


@dataclass(frozen=True)
class GradeChange:
    lead_id: int
    customer_name: str
    owner: str
    at: datetime | None  # None: the lead's grade has no history event at all
    before: str
    after: str
    kind: str  # a LeadEvent kind, or "" for a grade that differs from the lead's latest event

    @property
    def kind_label(self) -> str:
        return str(LeadEvent.Kind(self.kind).label) if self.kind in LeadEvent.Kind.values else self.kind


def grade_changes_without_contact(showroom: Showroom) -> list[GradeChange]:
    """Grades that changed otherwise than through a contact (DOMAIN rule 3: every grade change has its contact
    that day), looked for three ways (3 queries, at most INTEGRITY_LIMIT + 1 rows each):

    1. History events that change the grade (it differs from the lead's previous event's) without being the kind
       of event that may: a contact's event, the creation of the lead, a reopening, an approved lost request, a
       cancelled order. (A reassignment, a lost request, a detail edit must carry the grade unchanged; a
       "contact" event without its contact is no contact.)
    2. Contacts that changed the grade whose history event is missing or says otherwise (another grade, another
       moment, so possibly another day).
    3. Leads whose grade differs from their latest history event's, or that have no history at all: a grade
       written straight into the lead (the admin, an import, SQL) leaves no event behind.

    Each query narrows to its candidates with the row's own columns before anything per row is looked up: the
    previous event only for the few events of kinds that must not move the grade (not for every event), the
    event of a contact through its unique index. (A window over the whole history was tried: at 1.5M events
    the sort alone took seconds.)
    """
    previous = (
        LeadEvent.objects.filter(lead=OuterRef("lead"))
        .filter(Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), pk__lt=OuterRef("pk")))
        .order_by("-at", "-pk")
        .values("grade")[:1]
    )
    events = (
        LeadEvent.objects.filter(lead__showroom=showroom)
        .exclude(kind__in=GRADE_SETTING_EVENTS)
        .exclude(kind=LeadEvent.Kind.CONTACT, contact__isnull=False)
        .annotate(previous_grade=Subquery(previous))
        .filter(previous_grade__isnull=False)
        .exclude(previous_grade=F("grade"))
        .values("lead", "lead__customer_name", *_names("lead__owner"), "at", "previous_grade", "grade", "kind")
        .order_by("-at", "-pk")[: INTEGRITY_LIMIT + 1]
    )
    changes = [
        GradeChange(
            row["lead"],
            row["lead__customer_name"],
            _person(row, "lead__owner"),
            row["at"],
            row["previous_grade"],
            row["grade"],
            row["kind"],
        )
        for row in events
    ]
    its_event = LeadEvent.objects.filter(
        contact=OuterRef("pk"), grade=OuterRef("grade_after"), at=OuterRef("occurred_at")
    )
    contacts = (
        Contact.objects.filter(showroom=showroom)
        .exclude(grade_before="")  # opens the lead: no grade before it to change
        .exclude(grade_before=F("grade_after"))
        .filter(~Exists(its_event))
        .values("lead", "lead__customer_name", *_names("lead__owner"), "occurred_at", "grade_before", "grade_after")
        .order_by("-occurred_at", "-pk")[: INTEGRITY_LIMIT + 1]
    )
    changes += [
        GradeChange(
            row["lead"],
            row["lead__customer_name"],
            _person(row, "lead__owner"),
            row["occurred_at"],
            row["grade_before"],
            row["grade_after"],
            LeadEvent.Kind.CONTACT,
        )
        for row in contacts
    ]
    latest = LeadEvent.objects.filter(lead=OuterRef("pk")).order_by("-at", "-pk").values("grade")[:1]
    leads = (
        Lead.objects.filter(showroom=showroom)
        .annotate(history_grade=Subquery(latest))
        .filter(Q(history_grade__isnull=True) | ~Q(history_grade=F("grade")))
        .values("pk", "customer_name", *_names("owner"), "history_grade", "grade")
        .order_by("-pk")[: INTEGRITY_LIMIT + 1]
    )
    changes += [
        GradeChange(
            row["pk"], row["customer_name"], _person(row, "owner"), None, row["history_grade"] or "", row["grade"], ""
        )
        for row in leads
    ]
    return changes


def integrity_findings(showroom: Showroom) -> tuple[IntegrityCheck | None, dict[str, list[IntegrityFinding]]]:
    """What the integrity page shows: the showroom's last run (None before the first) and its stored findings
    per check ("grades", "entries", "orders", "unanswered", "unsettled"). 2 queries, whatever the history's size."""
    state = IntegrityCheck.objects.filter(showroom=showroom).first()
    checks: dict[str, list[IntegrityFinding]] = {check: [] for check in IntegrityFinding.Check.values}
    for finding in IntegrityFinding.objects.filter(showroom=showroom):
        checks[finding.kind_of_check].append(finding)
    return state, checks


def entries_with_phone_without_lead(showroom: Showroom) -> list[Visit]:
    """Register entries (not deleted) with a phone number that no contact of a lead points to: every such entry
    feeds the lead tracker (DOMAIN rule 2), so none should exist. 1 query, at most INTEGRITY_LIMIT + 1 rows."""
    return list(
        Visit.objects.live()
        .filter(showroom=showroom, no_phone=False, contact__isnull=True)
        .select_related("consultant")
        .order_by("-visit_date", "-number")[: INTEGRITY_LIMIT + 1]
    )


# A day after its deadline or its slot, an online lead with no contact or an appointment with no outcome is
# past what the DCC desk's beat jobs chase (escalation, no-shows): someone has to look.
DCC_OVERDUE = timedelta(days=1)


def online_leads_unanswered(showroom: Showroom, *, now: datetime | None = None) -> list[Lead]:
    """Open online leads still waiting for a first contact a day after its deadline; the oldest first.
    1 query, at most INTEGRITY_LIMIT + 1 rows."""
    now = now or timezone.now()
    return list(
        Lead.objects.filter(showroom=showroom, status=LeadStatus.OPEN, response_due_at__lt=now - DCC_OVERDUE)
        .select_related("owner")
        .order_by("response_due_at", "pk")[: INTEGRITY_LIMIT + 1]
    )


def appointments_unsettled(showroom: Showroom, *, now: datetime | None = None) -> list[Appointment]:
    """Appointments still booked a day after their slot ended (the no-show job settles them within minutes);
    the oldest first. 1 query, at most INTEGRITY_LIMIT + 1 rows."""
    now = now or timezone.now()
    return list(
        Appointment.objects.filter(showroom=showroom, state=Appointment.State.BOOKED, ends_at__lt=now - DCC_OVERDUE)
        .select_related("lead__owner")
        .order_by("ends_at", "pk")[: INTEGRITY_LIMIT + 1]
    )


def orders_without_delivery(showroom: Showroom, *, days: int, now: datetime | None = None) -> list[Lead]:
    """Ordered leads whose order (the first contact that moved the lead to O) is more than `days` days old and
    that show no delivery yet (no contact of kind delivery), or that are ordered without any order contact.
    1 query, at most INTEGRITY_LIMIT + 1 rows.

    Until the delivery app lands this is the nearest honest reading of "an order without a contract after
    N days"; once it does, this check should read its contracts and deliveries instead of contacts.
    """
    now = now or timezone.now()
    ordered_at = (
        Contact.objects.filter(lead=OuterRef("pk"), grade_after="O").order_by("occurred_at").values("occurred_at")[:1]
    )
    delivered = Contact.objects.filter(lead=OuterRef("pk"), kind=ContactKind.DELIVERY)
    return list(
        Lead.objects.filter(showroom=showroom, status=LeadStatus.ORDERED)
        .annotate(ordered_at=Subquery(ordered_at))
        .filter(Q(ordered_at__lt=now - timedelta(days=days)) | Q(ordered_at__isnull=True))
        .filter(~Exists(delivered))
        .select_related("owner")
        .order_by(F("ordered_at").asc(nulls_first=True), "pk")[: INTEGRITY_LIMIT + 1]
    )
