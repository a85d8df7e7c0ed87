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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

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
    PERCENT,
    SECTION_FONT,
    TEXT,
    TIME,
    Col,
    Sheet,
    local_time,
    new_workbook,
    to_naive_local,
)
from dealer_crm.core.models import Showroom, User
from dealer_crm.core.phones import phone_for
from leads.models import OPEN_GRADES, Channel, ContactKind, Gender, LeadStatus, LostReason, VisitKind
from leads.selectors.register import visit_phone_for
from leads.selectors.tracker import lost_analysis, monthly_grade_status

from ..analytics import selectors
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


def C(key: str, header, kind: str = TEXT, width: float = 12, total=None) -> Col:  # noqa: N802
    """A column; headers are pgettext_lazy("excel", …): the paper forms' own wording, kept apart from the
    pages' translations of the same English words."""
    return Col(key, header, kind, width, total)


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


class PhoneRow:
    """The two attributes leads.selectors.register.visit_phone_for reads, so the masking rule is applied to a values()
    row without building a model instance per row."""

    __slots__ = ("consultant_id", "phone")


def labels(choices) -> dict[str, str]:
    """A choices class's labels in the active language, looked up once per workbook instead of once per cell."""
    return {value: str(label) for value, label in choices}


def yes_no(value: bool | None) -> str | None:
    if value is None:
        return None
    return _("Yes") if value else _("No")


# --- The register (来店(电)顾客登记表) ----------------------------------------------------------------------------

REGISTER_COLUMNS = [
    C("number", pgettext_lazy("excel", "No."), INT, 6),
    C("date", pgettext_lazy("excel", "Date"), DATE, 11),
    C("kind", pgettext_lazy("excel", "Walk-in or call"), TEXT, 8),
    C("customer", pgettext_lazy("excel", "Customer name"), TEXT, 12),
    C("gender", pgettext_lazy("excel", "Gender"), TEXT, 6),
    C("phone", pgettext_lazy("excel", "Phone"), TEXT, 14),
    C("address", pgettext_lazy("excel", "District / address"), TEXT, 20),
    C("model", pgettext_lazy("excel", "Model of interest"), TEXT, 16),
    C("source", pgettext_lazy("excel", "Information source"), TEXT, 10),
    C("arrival", pgettext_lazy("excel", "Arrival"), TIME, 8),
    C("departure", pgettext_lazy("excel", "Departure"), TIME, 8),
    C("duration", pgettext_lazy("excel", "Duration (minutes)"), INT, 8, "sum"),
    C("party", pgettext_lazy("excel", "Party size"), INT, 6, "sum"),
    C("grade", pgettext_lazy("excel", "Intent grade"), TEXT, 7),
    C("summary", pgettext_lazy("excel", "Talk summary"), TEXT, 40),
    C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10),
    C("remarks", pgettext_lazy("excel", "Remarks"), TEXT, 20),
    C("late", pgettext_lazy("excel", "Late entry"), TEXT, 8),
]


def register_sheet(
    workbook, rows: Iterable[tuple], *, zone, viewer: User | None, progress: Progress, title=None
) -> int:
    """The register's rows (export_selectors.REGISTER_FIELDS tuples) as the paper form's 17 columns, and whether
    the entry is a late one (补登)."""
    late_label = pgettext("excel", "Late entry")
    sheet = Sheet(workbook, title or pgettext("excel", "Visitor register"), REGISTER_COLUMNS)
    kinds, genders = labels(VisitKind.choices), labels(Gender.choices)
    genders[""] = ""
    english = translation.get_language() == "en"
    phone_of = PhoneRow()
    for (
        visit_date,
        number,
        kind,
        customer_name,
        gender,
        phone,
        district,
        address,
        brand,
        model,
        source_zh,
        source_en,
        arrived_at,
        left_at,
        party_size,
        grade,
        summary,
        last_name,
        first_name,
        username,
        remarks,
        consultant_id,
        late,
    ) in rows:
        if phone and viewer is not None:
            phone_of.phone, phone_of.consultant_id = phone, consultant_id
            phone = visit_phone_for(viewer, phone_of)
        sheet.row(
            (
                number,
                visit_date,
                kinds.get(kind, kind),
                customer_name,
                genders.get(gender, gender),
                phone,
                f"{district} {address}".strip() if district else address,
                f"{brand} {model}" if model else None,
                source_en if english else source_zh,
                local_time(arrived_at, zone),
                local_time(left_at, zone),
                int((left_at - arrived_at).total_seconds() // 60),
                party_size,
                grade,
                summary,
                person_name(last_name, first_name, username),
                remarks,
                late_label if late else None,
            )
        )
        progress.add()
    sheet.totals(pgettext("excel", "Total"))
    sheet.close()
    return sheet.data_rows


def monthly_register_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    period = spec.period
    visits = month_register(showroom=spec.showroom, start=period.start, end=period.end, consultant=spec.consultant)
    rows = register_export_rows(visits).iterator(chunk_size=CHUNK)
    return register_sheet(workbook, rows, zone=spec.showroom.zone, viewer=spec.viewer, progress=progress)


# --- The lead tracker (意向客户进度管控表) ------------------------------------------------------------------------

TRACKER_COLUMNS = [
    C("customer", pgettext_lazy("excel", "Customer name"), TEXT, 12),
    C("phone", pgettext_lazy("excel", "Phone"), TEXT, 14),
    C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10),
    C("channel", pgettext_lazy("excel", "Channel"), TEXT, 12),
    C("models", pgettext_lazy("excel", "Models of interest"), TEXT, 20),
    C("created", pgettext_lazy("excel", "Lead created"), DATE, 11),
    C("grade_start", pgettext_lazy("excel", "Grade at start of month"), TEXT, 8),
    C("grade_end", pgettext_lazy("excel", "Grade at end of month"), TEXT, 8),
    C("status_end", pgettext_lazy("excel", "Status at end of month"), TEXT, 10),
    C("contacts", pgettext_lazy("excel", "Contacts in month"), INT, 8, "sum"),
    C("last_contact", pgettext_lazy("excel", "Last contact"), DATE, 11),
    C("next", pgettext_lazy("excel", "Next follow-up"), DATE, 11),
    C("expected", pgettext_lazy("excel", "Expected purchase"), DATE, 11),
]


def tracker_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    period, zone = spec.period, spec.showroom.zone
    sheet = Sheet(workbook, pgettext("excel", "Lead tracker"), TRACKER_COLUMNS)
    names = staff_names(spec.showroom)
    models = tracker_month_models(period, consultant=spec.consultant)
    channels, statuses = labels(Channel.choices), labels(LeadStatus.choices)
    for (
        pk,
        customer_name,
        phone,
        channel,
        opened_at,
        grade_start,
        grade_end,
        status_end,
        owner_end,
        contacts_in_month,
        last_contact,
        next_follow_up,
        expected_purchase_date,
        status_now,
    ) in tracker_month_rows(period, consultant=spec.consultant).iterator(chunk_size=CHUNK):
        sheet.row(
            (
                customer_name,
                phone_for(spec.viewer, phone),
                names.get(owner_end, ""),
                channels.get(channel, channel),
                models.get(pk),
                opened_at.astimezone(zone).date() if opened_at else None,
                grade_start if grade_start in OPEN_GRADES else None,
                grade_end,
                statuses.get(status_end, status_end),
                contacts_in_month,
                last_contact.astimezone(zone).date() if last_contact else None,
                next_follow_up if status_now == LeadStatus.OPEN else None,
                expected_purchase_date,
            )
        )
        progress.add()
    sheet.totals(pgettext("excel", "Total"))
    sheet.close()
    return sheet.data_rows


# --- The daily sales reports (营业日报表) -------------------------------------------------------------------------

DAILY_COLUMNS = [
    C("date", pgettext_lazy("excel", "Date"), DATE, 11),
    C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10),
    C("walk_ins", pgettext_lazy("excel", "Walk-ins"), INT, 7, "sum"),
    C("calls", pgettext_lazy("excel", "Calls"), INT, 7, "sum"),
    C("with_phone", pgettext_lazy("excel", "Left a phone"), INT, 8, "sum"),
    C("new_leads", pgettext_lazy("excel", "New leads"), INT, 8, "sum"),
    C("contacts", pgettext_lazy("excel", "Contacts"), INT, 8, "sum"),
    C("test_drives", pgettext_lazy("excel", "Test drives"), INT, 8, "sum"),
    C("quotations", pgettext_lazy("excel", "Quotations"), INT, 8, "sum"),
    C("orders", pgettext_lazy("excel", "Orders"), INT, 7, "sum"),
    C("deliveries", pgettext_lazy("excel", "Deliveries"), INT, 7, "sum"),
    C("callbacks", pgettext_lazy("excel", "Callbacks"), INT, 7, "sum"),
    C("lost", pgettext_lazy("excel", "Lost"), INT, 7, "sum"),
    C("missed", pgettext_lazy("excel", "Missed follow-ups"), INT, 8, "sum"),
    C("report", pgettext_lazy("excel", "Report"), TEXT, 10),
]


def daily_reports_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    """Each consultant's daily-report lines for every day of the month up to today: selectors.daily_report_figures
    per day (a fixed number of queries per day of the month), and whether the report was submitted and signed;
    a signed report's lines as signed (selectors.reported_figures)."""
    period = spec.period
    sheet = Sheet(workbook, pgettext("excel", "Daily sales reports"), DAILY_COLUMNS)
    names = staff_names(spec.showroom)
    reports = DailyReport.objects.filter(showroom=spec.showroom, date__range=(period.start, period.end))
    if spec.consultant is not None:
        reports = reports.filter(consultant=spec.consultant)
    reports = {(report.date, report.consultant_id): report for report in reports}
    state_labels = {
        "signed_off": pgettext("excel", "Signed off"),
        "submitted": pgettext("excel", "Submitted"),
        "": pgettext("excel", "Not submitted"),
    }
    today = showroom_today(spec.showroom)
    for day in period_days(period):
        if day > today:
            break
        figures = selectors.daily_report_figures(showroom=spec.showroom, day=day, consultant=spec.consultant)
        for user_id in sorted(figures, key=lambda pk: (names.get(pk, ""), pk)):
            report = reports.get((day, user_id))
            # A signed report's lines are the ones the manager signed (late entries approved since show live).
            line = selectors.reported_figures(report, figures[user_id]).figures
            state = (
                "signed_off"
                if report and report.is_signed_off
                else "submitted"
                if report and report.is_submitted
                else ""
            )
            sheet.row(
                (
                    day,
                    names.get(user_id, ""),
                    line.walk_ins,
                    line.calls,
                    line.with_phone,
                    line.new_leads,
                    line.contacts,
                    line.test_drives,
                    line.quotations,
                    line.orders,
                    line.deliveries,
                    line.callbacks,
                    line.lost,
                    line.missed_follow_ups,
                    state_labels[state],
                )
            )
            progress.add()
    sheet.totals(pgettext("excel", "Total"))
    sheet.close()
    return sheet.data_rows


def period_days(period: Month) -> list[date]:
    return [date.fromordinal(ordinal) for ordinal in range(period.start.toordinal(), period.end.toordinal() + 1)]


CONTACT_COLUMNS = [
    C("date", pgettext_lazy("excel", "Date"), DATE, 11),
    C("time", pgettext_lazy("excel", "Time"), TIME, 7),
    C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10),
    C("customer", pgettext_lazy("excel", "Customer name"), TEXT, 12),
    C("phone", pgettext_lazy("excel", "Phone"), TEXT, 14),
    C("kind", pgettext_lazy("excel", "Contact"), TEXT, 10),
    C("summary", pgettext_lazy("excel", "What happened"), TEXT, 40),
    C("grade_before", pgettext_lazy("excel", "Grade before"), TEXT, 7),
    C("grade_after", pgettext_lazy("excel", "Grade after"), TEXT, 7),
    C("next", pgettext_lazy("excel", "Next contact"), DATE, 11),
]


def contacts_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    """The body of the month's daily reports: every contact, by day and consultant (营业活动访问日报表)."""
    zone = spec.showroom.zone
    sheet = Sheet(workbook, pgettext("excel", "Daily report contacts"), CONTACT_COLUMNS)
    kinds = labels(ContactKind.choices)
    for (
        contact_date,
        occurred_at,
        last_name,
        first_name,
        username,
        customer_name,
        phone,
        kind,
        summary,
        grade_before,
        grade_after,
        next_follow_up,
    ) in month_contacts(spec.period, consultant=spec.consultant).iterator(chunk_size=CHUNK):
        sheet.row(
            (
                contact_date,
                local_time(occurred_at, zone),
                person_name(last_name, first_name, username),
                customer_name,
                phone_for(spec.viewer, phone),
                kinds.get(kind, kind),
                summary,
                grade_before,
                grade_after,
                next_follow_up,
            )
        )
        progress.add()
    sheet.close()
    return sheet.data_rows


# --- Monthly grade status (月份意向客户级别状况表) -----------------------------------------------------------------


def grade_status_columns() -> list[Col]:
    columns = [C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10)]
    for grade in OPEN_GRADES:
        columns.append(Col(f"start_{grade}", pgettext("excel", "Start %(grade)s") % {"grade": grade}, INT, 7, "sum"))
    columns.append(C("start_total", pgettext_lazy("excel", "Start total"), INT, 8, "sum"))
    for key, header in [
        ("new", pgettext_lazy("excel", "New")),
        ("upgraded", pgettext_lazy("excel", "Upgraded")),
        ("downgraded", pgettext_lazy("excel", "Downgraded")),
        ("ordered", pgettext_lazy("excel", "Ordered")),
        ("lost", pgettext_lazy("excel", "Lost")),
    ]:
        columns.append(C(key, header, INT, 8, "sum"))
    for grade in OPEN_GRADES:
        columns.append(Col(f"end_{grade}", pgettext("excel", "End %(grade)s") % {"grade": grade}, INT, 7, "sum"))
    columns.append(C("end_total", pgettext_lazy("excel", "End total"), INT, 8, "sum"))
    return columns


def grade_status_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    sheet = Sheet(workbook, pgettext("excel", "Monthly grade status"), grade_status_columns())
    for line in monthly_grade_status(showroom=spec.showroom, month=spec.period.start, consultant=spec.consultant):
        start = [line.at_start[grade] for grade in OPEN_GRADES]
        end = [line.at_end[grade] for grade in OPEN_GRADES]
        sheet.row(
            (
                str(line.consultant),
                *start,
                sum(start),
                line.new,
                line.upgraded,
                line.downgraded,
                line.ordered,
                line.lost,
                *end,
                sum(end),
            )
        )
        progress.add()
    sheet.totals(pgettext("excel", "Total"))
    sheet.close()
    return sheet.data_rows


# --- Showroom traffic (展厅客流量统计表) and visitors per day ---------------------------------------------------


def traffic_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    """Walk-in batches per time slot of arrival and weekday: selectors.traffic_by_slot."""
    figure = selectors.traffic_by_slot(spec.scope)
    columns = [C("slot", pgettext_lazy("excel", "Time slot"), TEXT, 13)]
    columns += [Col(f"d{iso}", str(WEEKDAYS[iso - 1]), INT, 8, "sum") for iso in range(1, 8)]
    columns.append(C("total", pgettext_lazy("excel", "Total"), INT, 8, "sum"))
    sheet = Sheet(workbook, pgettext("excel", "Showroom traffic"), columns)
    for label, values in figure.rows:
        sheet.row((label, *values))
        progress.add()
    sheet.totals(pgettext("excel", "Total"))
    sheet.close()
    return sheet.data_rows


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
    figure = selectors.visits_by_day(scope)
    sheet = Sheet(workbook, pgettext("excel", "Visitors per day"), DAY_COLUMNS)
    for day, (_label, values) in zip(scope.days, figure.rows, strict=True):
        sheet.row((day, str(WEEKDAYS[day.weekday()]), *values))
        progress.add()
    sheet.totals(pgettext("excel", "Total"))
    sheet.close()
    return sheet.data_rows


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
    groupings = [
        ("by_reason", pgettext("excel", "By reason"), lambda row: reasons.get(row["reason"], row["reason"])),
        ("by_competitor", pgettext("excel", "By competitor brand"), lambda row: row["competitor_brand"]),
        (
            "by_consultant",
            pgettext("excel", "By consultant"),
            lambda row: person_name(row["lead__owner__last_name"], row["lead__owner__first_name"], ""),
        ),
        ("by_channel", pgettext("excel", "By channel"), lambda row: channels.get(row["lead__channel"], "")),
    ]
    written = 0
    for key, heading, label in groupings:
        rows = analysis[key]
        total = sum(row["n"] for row in rows)
        if written:
            sheet.blank()
        sheet.header(
            [
                Col("category", heading, TEXT, 22),
                Col("n", pgettext("excel", "Number lost"), INT, 10, "sum"),
                Col("share", pgettext("excel", "Share"), PERCENT, 10, "sum"),
            ]
        )
        for row in rows:
            sheet.row((label(row), row["n"], row["n"] / total if total else None))
            progress.add()
        sheet.totals(pgettext("excel", "Total"))
        written += 1
    sheet.close()
    return sheet.data_rows


LOST_COLUMNS = [
    C("decided", pgettext_lazy("excel", "Approved on"), DATE, 11),
    C("customer", pgettext_lazy("excel", "Customer name"), TEXT, 12),
    C("phone", pgettext_lazy("excel", "Phone"), TEXT, 14),
    C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10),
    C("channel", pgettext_lazy("excel", "Channel"), TEXT, 12),
    C("reason", pgettext_lazy("excel", "Reason"), TEXT, 12),
    C("brand", pgettext_lazy("excel", "Competitor brand"), TEXT, 10),
    C("model", pgettext_lazy("excel", "Competitor model"), TEXT, 10),
    C("note", pgettext_lazy("excel", "Note"), TEXT, 30),
    C("approved_by", pgettext_lazy("excel", "Approved by"), TEXT, 10),
]


def write_lost_leads(workbook, rows: Iterable[tuple], *, zone, viewer: User | None, progress: Progress) -> int:
    sheet = Sheet(workbook, pgettext("excel", "Lost leads"), LOST_COLUMNS)
    reasons, channels = labels(LostReason.choices), labels(Channel.choices)
    for (
        decided_at,
        customer_name,
        phone,
        owner_last,
        owner_first,
        owner_username,
        channel,
        reason,
        brand,
        model,
        note,
        by_last,
        by_first,
        by_username,
    ) in rows:
        sheet.row(
            (
                decided_at.astimezone(zone).date(),
                customer_name,
                phone_for(viewer, phone),
                person_name(owner_last, owner_first, owner_username),
                channels.get(channel, channel),
                reasons.get(reason, reason),
                brand,
                model,
                note,
                person_name(by_last, by_first, by_username),
            )
        )
        progress.add()
    sheet.close()
    return sheet.data_rows


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
    figure = consultant_performance(spec.scope)
    sheet = Sheet(workbook, pgettext("excel", "Consultant performance"), PERFORMANCE_COLUMNS)
    for label, values in figure.rows:
        sheet.row((label, *values))
        progress.add()
    sheet.totals(pgettext("excel", "Total"))
    sheet.close()
    return sheet.data_rows


# --- Deliveries and callbacks (交车, 新客户回访) -------------------------------------------------------------------

DELIVERY_COLUMNS = [
    C("time", pgettext_lazy("excel", "Delivery time"), DATETIME, 16),
    C("contract", pgettext_lazy("excel", "Contract no."), TEXT, 14),
    C("customer", pgettext_lazy("excel", "Customer name"), TEXT, 12),
    C("phone", pgettext_lazy("excel", "Phone"), TEXT, 14),
    C("model", pgettext_lazy("excel", "Model"), TEXT, 16),
    C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10),
    C("advisor", pgettext_lazy("excel", "Service advisor"), TEXT, 10),
    C("status", pgettext_lazy("excel", "Status"), TEXT, 8),
    C("delivered", pgettext_lazy("excel", "Delivered on"), DATE, 11),
]

CALLBACK_COLUMNS = [
    C("due", pgettext_lazy("excel", "Due"), DATE, 11),
    C("step", pgettext_lazy("excel", "Callback no."), INT, 6),
    C("customer", pgettext_lazy("excel", "Customer name"), TEXT, 12),
    C("phone", pgettext_lazy("excel", "Phone"), TEXT, 14),
    C("model", pgettext_lazy("excel", "Model"), TEXT, 16),
    C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10),
    C("status", pgettext_lazy("excel", "Status"), TEXT, 8),
    C("done", pgettext_lazy("excel", "Done at"), DATETIME, 16),
    C("reached", pgettext_lazy("excel", "Customer reached"), TEXT, 8),
    C("satisfaction", pgettext_lazy("excel", "Satisfaction (1-5)"), INT, 8),
    C("complaint", pgettext_lazy("excel", "Complaint"), TEXT, 8),
    C("remarks", pgettext_lazy("excel", "Remarks"), TEXT, 30),
]


def deliveries_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    from delivery.models import Delivery

    zone = spec.showroom.zone
    sheet = Sheet(workbook, pgettext("excel", "Deliveries"), DELIVERY_COLUMNS)
    statuses = labels(Delivery.Status.choices)
    for (
        starts_at,
        number,
        customer_name,
        phone,
        brand,
        model,
        last_name,
        first_name,
        username,
        advisor,
        status,
        delivered_on,
    ) in month_deliveries(spec.period, consultant=spec.consultant).iterator(chunk_size=CHUNK):
        sheet.row(
            (
                to_naive_local(starts_at, zone),
                number,
                customer_name,
                phone_for(spec.viewer, phone),
                f"{brand} {model}",
                person_name(last_name, first_name, username),
                advisor,
                statuses.get(status, status),
                delivered_on,
            )
        )
        progress.add()
    sheet.close()
    return sheet.data_rows


def callbacks_sheet(workbook, spec: MonthlyWorkbook, progress: Progress) -> int:
    from delivery.models import Callback

    zone = spec.showroom.zone
    sheet = Sheet(workbook, pgettext("excel", "Callbacks"), CALLBACK_COLUMNS)
    statuses = labels(Callback.Status.choices)
    for (
        due_date,
        step,
        customer_name,
        phone,
        brand,
        model,
        last_name,
        first_name,
        username,
        status,
        done_at,
        reached,
        satisfaction,
        has_complaint,
        remarks,
    ) in month_callbacks(spec.period, consultant=spec.consultant).iterator(chunk_size=CHUNK):
        sheet.row(
            (
                due_date,
                step,
                customer_name,
                phone_for(spec.viewer, phone),
                f"{brand} {model}",
                person_name(last_name, first_name, username),
                statuses.get(status, status),
                to_naive_local(done_at, zone),
                yes_no(reached),
                satisfaction,
                yes_no(has_complaint) if status == Callback.Status.DONE else None,
                remarks,
            )
        )
        progress.add()
    sheet.close()
    return sheet.data_rows


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
    for title, rows in counts:
        cover.row((title, rows))
    cover.totals(pgettext("excel", "Total"))
    cover.close()
