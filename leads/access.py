"""One access helper per object kind; every view fetches through these, so scope is never forgotten."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from dealer_crm.core.models import User

from .models import Lead, Visit
from .selectors.register import can_edit_visit, visits_visible_to
from .selectors.tracker import can_edit_lead, leads_visible_to


def get_visit_for(user: User, pk: int, *, write: bool = False) -> Visit:
    """The entry if the user may see it (404 otherwise, so other showrooms' ids reveal nothing);
    with write=True also PermissionDenied unless it is theirs or they manage the showroom."""
    try:
        visit = visits_visible_to(user).select_related("showroom", "consultant").get(pk=pk)
    except Visit.DoesNotExist:
        raise Http404 from None
    if write and not can_edit_visit(user, visit):
        raise PermissionDenied
    return visit


def require_register_manager(user: User, *, write: bool = True) -> None:
    """The register's review: its managers; write=False (reading it): the dealer group's role too."""
    may_read = not write and user.is_group_viewer
    if not (user.has_perm("leads.sign_off_registerday") or may_read) or user.showroom_id is None:
        raise PermissionDenied


def get_lead_for(user: User, pk: int, *, write: bool = False) -> Lead:
    """The lead if it is in the user's scope (404 otherwise); write=True: its owner or a manager only.
    Consultants see only their own leads, so another consultant's lead is a 404 for them, not a 403."""
    try:
        lead = leads_visible_to(user).select_related("showroom", "owner", "district").get(pk=pk)
    except Lead.DoesNotExist:
        raise Http404 from None
    if write and not can_edit_lead(user, lead):
        raise PermissionDenied
    return lead


def require_lead_manager(user: User, *, write: bool = True) -> None:
    """Reassigning and deciding lost leads: managers; write=False (reading the lost-lead analysis): the dealer
    group's role too."""
    may_read = not write and user.is_group_viewer
    if not (user.has_perm("leads.reassign_lead") or may_read) or user.showroom_id is None:
        raise PermissionDenied
