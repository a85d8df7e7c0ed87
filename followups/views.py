from itertools import groupby

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from dealer_crm.core.clock import showroom_today

from . import selectors


def today(request):
    """The consultant's home page: due and overdue follow-ups grouped by grade, H first."""
    if request.user.showroom is None:
        # An administrator without a showroom follows nobody up; "home" still lands here after login.
        return render(request, "followups/today.html", {"day": timezone.localdate(), "groups": [], "total": 0})
    day = showroom_today(request.user.showroom)
    leads = list(selectors.due_leads_for(request.user, today=day))
    for lead in leads:
        lead.days_overdue = (day - lead.next_follow_up).days
    groups = [(grade, list(rows)) for grade, rows in groupby(leads, key=lambda lead: lead.grade)]
    return render(request, "followups/today.html", {"day": day, "groups": groups, "total": len(leads)})


def overdue_board(request):
    """The manager's board: who is falling behind (any overdue H lead, others overdue by over an interval)."""
    if not request.user.manages_showroom:
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
