"""Who may see which report; every view goes through these."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from dealer_crm.core.models import User


def require_report_reviewer(user: User, *, write: bool = True) -> None:
    """The manager's pages (daily review, integrity): managers and admins of a showroom; 403 for anyone else.
    write=False (reading them): the dealer group's role too."""
    may_read = not write and user.is_group_viewer
    if not (user.has_perm("reports.review_dailyreport") or may_read) or user.showroom_id is None:
        raise PermissionDenied


def require_showroom(user: User) -> None:
    """Every report is a showroom's: an administrator without one has nothing to report on."""
    if user.showroom_id is None:
        raise Http404


def get_consultant_for(user: User, pk: int) -> User:
    """A consultant of the reviewer's showroom (404 otherwise, so other showrooms' ids reveal nothing)."""
    try:
        return User.objects.get(pk=pk, showroom_id=user.showroom_id)
    except User.DoesNotExist:
        raise Http404 from None
