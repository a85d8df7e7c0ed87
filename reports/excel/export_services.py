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
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext, pgettext_lazy
from kombu.exceptions import OperationalError

from dealer_crm.celery import broker_connection_at_once
from dealer_crm.core.clock import showroom_today
from dealer_crm.core.db_routing import on_replica
from dealer_crm.core.excel import DATE, INT, TEXT, local_date, new_workbook, write_sheet
from dealer_crm.core.models import Showroom, User
from leads.filters.register import VisitFilter
from leads.filters.tracker import LeadFilter
from leads.forms.tracker import PeriodForm as LostPeriodForm
from leads.models import Channel
from leads.selectors.register import register_rows, visits_visible_to
from leads.selectors.tracker import leads_visible_to, lost_analysis, tracker_rows

from ..access import export_consultant_for
from ..models import ExportRecord
from .export_selectors import (
    CHUNK,
    Month,
    lost_leads,
    month_row_estimate,
    register_export_rows,
    tracker_list_models,
)
from .workbook import (
    TOTAL,
    C,
    MonthlyWorkbook,
    Progress,
    build_monthly_workbook,
    choice,
    phone_seen_by,
    register_sheet,
    staff,
    through,
    write_lost_analysis,
    write_lost_leads,
    yes_no,
)

logger = logging.getLogger(__name__)


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


def export_record_done(record: ExportRecord, *, rows: int, file_path: str = "", attempt: int | None = None) -> bool:
    """Mark the export done; a background build names its `attempt`, and only a claim still held finishes it."""
    now = timezone.now()
    records = ExportRecord.objects.filter(pk=record.pk)
    if attempt is not None:
        records = records.filter(attempts=attempt, status=ExportRecord.Status.RUNNING)
    finished = records.update(
        status=ExportRecord.Status.DONE,
        row_count=rows,
        rows_written=rows,
        progress=100,
        file_path=file_path,
        file_name=record.file_name,
        finished_at=now,
    )
    record.status, record.row_count, record.progress, record.file_path = ExportRecord.Status.DONE, rows, 100, file_path
    record.finished_at = now
    return bool(finished)


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
    """Build the record's workbook into `target` (a path or binary file); the rows written over all sheets.
    Its reads go to the read replica when there is one (the progress heartbeats are writes: the primary)."""
    with on_replica():
        return build_monthly_workbook(
            monthly_spec(record), target, progress=Progress(report=progress, every=settings.EXCEL_PROGRESS_EVERY)
        )


def export_path(record: ExportRecord) -> Path:
    return Path(settings.EXPORTS_DIR) / record.file_path


class ClaimLost(Exception):
    """This worker's claim on an export expired and another worker took it over: stop, the export is theirs."""


def _expired_claim(now: datetime) -> Q:
    """Running, without a heartbeat for EXPORT_CLAIM_TTL (or none at all: claimed before heartbeats existed)."""
    silent = Q(heartbeat_at__lt=now - settings.EXPORT_CLAIM_TTL) | Q(heartbeat_at__isnull=True)
    return Q(status=ExportRecord.Status.RUNNING) & silent


def export_claim(*, record_id: int, now: datetime | None = None) -> int | None:
    """Take a background export for this worker: its attempt number (the fencing token every later write names),
    or None when there is nothing to build. A conditional UPDATE that changes one row or none: from pending, or
    from running whose heartbeat is older than EXPORT_CLAIM_TTL (its worker died) and that has attempts left. A
    done or failed export, or one a live worker holds, is left alone, so a duplicate or redelivered task does
    nothing."""
    now = now or timezone.now()
    Status = ExportRecord.Status
    claimable = Q(status=Status.PENDING) | (_expired_claim(now) & Q(attempts__lt=settings.EXPORT_MAX_ATTEMPTS))
    claimed = ExportRecord.objects.filter(claimable, pk=record_id).update(
        status=Status.RUNNING, attempts=F("attempts") + 1, heartbeat_at=now
    )
    if not claimed:
        return None
    # Nobody can claim it again in between: our heartbeat is fresh.
    return ExportRecord.objects.values_list("attempts", flat=True).get(pk=record_id)


def _holding(record_id: int, attempt: int):
    """The record while `attempt` still holds its claim (a worker that lost it matches no row)."""
    return ExportRecord.objects.filter(pk=record_id, attempts=attempt, status=ExportRecord.Status.RUNNING)


def export_heartbeat(*, record_id: int, attempt: int, rows: int, expected: int) -> None:
    """Write the progress and the claim's heartbeat in one small UPDATE; ClaimLost when the claim is gone."""
    alive = _holding(record_id, attempt).update(
        rows_written=rows, progress=min(99, rows * 100 // max(expected, 1)), heartbeat_at=timezone.now()
    )
    if not alive:
        raise ClaimLost(record_id)


def monthly_export_file(record: ExportRecord) -> Path:
    """The one place a background workbook is kept: a rebuilt file replaces the earlier one, never adds a second."""
    return Path(settings.EXPORTS_DIR) / record.showroom.code / f"{record.pk}.xlsx"


def _partial_files(record: ExportRecord) -> list[Path]:
    final = monthly_export_file(record)
    return list(final.parent.glob(f".{final.stem}.*.part"))


def monthly_export_run(*, record_id: int) -> ExportRecord | None:
    """The background task's unit of work: build a recorded monthly workbook into the private exports folder.

    1. Claim the record (export_claim); None when it is done, failed or held by a live worker.
    2. Remove the partial files that earlier, interrupted attempts left behind (their workers are dead: the claim
       only expires without a heartbeat).
    3. Build into this attempt's hidden ".part" file, writing the progress and the heartbeat every
       EXCEL_PROGRESS_EVERY rows (the page's progress bar polls it). A heartbeat that finds the claim taken over
       stops the build (ClaimLost): the partial file is removed and the other worker finishes.
    4. While the claim is still ours, rename the finished file into the record's one place (atomic on one file
       system) and mark the record done with its row count.
    On a database error the claim is given back (pending), so the task's retry or the beat job builds it; any
    other error marks the export failed with the message. Both are re-raised for the log.
    """
    attempt = export_claim(record_id=record_id)
    if attempt is None:
        return None
    record = ExportRecord.objects.select_related("showroom", "requested_by", "consultant").get(pk=record_id)
    final = monthly_export_file(record)
    final.parent.mkdir(parents=True, exist_ok=True)
    for leftover in _partial_files(record):
        leftover.unlink(missing_ok=True)
    partial = final.with_name(f".{final.stem}.{attempt}.part")

    def report(rows: int) -> None:
        export_heartbeat(record_id=record_id, attempt=attempt, rows=rows, expected=record.rows_expected)

    try:
        rows = monthly_export_build(record=record, target=str(partial), progress=report)
        report(rows)  # the last check that the claim is ours, right before the file goes into place
        os.replace(partial, final)
    except ClaimLost:
        partial.unlink(missing_ok=True)
        logger.warning("Monthly export %s: attempt %s was taken over by another worker", record_id, attempt)
        return None
    except DatabaseError:
        partial.unlink(missing_ok=True)
        _holding(record_id, attempt).update(status=ExportRecord.Status.PENDING, heartbeat_at=None)
        raise
    except Exception as error:
        partial.unlink(missing_ok=True)
        _holding(record_id, attempt).update(
            status=ExportRecord.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        logger.exception("Monthly export %s failed", record_id)
        raise
    record.file_name = monthly_file_name(record.showroom, record.month, record.consultant)
    relative = str(final.relative_to(Path(settings.EXPORTS_DIR)))
    if not export_record_done(record, rows=rows, file_path=relative, attempt=attempt):
        return None  # taken over between the rename and now: the other worker's file replaces this one
    return record


def export_enqueue(*, record_id: int) -> bool:
    """Hand a background export's task to the broker; False, leaving the record pending for the beat job, when
    the broker cannot be reached. No retries here: the page that asked answers at once, the beat job retries."""
    from ..tasks import build_monthly_export

    try:
        with broker_connection_at_once(timeout=1) as connection:
            build_monthly_export.apply_async(
                args=[record_id], queue=settings.EXCEL_EXPORT_QUEUE, connection=connection, retry=False
            )
    except OperationalError as error:  # kombu's: the broker refused or did not answer
        logger.warning("Monthly export %s not queued, the broker is unreachable: %s", record_id, error)
        return False
    ExportRecord.objects.filter(pk=record_id).update(enqueued_at=timezone.now())
    return True


def export_notice(record: ExportRecord, *, now: datetime | None = None) -> str:
    """What the progress page says about a background export beyond its status: that it waits for the broker,
    that its worker stopped and it will be restarted, that it was restarted, or why it gave up."""
    now = now or timezone.now()
    Status = ExportRecord.Status
    limit = settings.EXPORT_MAX_ATTEMPTS
    if record.status == Status.PENDING and record.enqueued_at is None:
        return gettext(
            "The background service cannot be reached at the moment. Your export is saved and will start by "
            "itself as soon as the service is back; you can leave this page."
        )
    silent = record.heartbeat_at is not None and record.heartbeat_at < now - settings.EXPORT_CLAIM_TTL
    if record.status == Status.RUNNING and silent:
        return gettext("The worker preparing this workbook stopped. It will be restarted automatically in a minute.")
    if record.status == Status.FAILED and not record.error and record.attempts >= limit:
        return gettext(
            "Stopped after %(attempts)s interrupted attempts. Ask for it again, or for one consultant at a time."
        ) % {"attempts": record.attempts}
    if record.status in (Status.PENDING, Status.RUNNING) and record.attempts > 1:
        return gettext("Restarted after an interruption (attempt %(attempt)s of %(limit)s).") % {
            "attempt": record.attempts,
            "limit": limit,
        }
    if record.status == Status.DONE and record.attempts > 1:
        return gettext("Finished after %(attempts)s attempts: the first were interrupted.") % {
            "attempts": record.attempts
        }
    return ""


def exports_requeue(*, now: datetime | None = None) -> int:
    """The beat job: hand the broker again every background export that no live worker holds; how many were sent.

    1. Claims whose heartbeat is older than EXPORT_CLAIM_TTL belong to dead workers. Those that have had their
       EXPORT_MAX_ATTEMPTS are marked failed (the export may be what kills its workers) and their partial files
       removed; the others are sent again.
    2. Exports still pending that the broker never took (it was down when they were asked for) or took more than
       a claim's lifetime ago (a restarted broker may have lost them) are sent again.
    A duplicate costs nothing: the claim lets exactly one worker build. When the broker is down nothing is
    changed, and the next run tries again.
    """
    now = now or timezone.now()
    Status = ExportRecord.Status
    stale = now - settings.EXPORT_CLAIM_TTL
    unfinished = ExportRecord.objects.filter(background=True, status__in=[Status.PENDING, Status.RUNNING])
    dead = unfinished.filter(_expired_claim(now))
    exhausted = dead.filter(attempts__gte=settings.EXPORT_MAX_ATTEMPTS)
    for record in exhausted.select_related("showroom"):
        if ExportRecord.objects.filter(pk=record.pk, attempts=record.attempts, status=Status.RUNNING).update(
            status=Status.FAILED, finished_at=now
        ):
            for leftover in _partial_files(record):
                leftover.unlink(missing_ok=True)
            logger.error("Monthly export %s failed: its worker died %s times", record.pk, record.attempts)
    never_taken = Q(status=Status.PENDING) & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
    sent = 0
    for record_id in unfinished.filter(Q(pk__in=dead.values("pk")) | never_taken).values_list("pk", flat=True):
        if not export_enqueue(record_id=record_id):
            break
        sent += 1
    return sent


def monthly_export_request(
    *, user: User, month: date, consultant: User | None, language: str
) -> tuple[ExportRecord, bool]:
    """Record a monthly export asked for on the page; (record, background?). Large months (more rows than
    EXCEL_BACKGROUND_ROWS) go to a Celery task, enqueued once the record is committed (or, the broker being
    down, by the beat job once it is back); small ones the view builds straight away."""
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
        transaction.on_commit(lambda: export_enqueue(record_id=record.pk))
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
    order), with other consultants' phones masked as the page masks them (leads.selectors.register.visit_phone_for)."""
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


def tracker_list_export(*, user: User, params: QueryDict, target) -> ExportRecord:
    """The tracker page's open leads as its filters select them, overdue first (leads.selectors.tracker.tracker_rows on
    the user's scope: a consultant's own leads, a manager's showroom)."""
    showroom = user.showroom
    today = showroom_today(showroom)
    filterset = LeadFilter(params, queryset=tracker_rows(leads_visible_to(user), today=today), user=user, today=today)
    leads = filterset.qs
    record = export_record_start(
        kind=ExportRecord.Kind.TRACKER, showroom=showroom, requested_by=user, filters=query_filters(params)
    )
    models = tracker_list_models(leads)
    last_contact = through(local_date, "last_contact_at", showroom.zone)

    def overdue(row):
        return (today - row.next_follow_up).days if row.is_overdue and row.next_follow_up else None

    def lost_pending(row):
        return yes_no(bool(row.pending_lost))

    columns = [
        C("customer", pgettext_lazy("excel", "Customer name"), TEXT, 12, value="customer_name"),
        C("grade", pgettext_lazy("excel", "Grade"), TEXT, 6),
        C("next", pgettext_lazy("excel", "Next follow-up"), DATE, 11, value="next_follow_up"),
        C("overdue", pgettext_lazy("excel", "Days overdue"), INT, 8, value=overdue),
        C("last_contact", pgettext_lazy("excel", "Last contact"), DATE, 11, value=last_contact),
        C("phone", pgettext_lazy("excel", "Phone"), TEXT, 14, value=phone_seen_by(user, "phone")),
        C("models", pgettext_lazy("excel", "Models of interest"), TEXT, 20, value=lambda row: models.get(row.pk)),
        C("channel", pgettext_lazy("excel", "Channel"), TEXT, 12, value=choice(Channel, "channel")),
        C("consultant", pgettext_lazy("excel", "Consultant"), TEXT, 10, value=staff("owner")),
        C("expected", pgettext_lazy("excel", "Expected purchase"), DATE, 11, value="expected_purchase_date"),
        C("lost_pending", pgettext_lazy("excel", "Lost request pending"), TEXT, 8, value=lost_pending),
    ]
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
        named=True,
    )
    workbook = new_workbook()
    title = pgettext("excel", "Lead tracker")
    written = write_sheet(workbook, title, columns, rows.iterator(chunk_size=CHUNK), totals=TOTAL)
    workbook.save(target)
    export_record_done(record, rows=written)
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
