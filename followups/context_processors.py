from django.conf import settings

from .today import due_counts_for_request


def due_follow_ups(request):
    """The count beside "Today" in the navigation: every kind of due work (leads and the registered sections,
    see followups.today) in one query per page, only if the page shows it, shared with the Today page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.showroom_id is None:
        return {}

    def count() -> int | str:  # the navigation shows it twice (menu and phone toolbar): counted once per request
        counts = due_counts_for_request(request).values()
        cap = settings.LIST_COUNT_CAP
        return f"{cap}+" if any(n > cap for n in counts) else sum(counts)

    return {"due_follow_up_count": count}
