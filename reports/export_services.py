"""Excel exports: who may take what, the record every export leaves, and the units of work that build the files.

Customers' names and phone numbers leave the CRM in these files, so every export is recorded (ExportRecord: who,
when, what, how many rows) whether it is a monthly workbook or a list page's rows, built in the request, by a
Celery task or from the command line. Managers and admins export the whole showroom; a consultant exports only
their own share (their register entries, their leads), and the register list with other consultants' phones
masked exactly as the page shows them.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import pgettext, pgettext_lazy

from dealer_crm.core.clock import showroom_today
from dealer_crm.core.models import Showroom, User
from dealer_crm.core.phones import phone_for
from leads.filters import VisitFilter
from leads.lead_filters import LeadFilter
from leads.lead_forms import PeriodForm as LostPeriodForm
from leads.lead_selectors import leads_visible_to, lost_analysis, tracker_rows
from leads.models import Channel
from leads.selectors import register_rows, visits_visible_to

from .excel import DATE, INT, TEXT, Sheet, new_workbook
from .export_selectors import (
    CHUNK,
    Month,
    lost_leads,
    month_row_estimate,
    person_name,
    register_export_rows,
    tracker_list_models,
)
from .models import ExportRecord
from .workbook import (
    C,
    MonthlyWorkbook,
    Progress,
    build_monthly_workbook,
    labels,
    register_sheet,
    write_lost_analysis,
    write_lost_leads,
    yes_no,
)

logger = logging.getLogger(__name__)


# --- Who may export what -------------------------------------------------------------------------------------------


def can_export_showroom(user: User) -> bool:
    """Managers and admins of a showroom (the permission their roles get from the reports' migration)."""
    return user.showroom_id is not None and user.has_perm("reports.export_showroom")


def export_consultant_for(user: User, consultant: User | None) -> User | None:
    """Whose data an export covers: a manager's choice (None: the whole showroom, or one of its consultants);
    a consultant always their own, whatever they asked for."""
    if not can_export_showroom(user):
        return user
    if consultant is not None and consultant.showroom_id != user.showroom_id:
        raise PermissionDenied
    return consultant


def can_see_export(user: User, record: ExportRecord) -> bool:
    """An export's file and progress: whoever asked for it, and the showroom's managers (who may export the same
    data themselves). Other showrooms' exports do not exist for the user (the views answer 404)."""
    if record.showroom_id != user.showroom_id:
        return False
    return record.requested_by_id == user.pk or can_export_showroom(user)


# --- The record --------------------------------------------------------------------------------------------------


def export_record_start(
    *,
    kind: str,
    showroom: Showroom,
    requested_by: User | None,
    requested_by_name: str = "",
    consultant: User | None = None,
    month: date | None = None,
    filters: dict | None = None,
    language: str | None = None,
    background: bool = False,
    rows_expected: int = 0,
    channel: str = ExportRecord.Channel.WEB,
) -> ExportRecord:
    return ExportRecord.objects.create(
        kind=kind,
        showroom=showroom,
        requested_by=requested_by,
        requested_by_name=requested_by_name or str(requested_by),
        requested_at=timezone.now(),
        consultant=consultant,
        month=month.replace(day=1) if month else None,
        filters=filters or {},
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
        background=background,
        rows_expected=rows_expected,
        channel=channel,
        status=ExportRecord.Status.PENDING if background else ExportRecord.Status.RUNNING,
    )


def export_record_done(record: ExportRecord, *, rows: int, file_path: str = "") -> None:
    now = timezone.now()
    ExportRecord.objects.filter(pk=record.pk).update(
        status=ExportRecord.Status.DONE,
        row_count=rows,
        rows_written=rows,
        progress=100,
        file_path=file_path,
        finished_at=now,
    )
    record.status, record.row_count, record.progress, record.file_path = ExportRecord.Status.DONE, rows, 100, file_path
    record.finished_at = now


def query_filters(params: QueryDict) -> dict:
    """A list's query parameters as the record keeps them (lists of values, the page number dropped)."""
    return {key: params.getlist(key) for key in params if key != "page"}


# --- The monthly workbook ------------------------------------------------------------------------------------------


def monthly_file_name(showroom: Showroom, month: date, consultant: User | None) -> str:
    who = f"_{consultant.username}" if consultant is not None else ""
    return f"{showroom.code}_{month:%Y-%m}{who}.xlsx"


def monthly_rows_expected(*, showroom: Showroom, month: date, consultant: User | None) -> int:
    spec = MonthlyWorkbook(showroom=showroom, month=month, generated_by="", consultant=consultant)
    return month_row_estimate(spec.period, consultant=consultant)


def monthly_spec(record: ExportRecord) -> MonthlyWorkbook:
    return MonthlyWorkbook(
        showroom=record.showroom,
        month=record.month,
        generated_by=record.requested_by_name,
        consultant=record.consultant,
        viewer=record.requested_by,
        generated_at=record.requested_at,
        language=record.language,
    )


def monthly_export_build(*, record: ExportRecord, target, progress: Callable[[int], None] | None = None) -> int:
    """Build the record's workbook into `target` (a path or binary file); the rows written over all sheets."""
    return build_monthly_workbook(
        monthly_spec(record), target, progress=Progress(report=progress, every=settings.EXCEL_PROGRESS_EVERY)
    )


def export_path(record: ExportRecord) -> Path:
    return Path(settings.EXPORTS_DIR) / record.file_path


def monthly_export_run(*, record_id: int) -> ExportRecord | None:
    """The background task's unit of work: build a recorded monthly workbook into the private exports folder.

    1. Claim the record: a conditional UPDATE from pending (or running: a worker that died mid-way, whose task
       the broker redelivers) to running. A finished or failed export is left alone, so a task delivered twice
       builds once after the first has finished.
    2. Build into a hidden ".part" file under EXPORTS_DIR/<showroom>/, reporting the rows written every
       EXCEL_PROGRESS_EVERY rows (one small UPDATE each: the page's progress bar polls it).
    3. Rename the finished file into place (atomic on one file system) and mark the record done with its row
       count; on any error mark it failed with the message, remove the partial file, and re-raise for the log.
    """
    claimed = ExportRecord.objects.filter(
        pk=record_id, status__in=[ExportRecord.Status.PENDING, ExportRecord.Status.RUNNING]
    ).update(status=ExportRecord.Status.RUNNING)
    if not claimed:
        return None
    record = ExportRecord.objects.select_related("showroom", "requested_by", "consultant").get(pk=record_id)
    token = secrets.token_hex(8)
    relative = Path(record.showroom.code) / f"{record.pk}-{token}.xlsx"
    final = Path(settings.EXPORTS_DIR) / relative
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f".{final.name}.part")
    expected = max(record.rows_expected, 1)

    def report(rows: int) -> None:
        ExportRecord.objects.filter(pk=record_id).update(rows_written=rows, progress=min(99, rows * 100 // expected))

    try:
        rows = monthly_export_build(record=record, target=str(partial), progress=report)
        os.replace(partial, final)
    except Exception as error:
        partial.unlink(missing_ok=True)
        ExportRecord.objects.filter(pk=record_id).update(
            status=ExportRecord.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        logger.exception("Monthly export %s failed", record_id)
        raise
    record.file_name = monthly_file_name(record.showroom, record.month, record.consultant)
    ExportRecord.objects.filter(pk=record_id).update(file_name=record.file_name)
    export_record_done(record, rows=rows, file_path=str(relative))
    return record


def monthly_export_request(
    *, user: User, month: date, consultant: User | None, language: str
) -> tuple[ExportRecord, bool]:
    """Record a monthly export asked for on the page; (record, background?). Large months (more rows than
    EXCEL_BACKGROUND_ROWS) go to a Celery task, enqueued once the record is committed; small ones the view
    builds straight away."""
    from .tasks import build_monthly_export

    consultant = export_consultant_for(user, consultant)
    expected = monthly_rows_expected(showroom=user.showroom, month=month, consultant=consultant)
    background = expected > settings.EXCEL_BACKGROUND_ROWS
    record = export_record_start(
        kind=ExportRecord.Kind.MONTHLY,
        showroom=user.showroom,
        requested_by=user,
        consultant=consultant,
        month=month,
        language=language,
        background=background,
        rows_expected=expected,
    )
    if background:
        queue = settings.EXCEL_EXPORT_QUEUE
        transaction.on_commit(lambda: build_monthly_export.apply_async(args=[record.pk], queue=queue))
    return record, background


def exports_purge(*, now=None) -> int:
    """Delete background exports' files older than EXCEL_KEEP_DAYS (the records stay, without a file)."""
    now = now or timezone.now()
    old = ExportRecord.objects.filter(
        status=ExportRecord.Status.DONE, finished_at__lt=now - timedelta(days=settings.EXCEL_KEEP_DAYS)
    ).exclude(file_path="")
    removed = 0
    for record in old.iterator():
        export_path(record).unlink(missing_ok=True)
        ExportRecord.objects.filter(pk=record.pk).update(file_path="")
        removed += 1
    return removed


# --- List pages: exactly what their filters show -----------------------------------------------------------------


def register_list_export(*, user: User, params: QueryDict, target) -> ExportRecord:
    """The register page's entries as its filters select them (same FilterSet, same scoped selector, same
    order), with other consultants' phones masked as the page masks them (leads.selectors.visit_phone_for)."""
    today = showroom_today(user.showroom)
    filterset = VisitFilter(params, queryset=register_rows(visits_visible_to(user)), user=user, today=today)
    visits = filterset.qs
    record = export_record_start(
        kind=ExportRecord.Kind.REGISTER, showroom=user.showroom, requested_by=user, filters=query_filters(params)
    )
    workbook = new_workbook()
    rows = register_sheet(
        workbook,
        register_export_rows(visits).iterator(chunk_size=CHUNK),
        zone=user.showroom.zone,
        viewer=user,
        progress=Progress(),
    )
    workbook.save(target)
    export_record_done(record, rows=rows)
    return record


TRACKER_LIST_COLUMNS = [
    C("customer", pgettext_lazy("excel", "Customer name"), TEXT, 12),
    C("grade", pgettext_lazy("excel", "Grade"), TEXT, 6),
    C("next", pgettext_lazy("excel", "Next follow-up"), DATE, 11),
    C("overdue", pgettext_lazy("excel", "Days overdue"), INT, 8),
    C("last_contact", pgettext_lazy("excel", "Last contact"), DATE, 11),
    C("phone", pgettext_lazy("excel", "Phone"), TEXT, 14),
    C("models", pgettext_lazy("excel", "Models of interest"), TEXT, 20),
    C("channel", pgettext_lazy("excel", "Channel"), TEXT, 12),
    C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10),
    C("expected", pgettext_lazy("excel", "Expected purchase"), DATE, 11),
    C("lost_pending", pgettext_lazy("excel", "Lost request pending"), TEXT, 8),
]


def tracker_list_export(*, user: User, params: QueryDict, target) -> ExportRecord:
    """The tracker page's open leads as its filters select them, overdue first (lead_selectors.tracker_rows on
    the user's scope: a consultant's own leads, a manager's showroom)."""
    showroom = user.showroom
    today = showroom_today(showroom)
    filterset = LeadFilter(params, queryset=tracker_rows(leads_visible_to(user), today=today), user=user, today=today)
    leads = filterset.qs
    record = export_record_start(
        kind=ExportRecord.Kind.TRACKER, showroom=showroom, requested_by=user, filters=query_filters(params)
    )
    zone = showroom.zone
    workbook = new_workbook()
    sheet = Sheet(workbook, pgettext("excel", "Lead tracker"), TRACKER_LIST_COLUMNS)
    models = tracker_list_models(leads)
    channels = labels(Channel.choices)
    rows = leads.values_list(
        "pk",
        "customer_name",
        "grade",
        "next_follow_up",
        "is_overdue",
        "last_contact_at",
        "phone",
        "channel",
        "owner__last_name",
        "owner__first_name",
        "owner__username",
        "expected_purchase_date",
        "pending_lost",
    )
    for (
        pk,
        name,
        grade,
        due,
        overdue,
        last,
        phone,
        channel,
        last_name,
        first_name,
        username,
        expected,
        pending,
    ) in rows.iterator(chunk_size=CHUNK):
        sheet.row(
            (
                name,
                grade,
                due,
                (today - due).days if overdue and due else None,
                last.astimezone(zone).date() if last else None,
                phone_for(user, phone),
                models.get(pk),
                channels.get(channel, channel),
                person_name(last_name, first_name, username),
                expected,
                yes_no(bool(pending)),
            )
        )
    sheet.totals(pgettext("excel", "Total"))
    sheet.close()
    workbook.save(target)
    export_record_done(record, rows=sheet.data_rows)
    return record


def lost_period(user: User, params: QueryDict) -> tuple[date, date]:
    """The lost-lead page's period: this month up to today, or the dates its form was given (as the page)."""
    today = showroom_today(user.showroom)
    start, end = today.replace(day=1), today
    if "start" in params or "end" in params:
        form = LostPeriodForm(params)
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return start, end


def lost_list_export(*, user: User, params: QueryDict, target) -> ExportRecord:
    """The lost-lead page's analysis for its period (the same lost_analysis tables), and the lost leads behind
    them. Managers only, as the page."""
    showroom = user.showroom
    start, end = lost_period(user, params)
    record = export_record_start(
        kind=ExportRecord.Kind.LOST, showroom=showroom, requested_by=user, filters=query_filters(params)
    )
    period = Month(showroom=showroom, start=start, end=end)
    workbook = new_workbook()
    progress = Progress()
    write_lost_analysis(workbook, lost_analysis(showroom=showroom, start=start, end=end), progress)
    rows = write_lost_leads(
        workbook,
        lost_leads(showroom=showroom, start_at=period.start_at, end_at=period.end_at).iterator(chunk_size=CHUNK),
        zone=showroom.zone,
        viewer=user,
        progress=progress,
    )
    workbook.save(target)
    export_record_done(record, rows=rows)
    return record
