"""One access helper per object kind (the shape of dealer_crm/core/access.py); every view fetches through these,
so scope is never forgotten."""

from dealer_crm.core.access import object_for, require_role
from dealer_crm.core.models import User

from .models import Lead, Visit
from .selectors.register import can_edit_visit, visits_visible_to
from .selectors.tracker import can_edit_lead, leads_visible_to


def get_visit_for(user: User, pk: int, *, write: bool = False) -> Visit:
    """The entry if the user may see it (404 otherwise, so other showrooms' ids reveal nothing);
    with write=True also PermissionDenied unless it is theirs or they manage the showroom."""
    return object_for(
        visits_visible_to(user).select_related("showroom", "consultant"),
        pk,
        allowed=lambda visit: not write or can_edit_visit(user, visit),
    )


def get_lead_for(user: User, pk: int, *, write: bool = False) -> Lead:
    """The lead if it is in the user's scope (404 otherwise); write=True: its owner or a manager only.
    Consultants see only their own leads, so another consultant's lead is a 404 for them, not a 403."""
    return object_for(
        leads_visible_to(user).select_related("showroom", "owner", "district"),
        pk,
        allowed=lambda lead: not write or can_edit_lead(user, lead),
    )


def require_register_manager(user: User, *, write: bool = True) -> None:
    """The register's review: its managers; write=False (reading it): the dealer group's role too."""
    require_role(user, "leads.sign_off_registerday", write=write)


def require_lead_manager(user: User, *, write: bool = True) -> None:
    """Reassigning and deciding lost leads: managers; write=False (reading the lost-lead analysis): the dealer
    group's role too."""
    require_role(user, "leads.reassign_lead", write=write)
