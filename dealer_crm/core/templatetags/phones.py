from django import template

from dealer_crm.core.phones import phone_for as shown_phone

register = template.Library()


@register.filter
def phone_for(phone: str, viewer) -> str:
    """{{ lead.phone|phone_for:user }}: the number as the viewer may see it (dealer_crm.core.phones.phone_for)."""
    return shown_phone(viewer, phone)
