from django import template

from leads.models import Lead, LeadStatus

from ..models import OnlineLead
from ..services.assignment import can_assign_online_leads

register = template.Library()


@register.simple_tag
def assignable_inquiry(lead: Lead, user) -> OnlineLead | None:
    """The lead's latest online inquiry, when the user may hand the lead on by hand and it is still open."""
    if lead.status != LeadStatus.OPEN or not can_assign_online_leads(user) or user.showroom_id != lead.showroom_id:
        return None
    return lead.online_inquiries.order_by("-received_at", "-id").first()
