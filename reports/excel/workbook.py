"""The monthly Excel workbook (月度报表): one showroom and month (or one consultant's share of it), one sheet per
paper form, built in openpyxl's write-only mode.

Every figure comes from the selectors the pages use (reports.analytics.selectors, leads.selectors.tracker), so a number
in the workbook is the number on the dashboard, the daily review and the grade-status page; the long sheets (register,
tracker, contacts) stream their rows from the database in chunks. Headers are in the requester's language.

Sheets, in order: cover; visitor register; lead tracker; daily sales reports; the daily reports' contacts; monthly
grade status; showroom traffic by time slot; visitors per day; lost-lead analysis; lost leads; consultant
performance; deliveries; callbacks.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter
from typing import NamedTuple

from django.conf import settings
from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from dealer_crm.core.clock import showroom_today
from dealer_crm.core.excel import (
    DATE,
    DATETIME,
    FORMATS,
    INT,
    NUMBER,
    PERCENT,
    SECTION_FONT,
    TEXT,
    TIME,
    Col,
    Sheet,
    local_date,
    local_time,
    new_workbook,
    share,
    to_naive_local,
    write_sheet,
)
from dealer_crm.core.models import Showroom, User
from dealer_crm.core.phones import phone_for
from leads.grade_status import monthly_grade_status
from leads.models import OPEN_GRADES, Channel, ContactKind, Gender, LeadStatus, LostReason, VisitKind
from leads.selectors.register import visit_phone_for
from leads.selectors.tracker import lost_analysis

from ..analytics import online, selectors
from ..models import DailyReport
from .export_selectors import (
    CHUNK,
    Month,
    consultant_performance,
    lost_leads,
    month_callbacks,
    month_contacts,
    month_deliveries,
    month_register,
    person_name,
    register_export_rows,
    staff_names,
    tracker_month_models,
    tracker_month_rows,
)


def C(key: str, header, kind: str = TEXT, width: float = 12, total=None, *, value=None) -> Col:  # noqa: N802
    """A column; headers are pgettext_lazy("excel", …): the paper forms' own wording, kept apart from the
    pages' translations of the same English words. `value`: how its cell is read from a row (Col.value)."""
    return Col(key, header, kind, width, total, value)


TOTAL = pgettext_lazy("excel", "Total")  # every totals row's label


# --- What a workbook is built for ------------------------------------------------------------------------------


@dataclass
class Progress:
    """Counts rows as the long sheets are written and reports every `every` rows (the task's progress bar)."""

    report: Callable[[int], None] | None = None
    every: int = 1000
    rows: int = 0
    _next: int = 0

    def __post_init__(self):
        self._next = self.every

    def add(self, n: int = 1) -> None:
        self.rows += n
        if self.report is not None and self.rows >= self._next:
            self.report(self.rows)
            self._next = self.rows + self.every


@dataclass
class MonthlyWorkbook:
    """What to build: a showroom's month, or one consultant's share of it (`consultant`), as `viewer` may see it
    (phones of other consultants' register entries masked, as on the register page; None: the command line,
    which runs as the server's administrator)."""

    showroom: Showroom
    month: date  # any day of the month
    generated_by: str
    consultant: User | None = None
    viewer: User | None = None
    generated_at: datetime = field(default_factory=timezone.now)
    language: str = settings.LANGUAGE_CODE

    @property
    def period(self) -> Month:
        first = self.month.replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        return Month(showroom=self.showroom, start=first, end=last)

    @property
    def scope(self) -> selectors.Scope:
        period = self.period
        return selectors.Scope(
            showroom=self.showroom, start=period.start, end=period.end, consultant=self.consultant, as_signed=True
        )


# --- How a cell is read from a row (export_selectors' rows are named: row.lead__phone) ---------------------------


def labels(choices) -> dict[str, str]:
    """A choices class's labels in the active language, looked up once per workbook instead of once per cell."""
    return {value: str(label) for value, label in choices}


def choice(choices_class, name: str) -> Callable:
    """A row's choice field `name` as its label in `choices_class` (looked up once per sheet); else as it is."""
    names, read = labels(choices_class.choices), attrgetter(name)

    def label(row):
        value = read(row)
        return names.get(value, value)

    return label


def through(convert: Callable, name: str, *args) -> Callable:
    """A row's field `name` as convert(value, *args) gives it, e.g. through(local_date, "opened_at", zone)."""
    read = attrgetter(name)
    return lambda row: convert(read(row), *args)


def staff(prefix: str) -> Callable:
    """A staff member's name (person_name) from a row's {prefix}__last_name, __first_name and __username."""
    parts = attrgetter(f"{prefix}__last_name", f"{prefix}__first_name", f"{prefix}__username")
    return lambda row: person_name(*parts(row))


def car(prefix: str) -> Callable:
    """A car model as "brand name" from a row's {prefix}__brand and {prefix}__name."""
    parts = attrgetter(f"{prefix}__brand", f"{prefix}__name")
    return lambda row: "{} {}".format(*parts(row))


def phone_seen_by(viewer: User | None, name: str) -> Callable:
    """A row's customer phone as `viewer` may see it (dealer_crm.core.phones.phone_for)."""
    read = attrgetter(name)
    return lambda row: phone_for(viewer, read(row))


def yes_no(value: bool | None) -> str | None:
    if value is None:
        return None
    return _("Yes") if value else _("No")


def figure_rows(figure: selectors.Figure) -> Iterator[tuple]:
    """A figure's rows as plain tuples in its sheet's column order: the label, then the values."""
    return ((label, *values) for label, values in figure.rows)


# --- The register (来店(电)顾客登记表) ----------------------------------------------------------------------------


def register_columns(*, zone=None, viewer: User | None = None) -> list[Col]:
    """The paper form's 17 columns, and whether the entry is a late one (补登), read from export_selectors'
    register rows. reports.excel.register_import reads an exported register back by their keys and headers,
    which need no zone or viewer."""
    genders = labels(Gender.choices)
    genders[""] = ""  # "Not recorded" is an empty cell
    source = "source__name_en" if translation.get_language() == "en" else "source__name_zh"
    late = pgettext("excel", "Late entry")

    def phone(row):
        # The register page's masking rule; the row has the two fields it reads (phone, consultant_id).
        return visit_phone_for(viewer, row) if row.phone and viewer is not None else row.phone

    def address(row):
        return f"{row.district__name} {row.address}".strip() if row.district__name else row.address

    def model(row):
        return f"{row.car_model__brand} {row.car_model__name}" if row.car_model__name else None

    def minutes(row):
        return int((row.left_at - row.arrived_at).total_seconds() // 60)

    return [
        C("number", pgettext_lazy("excel", "No."), INT, 6),
        C("date", pgettext_lazy("excel", "Date"), DATE, 11, value="visit_date"),
        C("kind", pgettext_lazy("excel", "Walk-in or call"), TEXT, 8, value=choice(VisitKind, "kind")),
        C("customer", pgettext_lazy("excel", "Customer name"), TEXT, 12, value="customer_name"),
        C("gender", pgettext_lazy("excel", "Gender"), TEXT, 6, value=lambda row: genders.get(row.gender, row.gender)),
        C("phone", pgettext_lazy("excel", "Phone"), TEXT, 14, value=phone),
        C("address", pgettext_lazy("excel", "District / address"), TEXT, 20, value=address),
        C("model", pgettext_lazy("excel", "Model of interest"), TEXT, 16, value=model),
        C("source", pgettext_lazy("excel", "Information source"), TEXT, 10, value=source),
        C("arrival", pgettext_lazy("excel", "Arrival"), TIME, 8, value=through(local_time, "arrived_at", zone)),
        C("departure", pgettext_lazy("excel", "Departure"), TIME, 8, value=through(local_time, "left_at", zone)),
        C("duration", pgettext_lazy("excel", "Duration (minutes)"), INT, 8, "sum", value=minutes),
        C("party", pgettext_lazy("excel", "Party size"), INT, 6, "sum", value="party_size"),
        C("grade", pgettext_lazy("excel", "Intent grade"), TEXT, 7),
        C("summary", pgettext_lazy("excel", "Talk summary"), TEXT, 40),
        C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10, value=staff("consultant")),
        C("remarks", pgettext_lazy("excel", "Remarks"), TEXT, 20),
        C("late", pgettext_lazy("excel", "Late entry"), TEXT, 8, value=lambda row: late if row.late else None),
    ]


def register_sheet(workbook, rows: Iterable, *, zone, viewer: User | None, progress: Progress) -> int:
    """Register rows (export_selectors.register_export_rows) as the paper form, phones as `viewer` may see them
    (other consultants' masked, as on the register page; None: all in full)."""
    columns = register_columns(zone=zone, viewer=viewer)
    return write_sheet(workbook, pgettext("excel", "Visitor register"), columns, rows, progress=progress, totals=TOTAL)


def monthly_register_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    period = spec.period
    visits = month_register(showroom=spec.showroom, start=period.start, end=period.end, consultant=spec.consultant)
    rows = register_export_rows(visits).iterator(chunk_size=CHUNK)
    return register_sheet(workbook, rows, zone=spec.showroom.zone, viewer=spec.viewer, progress=progress)


# --- The lead tracker (意向客户进度管控表) ------------------------------------------------------------------------


def tracker_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    """export_selectors.tracker_month_rows: every lead open at some moment of the month, as it was then."""
    zone = spec.showroom.zone
    names = staff_names(spec.showroom)
    models = tracker_month_models(spec.period, consultant=spec.consultant)

    def grade_start(row):  # empty for a lead not yet made, or already closed, when the month began
        return row.grade_start if row.grade_start in OPEN_GRADES else None

    def next_follow_up(row):
        return row.next_follow_up if row.status == LeadStatus.OPEN else None

    status_end, last_contact = choice(LeadStatus, "status_end"), through(local_date, "last_contact", zone)

    columns = [
        C("customer", pgettext_lazy("excel", "Customer name"), TEXT, 12, value="customer_name"),
        C("phone", pgettext_lazy("excel", "Phone"), TEXT, 14, value=phone_seen_by(spec.viewer, "phone")),
        C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10, value=lambda row: names.get(row.owner_end, "")),
        C("channel", pgettext_lazy("excel", "Channel"), TEXT, 12, value=choice(Channel, "channel")),
        C("models", pgettext_lazy("excel", "Models of interest"), TEXT, 20, value=lambda row: models.get(row.pk)),
        C("created", pgettext_lazy("excel", "Lead created"), DATE, 11, value=through(local_date, "opened_at", zone)),
        C("grade_start", pgettext_lazy("excel", "Grade at start of month"), TEXT, 8, value=grade_start),
        C("grade_end", pgettext_lazy("excel", "Grade at end of month"), TEXT, 8),
        C("status_end", pgettext_lazy("excel", "Status at end of month"), TEXT, 10, value=status_end),
        C("contacts", pgettext_lazy("excel", "Contacts in month"), INT, 8, "sum", value="contacts_in_month"),
        C("last_contact", pgettext_lazy("excel", "Last contact"), DATE, 11, value=last_contact),
        C("next", pgettext_lazy("excel", "Next follow-up"), DATE, 11, value=next_follow_up),
        C("expected", pgettext_lazy("excel", "Expected purchase"), DATE, 11, value="expected_purchase_date"),
    ]
    rows = tracker_month_rows(spec.period, consultant=spec.consultant).iterator(chunk_size=CHUNK)
    return write_sheet(workbook, pgettext("excel", "Lead tracker"), columns, rows, progress=progress, totals=TOTAL)


# --- The daily sales reports (营业日报表) -------------------------------------------------------------------------

DAILY_COLUMNS = [
    C("date", pgettext_lazy("excel", "Date"), DATE, 11, value="day"),
    C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10),
    C("walk_ins", pgettext_lazy("excel", "Walk-ins"), INT, 7, "sum", value="line.walk_ins"),
    C("calls", pgettext_lazy("excel", "Calls"), INT, 7, "sum", value="line.calls"),
    C("with_phone", pgettext_lazy("excel", "Left a phone"), INT, 8, "sum", value="line.with_phone"),
    C("new_leads", pgettext_lazy("excel", "New leads"), INT, 8, "sum", value="line.new_leads"),
    C("contacts", pgettext_lazy("excel", "Contacts"), INT, 8, "sum", value="line.contacts"),
    C("test_drives", pgettext_lazy("excel", "Test drives"), INT, 8, "sum", value="line.test_drives"),
    C("quotations", pgettext_lazy("excel", "Quotations"), INT, 8, "sum", value="line.quotations"),
    C("orders", pgettext_lazy("excel", "Orders"), INT, 7, "sum", value="line.orders"),
    C("deliveries", pgettext_lazy("excel", "Deliveries"), INT, 7, "sum", value="line.deliveries"),
    C("callbacks", pgettext_lazy("excel", "Callbacks"), INT, 7, "sum", value="line.callbacks"),
    C("lost", pgettext_lazy("excel", "Lost"), INT, 7, "sum", value="line.lost"),
    C("missed", pgettext_lazy("excel", "Missed follow-ups"), INT, 8, "sum", value="line.missed_follow_ups"),
    C("report", pgettext_lazy("excel", "Report"), TEXT, 10),
]


class DailyLine(NamedTuple):
    day: date
    consultant: str
    line: selectors.DailyFigures
    report: str  # submitted, signed off or neither


def daily_reports_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    title = pgettext("excel", "Daily sales reports")
    return write_sheet(workbook, title, DAILY_COLUMNS, daily_lines(spec), progress=progress, totals=TOTAL)


def daily_lines(spec: MonthlyWorkbook) -> Iterator[DailyLine]:
    """Each consultant's daily-report lines for every day of the month up to today: selectors.daily_report_figures
    per day (a fixed number of queries per day of the month), and whether the report was submitted and signed;
    a signed report's lines as signed (selectors.reported_figures)."""
    period = spec.period
    names = staff_names(spec.showroom)
    reports = DailyReport.objects.filter(showroom=spec.showroom, date__range=(period.start, period.end))
    if spec.consultant is not None:
        reports = reports.filter(consultant=spec.consultant)
    reports = {(report.date, report.consultant_id): report for report in reports}
    signed_off, submitted = pgettext("excel", "Signed off"), pgettext("excel", "Submitted")
    not_submitted = pgettext("excel", "Not submitted")
    today = showroom_today(spec.showroom)
    for day in period_days(period):
        if day > today:
            break
        figures = selectors.daily_report_figures(showroom=spec.showroom, day=day, consultant=spec.consultant)
        for user_id in sorted(figures, key=lambda pk: (names.get(pk, ""), pk)):
            report = reports.get((day, user_id))
            # A signed report's lines are the ones the manager signed (late entries approved since show live).
            line = selectors.reported_figures(report, figures[user_id]).figures
            state = not_submitted
            if report and report.is_signed_off:
                state = signed_off
            elif report and report.is_submitted:
                state = submitted
            yield DailyLine(day, names.get(user_id, ""), line, state)


def period_days(period: Month) -> list[date]:
    return [date.fromordinal(ordinal) for ordinal in range(period.start.toordinal(), period.end.toordinal() + 1)]


def contacts_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    """The body of the month's daily reports: every contact, by day and consultant (营业活动访问日报表)."""
    zone = spec.showroom.zone
    columns = [
        C("date", pgettext_lazy("excel", "Date"), DATE, 11, value="contact_date"),
        C("time", pgettext_lazy("excel", "Time"), TIME, 7, value=through(local_time, "occurred_at", zone)),
        C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10, value=staff("consultant")),
        C("customer", pgettext_lazy("excel", "Customer name"), TEXT, 12, value="lead__customer_name"),
        C("phone", pgettext_lazy("excel", "Phone"), TEXT, 14, value=phone_seen_by(spec.viewer, "lead__phone")),
        C("kind", pgettext_lazy("excel", "Contact"), TEXT, 10, value=choice(ContactKind, "kind")),
        C("summary", pgettext_lazy("excel", "What happened"), TEXT, 40),
        C("grade_before", pgettext_lazy("excel", "Grade before"), TEXT, 7),
        C("grade_after", pgettext_lazy("excel", "Grade after"), TEXT, 7),
        C("next", pgettext_lazy("excel", "Next contact"), DATE, 11, value="next_follow_up"),
    ]
    rows = month_contacts(spec.period, consultant=spec.consultant).iterator(chunk_size=CHUNK)
    return write_sheet(workbook, pgettext("excel", "Daily report contacts"), columns, rows, progress=progress)


# --- Monthly grade status (月份意向客户级别状况表) -----------------------------------------------------------------


def grade_status_columns() -> list[Col]:
    """Over leads.grade_status.GradeStatusRow lines: the open leads per grade when the month began, its
    moves, the open leads per grade when it ended."""

    def in_grade(moment: str, grade: str) -> Callable:
        return lambda line: getattr(line, moment)[grade]

    def in_all(moment: str) -> Callable:
        return lambda line: sum(getattr(line, moment)[grade] for grade in OPEN_GRADES)

    def per_grade(moment: str, key: str, header: str) -> list[Col]:
        return [
            Col(f"{key}_{grade}", header % {"grade": grade}, INT, 7, "sum", in_grade(moment, grade))
            for grade in OPEN_GRADES
        ]

    return [
        C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10, value=lambda line: str(line.consultant)),
        *per_grade("at_start", "start", pgettext("excel", "Start %(grade)s")),
        C("start_total", pgettext_lazy("excel", "Start total"), INT, 8, "sum", value=in_all("at_start")),
        C("new", pgettext_lazy("excel", "New"), INT, 8, "sum"),
        C("upgraded", pgettext_lazy("excel", "Upgraded"), INT, 8, "sum"),
        C("downgraded", pgettext_lazy("excel", "Downgraded"), INT, 8, "sum"),
        C("ordered", pgettext_lazy("excel", "Ordered"), INT, 8, "sum"),
        C("lost", pgettext_lazy("excel", "Lost"), INT, 8, "sum"),
        *per_grade("at_end", "end", pgettext("excel", "End %(grade)s")),
        C("end_total", pgettext_lazy("excel", "End total"), INT, 8, "sum", value=in_all("at_end")),
    ]


def grade_status_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    lines = monthly_grade_status(showroom=spec.showroom, month=spec.period.start, consultant=spec.consultant)
    title = pgettext("excel", "Monthly grade status")
    return write_sheet(workbook, title, grade_status_columns(), lines, progress=progress, totals=TOTAL)


# --- Showroom traffic (展厅客流量统计表) and visitors per day ---------------------------------------------------


def traffic_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    """Walk-in batches per time slot of arrival and weekday: selectors.traffic_by_slot."""
    columns = [
        C("slot", pgettext_lazy("excel", "Time slot"), TEXT, 13),
        *[Col(f"d{iso}", str(WEEKDAYS[iso - 1]), INT, 8, "sum") for iso in range(1, 8)],
        C("total", pgettext_lazy("excel", "Total"), INT, 8, "sum"),
    ]
    rows = figure_rows(selectors.traffic_by_slot(spec.scope))
    return write_sheet(workbook, pgettext("excel", "Showroom traffic"), columns, rows, progress=progress, totals=TOTAL)


DAY_COLUMNS = [
    C("date", pgettext_lazy("excel", "Date"), DATE, 11),
    C("weekday", pgettext_lazy("excel", "Weekday"), TEXT, 8),
    C("walk_ins", pgettext_lazy("excel", "Walk-ins"), INT, 8, "sum"),
    C("calls", pgettext_lazy("excel", "Calls"), INT, 8, "sum"),
    C("total", pgettext_lazy("excel", "Total"), INT, 8, "sum"),
]


def visits_by_day_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    """Register entries (batches) per day of the month: selectors.visits_by_day, with real dates."""
    scope = spec.scope
    days = zip(scope.days, selectors.visits_by_day(scope).rows, strict=True)
    rows = ((day, str(WEEKDAYS[day.weekday()]), *values) for day, (_label, values) in days)
    title = pgettext("excel", "Visitors per day")
    return write_sheet(workbook, title, DAY_COLUMNS, rows, progress=progress, totals=TOTAL)


# --- Lost leads (意向客户流失分析表) ---------------------------------------------------------------------------------


def lost_analysis_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    period = spec.period
    analysis = lost_analysis(showroom=spec.showroom, start=period.start, end=period.end, owner=spec.consultant)
    return write_lost_analysis(workbook, analysis, progress)


def write_lost_analysis(workbook, analysis: dict[str, list[dict]], progress: Progress) -> int:
    """leads.selectors.tracker.lost_analysis's groupings as stacked tables (reason, competitor brand, consultant,
    channel), each with its count, its share of the grouping and a totals row. Several tables on one sheet: the
    autofilter (one per sheet) is left off here; the "Lost leads" sheet is the filterable list."""
    sheet = Sheet(workbook, pgettext("excel", "Lost-lead analysis"), autofilter=False)
    for letter, width in zip("ABC", (22, 10, 10), strict=True):
        sheet.ws.column_dimensions[letter].width = width
    reasons, channels = labels(LostReason.choices), labels(Channel.choices)
    groupings = [  # the rows are dicts (values()): a column's value names a key
        ("by_reason", pgettext("excel", "By reason"), lambda row: reasons.get(row["reason"], row["reason"])),
        ("by_competitor", pgettext("excel", "By competitor brand"), "competitor_brand"),
        (
            "by_consultant",
            pgettext("excel", "By consultant"),
            lambda row: person_name(row["lead__owner__last_name"], row["lead__owner__first_name"], ""),
        ),
        ("by_channel", pgettext("excel", "By channel"), lambda row: channels.get(row["lead__channel"], "")),
    ]
    for index, (key, heading, category) in enumerate(groupings):
        rows = analysis[key]
        total = sum(row["n"] for row in rows)
        if index:
            sheet.blank()
        sheet.header(
            [
                Col("category", heading, TEXT, 22, value=category),
                Col("n", pgettext("excel", "Number lost"), INT, 10, "sum"),
                Col("share", pgettext("excel", "Share"), PERCENT, 10, "sum", lambda row, t=total: share(row["n"], t)),
            ]
        )
        sheet.write_rows(rows, progress=progress)
        sheet.totals(TOTAL)
    sheet.close()
    return sheet.data_rows


def write_lost_leads(workbook, rows: Iterable, *, zone, viewer: User | None, progress: Progress) -> int:
    """export_selectors.lost_leads rows: the approved lost-lead requests behind the analysis."""
    columns = [
        C("decided", pgettext_lazy("excel", "Approved on"), DATE, 11, value=through(local_date, "decided_at", zone)),
        C("customer", pgettext_lazy("excel", "Customer name"), TEXT, 12, value="lead__customer_name"),
        C("phone", pgettext_lazy("excel", "Phone"), TEXT, 14, value=phone_seen_by(viewer, "lead__phone")),
        C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10, value=staff("lead__owner")),
        C("channel", pgettext_lazy("excel", "Channel"), TEXT, 12, value=choice(Channel, "lead__channel")),
        C("reason", pgettext_lazy("excel", "Reason"), TEXT, 12, value=choice(LostReason, "reason")),
        C("brand", pgettext_lazy("excel", "Competitor brand"), TEXT, 10, value="competitor_brand"),
        C("model", pgettext_lazy("excel", "Competitor model"), TEXT, 10, value="competitor_model"),
        C("note", pgettext_lazy("excel", "Note"), TEXT, 30),
        C("approved_by", pgettext_lazy("excel", "Approved by"), TEXT, 10, value=staff("decided_by")),
    ]
    return write_sheet(workbook, pgettext("excel", "Lost leads"), columns, rows, progress=progress)


def lost_leads_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    period = spec.period
    rows = lost_leads(
        showroom=spec.showroom, start_at=period.start_at, end_at=period.end_at, owner=spec.consultant
    ).iterator(chunk_size=CHUNK)
    return write_lost_leads(workbook, rows, zone=spec.showroom.zone, viewer=spec.viewer, progress=progress)


# --- Consultant performance (顾问业绩) ---------------------------------------------------------------------------

PERFORMANCE_COLUMNS = [
    C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10),
    C("visitors", pgettext_lazy("excel", "Visitors"), INT, 8, "sum"),
    C("with_phone", pgettext_lazy("excel", "Left a phone"), INT, 8, "sum"),
    C("phone_rate", pgettext_lazy("excel", "Phone-left rate"), PERCENT, 9, ("ratio", "with_phone", "visitors")),
    C("leads", pgettext_lazy("excel", "Leads"), INT, 8, "sum"),
    C("test_drives", pgettext_lazy("excel", "Test drives"), INT, 8, "sum"),
    C("orders", pgettext_lazy("excel", "Orders"), INT, 8, "sum"),
    C("deliveries", pgettext_lazy("excel", "Deliveries"), INT, 8, "sum"),
    C("closing_rate", pgettext_lazy("excel", "Closing rate"), PERCENT, 9, ("ratio", "orders", "leads")),
]


def performance_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    rows = figure_rows(consultant_performance(spec.scope))
    title = pgettext("excel", "Consultant performance")
    return write_sheet(workbook, title, PERFORMANCE_COLUMNS, rows, progress=progress, totals=TOTAL)


# --- Deliveries and callbacks (交车, 新客户回访) -------------------------------------------------------------------


def deliveries_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    from delivery.models import Delivery

    viewer, starts_at = spec.viewer, through(to_naive_local, "starts_at", spec.showroom.zone)
    columns = [
        C("time", pgettext_lazy("excel", "Delivery time"), DATETIME, 16, value=starts_at),
        C("contract", pgettext_lazy("excel", "Contract no."), TEXT, 14, value="contract__number"),
        C("customer", pgettext_lazy("excel", "Customer name"), TEXT, 12, value="contract__lead__customer_name"),
        C("phone", pgettext_lazy("excel", "Phone"), TEXT, 14, value=phone_seen_by(viewer, "contract__lead__phone")),
        C("model", pgettext_lazy("excel", "Model"), TEXT, 16, value=car("contract__car_model")),
        C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10, value=staff("contract__consultant")),
        C("advisor", pgettext_lazy("excel", "Service advisor"), TEXT, 10, value="service_advisor"),
        C("status", pgettext_lazy("excel", "Status"), TEXT, 8, value=choice(Delivery.Status, "status")),
        C("delivered", pgettext_lazy("excel", "Delivered on"), DATE, 11, value="delivered_on"),
    ]
    rows = month_deliveries(spec.period, consultant=spec.consultant).iterator(chunk_size=CHUNK)
    return write_sheet(workbook, pgettext("excel", "Deliveries"), columns, rows, progress=progress)


def callbacks_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    from delivery.models import Callback

    zone, lead = spec.showroom.zone, "delivery__contract__lead__"

    def complaint(row):  # asked on the call: unknown until it is done
        return yes_no(row.has_complaint) if row.status == Callback.Status.DONE else None

    columns = [
        C("due", pgettext_lazy("excel", "Due"), DATE, 11, value="due_date"),
        C("step", pgettext_lazy("excel", "Callback no."), INT, 6),
        C("customer", pgettext_lazy("excel", "Customer name"), TEXT, 12, value=f"{lead}customer_name"),
        C("phone", pgettext_lazy("excel", "Phone"), TEXT, 14, value=phone_seen_by(spec.viewer, f"{lead}phone")),
        C("model", pgettext_lazy("excel", "Model"), TEXT, 16, value=car("delivery__contract__car_model")),
        C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10, value=staff("consultant")),
        C("status", pgettext_lazy("excel", "Status"), TEXT, 8, value=choice(Callback.Status, "status")),
        C("done", pgettext_lazy("excel", "Done at"), DATETIME, 16, value=through(to_naive_local, "done_at", zone)),
        C("reached", pgettext_lazy("excel", "Customer reached"), TEXT, 8, value=through(yes_no, "reached")),
        C("satisfaction", pgettext_lazy("excel", "Satisfaction (1-5)"), INT, 8),
        C("complaint", pgettext_lazy("excel", "Complaint"), TEXT, 8, value=complaint),
        C("remarks", pgettext_lazy("excel", "Remarks"), TEXT, 30),
    ]
    rows = month_callbacks(spec.period, consultant=spec.consultant).iterator(chunk_size=CHUNK)
    return write_sheet(workbook, pgettext("excel", "Callbacks"), columns, rows, progress=progress)


# --- Online leads (线索): the DCC desk's month, by platform and by consultant ------------------------------------


def fraction_of(key: str):
    """A figure's percentage (25.3) as the fraction a PERCENT cell holds (0.253)."""
    return lambda row: None if getattr(row, key) is None else getattr(row, key) / 100


def online_columns(first_header) -> list[Col]:
    return [
        C("label", first_header, TEXT, 14),
        C("leads", pgettext_lazy("excel", "Online leads"), INT, 9),
        C("median_minutes", pgettext_lazy("excel", "First response, median (min)"), NUMBER, 11),
        C("p90_minutes", pgettext_lazy("excel", "First response, 90th percentile (min)"), NUMBER, 11),
        C("met_rate", pgettext_lazy("excel", "Deadline met"), PERCENT, 9, value=fraction_of("met_rate")),
        C("invited_rate", pgettext_lazy("excel", "Invited"), PERCENT, 9, value=fraction_of("invited_rate")),
        C("show_rate", pgettext_lazy("excel", "Show rate"), PERCENT, 9, value=fraction_of("show_rate")),
        C("visit_rate", pgettext_lazy("excel", "Visited"), PERCENT, 9, value=fraction_of("visit_rate")),
        C("order_rate", pgettext_lazy("excel", "Ordered"), PERCENT, 9, value=fraction_of("order_rate")),
    ]


class OnlineRow(NamedTuple):
    label: str
    leads: int
    median_minutes: float | None
    p90_minutes: float | None
    met_rate: float | None
    invited_rate: float | None
    show_rate: float | None
    visit_rate: float | None
    order_rate: float | None


def write_online_figure(workbook, title, first_header, figure: selectors.Figure, progress: Progress) -> int:
    """The dashboard's figure, and its all-leads line last (a median is no sum of medians: written, not a formula)."""
    rows = [OnlineRow(label, *values) for label, values in figure.rows]
    if figure.totals is not None:
        rows.append(OnlineRow(str(TOTAL), *figure.totals))
    return write_sheet(workbook, title, online_columns(first_header), rows, progress=progress)


def online_by_platform_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    figure = online.online_by_platform(spec.scope)
    title = pgettext("excel", "Online leads by platform")
    return write_online_figure(workbook, title, pgettext_lazy("excel", "Platform"), figure, progress)


def online_by_consultant_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    figure = online.online_by_consultant(spec.scope)
    title = pgettext("excel", "Online leads by consultant")
    return write_online_figure(workbook, title, pgettext_lazy("excel", "Consultant"), figure, progress)


# --- The cover and the whole workbook ----------------------------------------------------------------------------

SHEETS: list[Callable] = [
    monthly_register_sheet,
    tracker_sheet,
    daily_reports_sheet,
    contacts_sheet,
    grade_status_sheet,
    traffic_sheet,
    visits_by_day_sheet,
    lost_analysis_sheet,
    lost_leads_sheet,
    performance_sheet,
    deliveries_sheet,
    callbacks_sheet,
    online_by_platform_sheet,
    online_by_consultant_sheet,
]

COVER_COLUMNS = [
    C("item", pgettext_lazy("excel", "Sheet"), TEXT, 28),
    C("rows", pgettext_lazy("excel", "Rows"), INT, 10, "sum"),
]


def build_monthly_workbook(spec: MonthlyWorkbook, target, *, progress: Progress | None = None) -> int:
    """Write the workbook to `target` (a path or a binary file) and return its data rows over all sheets.

    1. In the requester's language: every header, label and sheet name.
    2. The cover sheet is created first (so it is the first tab) and filled last, when each sheet's row count
       is known: write-only sheets are separate streams, so one can be appended to after the others.
    3. Each sheet function streams its rows and reports them to `progress`.
    """
    progress = progress or Progress()
    with translation.override(spec.language):
        workbook = new_workbook()
        cover = Sheet(workbook, pgettext("excel", "Cover"), autofilter=False, repeat_header=False)
        # Widths before any row (write-only); the rows come last.
        cover.ws.column_dimensions["A"].width = 30
        cover.ws.column_dimensions["B"].width = 36
        counts = []
        for write in SHEETS:
            sheet_count = len(workbook.worksheets)
            rows = write(workbook, spec, progress)
            counts.append((workbook.worksheets[sheet_count].title, rows))
        write_cover(cover, spec, counts)
        workbook.save(target)
    return sum(rows for _title, rows in counts)


def write_cover(cover: Sheet, spec: MonthlyWorkbook, counts: list[tuple[str, int]]) -> None:
    period = spec.period
    cover.heading(pgettext("excel", "Monthly report"))
    cover.blank()
    whose = str(spec.consultant) if spec.consultant is not None else pgettext("excel", "Whole showroom")
    facts = [
        (pgettext("excel", "Showroom"), f"{spec.showroom.name} ({spec.showroom.code})", TEXT),
        (pgettext("excel", "Month"), period.start.strftime("%Y-%m"), TEXT),
        (pgettext("excel", "Covers"), whose, TEXT),
        (pgettext("excel", "Generated by"), spec.generated_by, TEXT),
        (pgettext("excel", "Generated at"), to_naive_local(spec.generated_at, spec.showroom.zone), DATETIME),
    ]
    for label, value, kind in facts:
        cover.pair(label, value, number_format=FORMATS.get(kind))
    cover.blank()
    cover.heading(
        pgettext("excel", "Contains customers' personal data: keep it within the dealership and delete it when done."),
        font=SECTION_FONT,
    )
    cover.blank()
    cover.header(COVER_COLUMNS)
    cover.write_rows(counts)
    cover.totals(TOTAL)
    cover.close()
