"""Sign-offs as a manager makes them from the page they are looking at: with the record's current version."""

from dealer_crm.core.models import Showroom, User
from leads.models import RegisterDay
from leads.services import register as register_services
from reports import services as report_services
from reports.models import DailyReport


def day_version(showroom: Showroom, day) -> int:
    """The version the review page shows: the row's, or a fresh row's when the day has none yet."""
    return RegisterDay.objects.filter(showroom=showroom, date=day).values_list("version", flat=True).first() or 1


def report_version(consultant: User, day) -> int:
    """The version the consultant's daily report of `day` opens at on its page (1 before it is first written)."""
    return DailyReport.objects.filter(consultant=consultant, date=day).values_list("version", flat=True).first() or 1


def sign_off_day(*, showroom: Showroom, day, by: User) -> RegisterDay:
    return register_services.register_day_sign_off(
        showroom=showroom, day=day, by=by, expected_version=day_version(showroom, day)
    )


def reopen_day(*, showroom: Showroom, day, by: User, reason: str) -> RegisterDay:
    return register_services.register_day_reopen(
        showroom=showroom, day=day, by=by, reason=reason, expected_version=day_version(showroom, day)
    )


def sign_off_report(*, consultant: User, day, by: User, comment: str | None = None) -> DailyReport:
    return report_services.daily_report_sign_off(
        consultant=consultant, day=day, by=by, comment=comment, expected_version=report_version(consultant, day)
    )


def reopen_report(*, consultant: User, day, by: User, reason: str) -> DailyReport:
    return report_services.daily_report_reopen(
        consultant=consultant, day=day, by=by, reason=reason, expected_version=report_version(consultant, day)
    )
