"""The duty roster's pages: the manager's week grid (接待排班), and the register's "next up" buttons (take the
walk-in, or skip the turn with a reason), which post here and go back to the register."""

import re
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from dealer_crm.core.access import require_perm, require_role
from dealer_crm.core.clock import showroom_today
from dealer_crm.core.models import User

from .forms import ShiftFormSet, SkipTurnForm
from .models import RotationTurn
from .services.roster import (
    ShiftEntry,
    roster_week,
    roster_week_copy_previous,
    roster_week_save,
    rotation_skip_next,
    rotation_take_next,
    week_start_of,
)

# Setting the roster is the manager's (and the showroom administrator's); the dealer group's role reads none.
ROSTER_PERMISSION = "core.oversee_showroom"
# Taking a walk-in or skipping a turn: whoever logs visits in the register (every staff role, not the group's).
FLOOR_PERMISSION = "leads.add_visit"
ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def iso_week(week_start: date) -> str:
    year, week, _weekday = week_start.isocalendar()
    return f"{year}-W{week:02d}"


def _week_asked(request, showroom) -> date:
    """The Monday of ?week=2026-W49; without it, this week where the showroom is. A malformed week is a 404."""
    asked = request.GET.get("week")
    if not asked:
        return week_start_of(showroom_today(showroom))
    match = ISO_WEEK.match(asked)
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except (TypeError, ValueError):
        raise Http404 from None


def _roster_url(week_start: date) -> str:
    return f"{reverse('dcc:roster')}?week={iso_week(week_start)}"


def _grid(week, formset):
    """The formset's forms in the grid's cells: [(consultant, [(day, [form, ...]), ...]), ...]."""
    cells = {(str(consultant.pk), day.isoformat()): [] for consultant in week.consultants for day in week.days}
    for form in formset.forms:
        key = (str(form["consultant"].value()), str(form["day"].value()))
        cells.setdefault(key, []).append(form)
    return [
        (consultant, [(day, cells[(str(consultant.pk), day.isoformat())]) for day in week.days])
        for consultant in week.consultants
    ]


def _consultants_posted(formset, week) -> dict[int, User]:
    """The posted forms' consultants: the grid's rows, and (one query) anyone else a form names."""
    known = {consultant.pk: consultant for consultant in week.consultants}
    other = {form.cleaned_data["consultant"] for form in formset.shift_forms()} - known.keys()
    if other:
        known.update({user.pk: user for user in User.objects.filter(pk__in=other)})
    return known


def _save(request, *, showroom, week, formset) -> bool:
    """Save the posted grid through the service; False with every problem put next to its box."""
    forms = formset.shift_forms()
    consultants = _consultants_posted(formset, week)
    entries, missing = [], False
    for form in forms:
        data = form.cleaned_data
        if data["consultant"] not in consultants:
            form.add_error("consultant", _("Not a consultant of this showroom."))
            missing = True
            continue
        entries.append(
            ShiftEntry(
                consultant=consultants[data["consultant"]],
                day=data["day"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                weight=data["weight"],
            )
        )
    if missing:
        return False
    try:
        roster_week_save(showroom=showroom, week_start=week.week_start, shifts=entries, by=request.user)
    except ValidationError as error:
        for key, problems in error.message_dict.items():
            position, _dot, field = key.partition(".")
            form = forms[int(position)]
            form.add_error(field if field in form.fields else None, problems)
        return False
    return True


def roster(request):
    """The manager's week: a row per consultant, a column per day, each cell its shifts; saved whole."""
    require_role(request.user, ROSTER_PERMISSION)
    showroom = request.user.showroom
    week_start = _week_asked(request, showroom)
    week = roster_week(showroom=showroom, week_start=week_start)
    if request.method == "POST":
        formset = ShiftFormSet(request.POST)
        if formset.is_valid() and _save(request, showroom=showroom, week=week, formset=formset):
            messages.success(request, _("The roster of the week of %(date)s is saved.") % {"date": week_start})
            return redirect(_roster_url(week_start))
        messages.error(request, _("The roster is not saved: see the boxes marked in red."))
    else:
        existing = [
            {
                "consultant": shift.consultant_id,
                "day": shift.day,
                "starts_at": shift.starts_at,
                "ends_at": shift.ends_at,
                "weight": shift.weight,
            }
            for shift in week.shifts
        ]
        blanks = [
            {"consultant": consultant.pk, "day": day, "weight": 1}
            for consultant in week.consultants
            for day in week.days
        ]
        formset = ShiftFormSet(existing=existing, blanks=blanks)
    today = showroom_today(showroom)
    return render(
        request,
        "dcc/roster.html",
        {
            "week": week,
            "formset": formset,
            "grid": _grid(week, formset),
            "today": today,
            "week_label": iso_week(week_start),
            "previous_week": iso_week(week_start - timedelta(days=7)),
            "next_week": iso_week(week_start + timedelta(days=7)),
            "this_week": iso_week(week_start_of(today)),
            "is_empty": not week.shifts,
        },
    )


@require_POST
def roster_copy_previous(request):
    """Fill an empty week with last week's shifts, to change what differs."""
    require_role(request.user, ROSTER_PERMISSION)
    showroom = request.user.showroom
    week_start = _week_asked(request, showroom)
    try:
        shifts = roster_week_copy_previous(showroom=showroom, week_start=week_start, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext("Last week copied: %(count)s shift.", "Last week copied: %(count)s shifts.", len(shifts))
            % {"count": len(shifts)},
        )
    return redirect(_roster_url(week_start))


def _floor_showroom(request):
    require_perm(request.user, FLOOR_PERMISSION)
    if request.user.showroom_id is None:
        raise Http404
    return request.user.showroom


@require_POST
def rotation_take(request):
    """The walk-in goes to whoever is next up now; the register says who."""
    showroom = _floor_showroom(request)
    consultant = rotation_take_next(
        showroom=showroom, at=timezone.now(), kind=RotationTurn.Kind.WALK_IN, recorded_by=request.user
    )
    if consultant is None:
        messages.warning(request, _("Nobody is on duty now."))
    else:
        messages.success(request, _("%(name)s takes the customer.") % {"name": consultant})
    return redirect("leads:visit_list")


@require_POST
def rotation_skip(request):
    """The next-up consultant passes on this walk-in, with why; the turn counts, the next one is up."""
    showroom = _floor_showroom(request)
    form = SkipTurnForm(request.POST, showroom=showroom)
    if not form.is_valid():
        messages.error(request, " ".join(problem for problems in form.errors.values() for problem in problems))
        return redirect("leads:visit_list")
    consultant = form.cleaned_data["consultant"]
    try:
        rotation_skip_next(
            showroom=showroom,
            at=timezone.now(),
            consultant=consultant,
            skip_reason=form.cleaned_data["skip_reason"],
            recorded_by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s's turn is skipped.") % {"name": consultant})
    return redirect("leads:visit_list")
