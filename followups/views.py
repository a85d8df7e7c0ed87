from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from dealer_crm.core.clock import showroom_today

from . import selectors
from .today import LEADS, due_counts_for_request, due_sections


def today(request):
    """The consultant's home page: due and overdue follow-ups grouped by grade, H first (the first
    TODAY_GROUP_LIMIT of each, the rest in the tracker), then the other apps' due work (see followups.today),
    each section queried only when the navigation's count says it has rows."""
    if request.user.showroom is None:
        # An administrator without a showroom follows nobody up; "home" still lands here after login.
        return render(
            request, "followups/today.html", {"day": timezone.localdate(), "groups": [], "sections": [], "total": 0}
        )
    day = showroom_today(request.user.showroom)
    counts = due_counts_for_request(request)
    groups = selectors.due_lead_groups(request.user, today=day) if counts[LEADS] else []
    for group in groups:
        for lead in group.leads:
            lead.days_overdue = (day - lead.next_follow_up).days
    sections = due_sections(request.user, today=day, counts=counts)
    total = sum(group.total for group in groups) + sum(len(items) for _section, items in sections)
    context = {
        "day": day,
        "groups": groups,
        "sections_first": [(section, items) for section, items in sections if section.order < 0],
        "sections": [(section, items) for section, items in sections if section.order >= 0],
        "total": total,
    }
    return render(request, "followups/today.html", context)


def overdue_board(request):
    """The manager's board: who is falling behind (any overdue H lead, others overdue by over an interval)."""
    if not request.user.sees_whole_showroom:
        raise PermissionDenied
    showroom = request.user.showroom
    if showroom is None:  # an administrator without a showroom oversees no consultants
        return render(request, "followups/overdue_board.html", {"day": timezone.localdate(), "rows": []})
    day = showroom_today(showroom)
    rows = selectors.overdue_by_consultant(showroom=showroom, today=day, with_leads=True)
    for row in rows:
        for lead in row.leads:
            lead.days_overdue = (day - lead.next_follow_up).days
    return render(request, "followups/overdue_board.html", {"day": day, "rows": rows})
