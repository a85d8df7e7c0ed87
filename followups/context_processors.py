from functools import cache

from dealer_crm.core.clock import showroom_today

from .selectors import due_count_for


def due_follow_ups(request):
    """The count beside "Today" in the navigation: one indexed COUNT per page, only if the page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.showroom_id is None:
        return {}

    @cache  # the navigation shows it twice (menu and phone toolbar): count once
    def count() -> int:
        return due_count_for(user, today=showroom_today(user.showroom))

    return {"due_follow_up_count": count}
