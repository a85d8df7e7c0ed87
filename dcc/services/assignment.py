"""An online lead given to a consultant by hand: the manager or the DCC clerk overrides the rotation.

`online_lead_assign` moves the lead to the chosen consultant, records it on the inquiry and, as an ASSIGNED event
(by hand, from whom, why), on the lead; the rotation's ledger counts it as the consultant's online turn.
"""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dealer_crm.core.models import Role, User
from leads.models import Lead, LeadEvent, LeadStatus
from leads.services.tracker import lead_event_record

from ..models import DccSettings, OnlineLead, RotationTurn
from .roster import rotation_turn_record

# The DCC clerk's permission (dcc/migrations/0002_intake_permissions.py): managers and administrators have it, and
# a showroom gives it in the admin to a clerk who is not a manager. Who may enter an inquiry may also route it.
CLERK_PERMISSION = "dcc.add_onlinelead"


def can_assign_online_leads(user: User) -> bool:
    """Managers of a showroom and its DCC clerks hand online leads to consultants; nobody without a showroom."""
    return (
        user.is_authenticated
        and user.showroom_id is not None
        and (user.manages_showroom or user.has_perm(CLERK_PERMISSION))
    )


def assignable_consultants(showroom_id: int) -> QuerySet[User]:
    """Whom an online lead may be given to: the showroom's active consultants."""
    return User.objects.filter(showroom_id=showroom_id, is_active=True, groups__name=Role.CONSULTANT.value).order_by(
        "last_name", "first_name", "pk"
    )


@transaction.atomic
def online_lead_assign(*, inquiry: OnlineLead, to: User, by: User, reason: str = "") -> OnlineLead:
    """Give the inquiry's lead to `to` by hand. PermissionDenied for a user who may not (another showroom's, or
    neither manager nor clerk); ValidationError keyed by field, every problem at once, for a consultant of another
    showroom, an inactive user, someone who is not a consultant, the lead's current owner, or a lead no longer open.
    """
    if not can_assign_online_leads(by) or by.showroom_id != inquiry.showroom_id:
        raise PermissionDenied
    # Locks in the escalation's order (inquiry, then the rotation's settings row, then the lead), so a hand
    # assignment and the second deadline's reassignment of the same inquiry queue up instead of deadlocking.
    inquiry = OnlineLead.objects.select_for_update().get(pk=inquiry.pk)
    DccSettings.objects.select_for_update().get_or_create(showroom_id=inquiry.showroom_id)
    lead = Lead.objects.select_for_update().select_related("owner").get(pk=inquiry.lead_id)

    errors: dict[str, list[str]] = {}
    if to.showroom_id != inquiry.showroom_id:
        errors.setdefault("to", []).append(_("%(name)s works in another showroom.") % {"name": to})
    if not to.is_active:
        errors.setdefault("to", []).append(_("%(name)s is no longer active.") % {"name": to})
    if not to.groups.filter(name=Role.CONSULTANT.value).exists():
        errors.setdefault("to", []).append(_("%(name)s is not a sales consultant.") % {"name": to})
    if to.pk == lead.owner_id:
        errors.setdefault("to", []).append(_("%(name)s already has this lead.") % {"name": to})
    if lead.status != LeadStatus.OPEN:
        errors.setdefault(NON_FIELD_ERRORS, []).append(_("This lead is no longer open; it cannot be assigned."))
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    previous = lead.owner
    # The lead's optimistic version moves, so a form opened on the lead before the hand-over is told it changed.
    Lead.objects.filter(pk=lead.pk).update(owner=to, version=F("version") + 1, updated_at=now)
    lead.owner, lead.owner_id = to, to.pk
    OnlineLead.objects.filter(pk=inquiry.pk).update(assigned_to=to, assigned_at=now)
    inquiry.assigned_to, inquiry.assigned_at = to, now
    # The hand assignment counts as the consultant's online turn: they received a customer, exactly as if the
    # rotation had picked them, so the rotation does not give them the next one as well (that would favour whoever
    # the manager likes). The previous owner's turn stays in the ledger, as a turn passed on does (roster.py).
    rotation_turn_record(
        showroom=inquiry.showroom, consultant=to, at=now, kind=RotationTurn.Kind.ONLINE, recorded_by=by, lead=lead
    )
    lead_event_record(
        lead=lead,
        kind=LeadEvent.Kind.ASSIGNED,
        by=by,
        at=now,
        note=reason.strip(),
        details={"to": to.pk, "from": previous.pk, "by_rotation": False, "by_hand": True, "inquiry": inquiry.pk},
    )
    return inquiry
