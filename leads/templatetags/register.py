from django import template

from ..actions import list_export_url, registered_lead_actions

register = template.Library()


@register.inclusion_tag("leads/includes/grade_badge.html")
def grade_badge(grade: str):
    return {"grade": grade}


@register.filter
def minutes_as_duration(minutes: int) -> str:
    """95 -> 1:35, the way the register's 进店-离去 column is read."""
    hours, rest = divmod(int(minutes), 60)
    return f"{hours}:{rest:02d}"


@register.simple_tag
def lead_action_templates() -> list[str]:
    """The templates of the lead page's buttons registered by the apps above leads (leads/actions.py)."""
    return [action.template for action in registered_lead_actions()]


@register.simple_tag
def export_url(page: str) -> str:
    """A list page's export address registered by an app above leads, or "" (leads/actions.py)."""
    return list_export_url(page=page)
