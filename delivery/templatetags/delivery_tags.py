from django import template
from django.utils.translation import ngettext

from delivery.schedule import Offset

register = template.Library()


@register.filter
def offset_label(code: str) -> str:
    """A callback's distance from the delivery, in words: "3m" -> "3 months"."""
    try:
        offset = Offset.parse(code)
    except ValueError:
        return code
    if offset.unit == "d":
        text = ngettext("%(count)s day", "%(count)s days", offset.amount)
    elif offset.unit == "w":
        text = ngettext("%(count)s week", "%(count)s weeks", offset.amount)
    else:
        text = ngettext("%(count)s month", "%(count)s months", offset.amount)
    return text % {"count": offset.amount}


@register.filter
def ticked(value) -> str:
    """A paper form's box: ticked or empty."""
    return "☑" if value else "☐"


@register.filter
def is_in(value, container) -> bool:
    return value in (container or ())
