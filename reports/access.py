"""Who may see which report, export or import; every reports view goes through these (the shape of
dealer_crm/core/access.py)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from dealer_crm.core.access import object_for, require_perm, require_role
from dealer_crm.core.models import User

from .models import ExportRecord, ImportBatch


def require_report_reviewer(user: User, *, write: bool = True) -> None:
    """The manager's pages (daily review, integrity): managers and admins of a showroom; 403 for anyone else.
    write=False (reading them): the dealer group's role too."""
    require_role(user, "reports.review_dailyreport", write=write)


def require_showroom(user: User) -> None:
    """Every report is a showroom's: an administrator without one has nothing to report on."""
    if user.showroom_id is None:
        raise Http404


def require_report_writer(user: User) -> None:
    """The consultant's own daily report: anyone of a showroom but the dealer group's role, which writes none (it
    reads the showroom's on the review)."""
    require_showroom(user)
    if user.is_group_viewer:
        raise PermissionDenied


def get_consultant_for(user: User, pk: int) -> User:
    """A consultant of the reviewer's showroom (404 otherwise, so other showrooms' ids reveal nothing)."""
    return object_for(User.objects.filter(showroom_id=user.showroom_id), pk)


# --- Exports --------------------------------------------------------------------------------------------------


def can_export_showroom(user: User) -> bool:
    """Managers and admins of a showroom (the permission their roles get from the reports' migration)."""
    return user.showroom_id is not None and user.has_perm("reports.export_showroom")


def require_export_manager(user: User) -> None:
    """The export history: who took which of the showroom's data; for those who may export all of it."""
    require_showroom(user)
    require_perm(user, "reports.export_showroom")


def export_consultant_for(user: User, consultant: User | None) -> User | None:
    """Whose data an export covers: a manager's choice (None: the whole showroom, or one of its consultants);
    a consultant always their own, whatever they asked for."""
    if not can_export_showroom(user):
        return user
    if consultant is not None and consultant.showroom_id != user.showroom_id:
        raise PermissionDenied
    return consultant


def get_export_for(user: User, pk: int) -> ExportRecord:
    """An export's file and progress: whoever asked for it, and the showroom's managers (who may export the same
    data themselves). Other showrooms' exports, and a colleague's for a consultant, do not exist (404)."""
    scope = ExportRecord.objects.filter(showroom_id=user.showroom_id)
    if not can_export_showroom(user):
        scope = scope.filter(requested_by_id=user.pk)
    return object_for(scope.select_related("showroom", "consultant"), pk)


# --- Imports --------------------------------------------------------------------------------------------------


def require_importer(user: User) -> None:
    require_showroom(user)
    require_perm(user, "reports.import_register")


def get_batch_for(user: User, pk: int) -> ImportBatch:
    """An import of the user's showroom, for those who may import (403), 404 for another showroom's."""
    require_importer(user)
    return object_for(ImportBatch.objects.filter(showroom_id=user.showroom_id), pk)
