from django import template

register = template.Library()


@register.inclusion_tag("leads/includes/grade_badge.html")
def grade_badge(grade: str):
    return {"grade": grade}


@register.filter
def minutes_as_duration(minutes: int) -> str:
    """95 -> 1:35, the way the register's 进店-离去 column is read."""
    hours, rest = divmod(int(minutes), 60)
    return f"{hours}:{rest:02d}"
