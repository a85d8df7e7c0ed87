"""Writes to the daily sales report: the consultant's remarks and submission, the manager's comment (主管指示),
sign-off and reopening. Like the register's day (one sign-off, dealer_crm.core.signoff): a signed-off report is
locked, with the figures it was signed with, until reopened with a reason."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealer_crm.core.clock import showroom_today
from dealer_crm.core.history import Revision, history_record
from dealer_crm.core.models import User
from dealer_crm.core.signoff import record_reopen, record_sign_off
from dealer_crm.core.versioning import save_with_version

from .analytics import selectors
from .models import DailyReport


def _lock_report(*, consultant: User, day: date) -> DailyReport:
    """The consultant's row for the day, created if missing and locked until the transaction ends."""
    DailyReport.objects.get_or_create(consultant=consultant, date=day, defaults={"showroom_id": consultant.showroom_id})
    return DailyReport.objects.select_for_update().get(consultant=consultant, date=day)


def _refuse_if_signed_off(report: DailyReport) -> None:
    if report.is_signed_off:
        raise ValidationError(
            _("The daily report of %(date)s is signed off; ask the manager to reopen it.")
            % {"date": report.date.isoformat()},
            code="signed_off",
        )


def _require_reviewer(by: User, consultant: User) -> None:
    if not by.has_perm("reports.review_dailyreport") or by.showroom_id is None:
        raise PermissionDenied
    if consultant.showroom_id != by.showroom_id:
        raise PermissionDenied


@transaction.atomic
def daily_report_submit(*, consultant: User, day: date, remarks: str, expected_version: int) -> DailyReport:
    """The consultant submits their report of `day` with their remarks (again, to correct them, until the
    manager signs it off). The first submission's time is kept: it is what the cut-off is measured against.
    A report not yet written is at version 1 (the row is made at it on first use), so two first submissions
    from two tabs are told apart like any other edits.

    1. Refuse a consultant without a showroom and a day still ahead.
    2. Lock the day's row (created on first use), refuse a signed-off one.
    3. Save the remarks and the submission time if first (StaleError when stale), and a history line.
    """
    if consultant.showroom_id is None:
        raise PermissionDenied
    if day > showroom_today(consultant.showroom):
        raise ValidationError(_("A day that has not come yet cannot be reported."), code="future")
    report = _lock_report(consultant=consultant, day=day)
    _refuse_if_signed_off(report)
    now = timezone.now()
    first = report.submitted_at is None
    report.remarks = remarks.strip()
    if first:
        report.submitted_at = now
    save_with_version(report, fields=["remarks", "submitted_at"], expected_version=expected_version, updated_at=now)
    history_record(
        report,
        action=Revision.Action.SUBMITTED if first else Revision.Action.CORRECTED,
        by=consultant,
        at=now,
        reason=report.remarks,
    )
    return report


@transaction.atomic
def daily_report_comment(*, consultant: User, day: date, by: User, comment: str, expected_version: int) -> DailyReport:
    """The manager's instructions (主管指示) on a consultant's report; possible before it is submitted
    (to ask for it), not after it is signed off. The latest comment is shown; each is kept in the history."""
    _require_reviewer(by, consultant)
    report = _lock_report(consultant=consultant, day=day)
    _refuse_if_signed_off(report)
    comment = comment.strip()
    changed = comment != report.manager_comment
    now = timezone.now()
    report.manager_comment = comment
    # Written even when unchanged: a manager who saw another version than this one is told so all the same.
    save_with_version(report, fields=["manager_comment"], expected_version=expected_version, updated_at=now)
    if not changed:
        return report
    history_record(report, action=Revision.Action.COMMENTED, by=by, at=now, reason=comment)
    return report


@transaction.atomic
def daily_report_sign_off(
    *, consultant: User, day: date, by: User, expected_version: int | None, comment: str | None = None
) -> DailyReport:
    """The manager accepts a submitted report, with their comment if one is given; it locks (remarks and comment)
    and keeps the day's figures as they are now (selectors.daily_report_snapshot): the signed report, the
    review and the month show those from then on. Signing off twice signs off once."""
    _require_reviewer(by, consultant)
    report = _lock_report(consultant=consultant, day=day)
    if report.is_signed_off:
        return report
    if not report.is_submitted:
        raise ValidationError(_("This report has not been submitted yet."), code="not_submitted")
    report.updated_at = timezone.now()
    fields = ["updated_at"]
    commented = comment is not None and comment.strip() != report.manager_comment
    if commented:
        report.manager_comment = comment.strip()
        fields.append("manager_comment")
    snapshot = selectors.daily_report_snapshot(consultant=consultant, day=day)
    record_sign_off(report, by=by, expected_version=expected_version, snapshot=snapshot, fields=tuple(fields))
    if commented:
        history_record(report, action=Revision.Action.COMMENTED, by=by, at=report.updated_at, reason=comment.strip())
    history_record(report, action=Revision.Action.SIGNED_OFF, by=by, at=report.signed_off_at)
    return report


@transaction.atomic
def daily_report_reopen(
    *, consultant: User, day: date, by: User, reason: str, expected_version: int | None
) -> DailyReport:
    """Unlock a signed-off report for corrections; the reason stays in its history."""
    _require_reviewer(by, consultant)
    report = _lock_report(consultant=consultant, day=day)
    if record_reopen(report, expected_version=expected_version, reason=reason):
        history_record(report, action=Revision.Action.REOPENED, by=by, reason=reason.strip())
    return report
