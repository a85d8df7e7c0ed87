from dealer_crm.core.clock import showroom_today

from .selectors import due_count_for


def due_follow_ups(request):
    """The count beside "Today" in the navigation: one indexed COUNT per page for a logged-in consultant."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.showroom_id is None:
        return {}
    return {"due_follow_up_count": lambda: due_count_for(user, today=showroom_today(user.showroom))}
