"""The manager's week of the duty roster: one service checks the whole week at once and writes it whole; the
page shows it as a grid, saves it, keeps what was typed when refused, copies last week; managers only."""

import re
from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dcc.models import DutyShift
from dcc.services.roster import ShiftEntry, roster_week_copy_previous, roster_week_save
from tests.conftest import TODAY
from tests.factories import UserFactory

MONDAY = TODAY - timedelta(days=TODAY.weekday())  # the suite's clock: Saturday 2026-11-21, week 2026-W47
URL = reverse("dcc:roster")


def entry(consultant, day=MONDAY, start="09:00", end="18:00", weight=1):
    return ShiftEntry(
        consultant=consultant,
        day=day,
        starts_at=time.fromisoformat(start) if start else None,
        ends_at=time.fromisoformat(end) if end else None,
        weight=weight,
    )


def shifts_of(showroom):
    return [
        (shift.consultant.username, shift.day, f"{shift.starts_at:%H:%M}", f"{shift.ends_at:%H:%M}", shift.weight)
        for shift in DutyShift.objects.filter(showroom=showroom).order_by("day", "starts_at", "consultant__username")
    ]


def test_every_problem_of_the_week_is_named_at_once_and_nothing_is_written(
    showroom, consultant, other_consultant, other_manager, manager
):
    DutyShift.objects.create(
        showroom=showroom, consultant=consultant, day=MONDAY, starts_at=time(9), ends_at=time(12)
    )  # the week as it was: a refused save leaves it as it was
    shifts = [
        entry(consultant, start="09:00", end="14:00"),  # 0: fine
        entry(consultant, start="13:00", end="20:00"),  # 1: overlaps 0
        entry(other_consultant, start="18:00", end="10:00"),  # 2: until before from
        entry(other_consultant, day=MONDAY + timedelta(days=1), weight=0),  # 3: weight 0
        entry(other_manager),  # 4: another showroom's
        entry(consultant, day=MONDAY + timedelta(days=7)),  # 5: next week
        entry(other_consultant, day=MONDAY + timedelta(days=2), start=None, end=None),  # 6: no times
        entry(consultant, day=MONDAY + timedelta(days=3), start="08:00", end="21:00"),  # 7: fine
        entry(consultant, day=MONDAY + timedelta(days=3), start="10:00", end="11:00"),  # 8: inside 7
        entry(consultant, day=MONDAY + timedelta(days=3), start="12:00", end="13:00"),  # 9: inside 7 too
        entry(other_consultant, day=MONDAY + timedelta(days=4), weight=40000),  # 10: a slip of the finger
    ]

    with pytest.raises(ValidationError) as refused:
        roster_week_save(showroom=showroom, week_start=MONDAY, shifts=shifts, by=manager)

    assert set(refused.value.message_dict) == {
        "1.starts_at",
        "2.ends_at",
        "3.weight",
        "4.consultant",
        "5.day",
        "6.starts_at",
        "6.ends_at",
        "8.starts_at",
        "9.starts_at",
        "10.weight",
    }
    assert shifts_of(showroom) == [("zhang", MONDAY, "09:00", "12:00", 1)]


def test_a_shift_may_start_when_the_other_ends_and_a_save_replaces_the_week(showroom, consultant, manager):
    DutyShift.objects.create(showroom=showroom, consultant=consultant, day=MONDAY, starts_at=time(8), ends_at=time(9))
    roster_week_save(
        showroom=showroom,
        week_start=MONDAY,
        shifts=[entry(consultant, start="09:00", end="13:00"), entry(consultant, start="13:00", end="21:00", weight=2)],
        by=manager,
    )
    assert shifts_of(showroom) == [
        ("zhang", MONDAY, "09:00", "13:00", 1),
        ("zhang", MONDAY, "13:00", "21:00", 2),
    ]


def test_copying_last_week_fills_an_empty_week_only(showroom, consultant, other_consultant, manager):
    last_monday = MONDAY - timedelta(days=7)
    roster_week_save(
        showroom=showroom,
        week_start=last_monday,
        shifts=[entry(consultant, day=last_monday), entry(other_consultant, day=last_monday + timedelta(days=6))],
        by=manager,
    )
    other_consultant.is_active = False  # left the showroom: not on next week's roster
    other_consultant.save(update_fields=["is_active"])

    roster_week_copy_previous(showroom=showroom, week_start=MONDAY, by=manager)

    assert [row for row in shifts_of(showroom) if row[1] >= MONDAY] == [("zhang", MONDAY, "09:00", "18:00", 1)]
    with pytest.raises(ValidationError):
        roster_week_copy_previous(showroom=showroom, week_start=MONDAY, by=manager)


# --- The page ---------------------------------------------------------------------------------------------------


def management(total: int, initial: int) -> dict:
    return {
        "form-TOTAL_FORMS": total,
        "form-INITIAL_FORMS": initial,
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 1000,
    }


def test_the_manager_sees_the_week_grid_and_adds_changes_and_removes_shifts(
    client_for, frozen_clock, showroom, consultant, other_consultant, manager
):
    roster_week_save(
        showroom=showroom,
        week_start=MONDAY,
        shifts=[entry(consultant, start="09:00", end="18:00"), entry(other_consultant, start="12:00", end="21:00")],
        by=manager,
    )
    client = client_for(manager)
    page = client.get(URL, {"week": "2026-W47"})
    assert page.status_code == 200
    rows = [consultant.username for consultant, _cells in page.context["grid"]]
    assert rows == ["zhang", "li"]  # by name, as the database sorts it
    html = page.content.decode()
    assert 'value="12:00"' in html and 'value="09:00"' in html
    assert 'href="?week=2026-W46"' in html and 'href="?week=2026-W48"' in html

    friday = MONDAY + timedelta(days=4)
    data = management(3, 2) | {
        # 李娜's Monday shift, removed
        "form-0-consultant": other_consultant.pk,
        "form-0-day": MONDAY,
        "form-0-starts_at": "12:00",
        "form-0-ends_at": "21:00",
        "form-0-weight": 1,
        "form-0-DELETE": "on",
        # 张伟's Monday shift, changed
        "form-1-consultant": consultant.pk,
        "form-1-day": MONDAY,
        "form-1-starts_at": "10:00",
        "form-1-ends_at": "19:00",
        "form-1-weight": 2,
        # a shift added on Friday
        "form-2-consultant": other_consultant.pk,
        "form-2-day": friday,
        "form-2-starts_at": "09:00",
        "form-2-ends_at": "15:00",
        "form-2-weight": 1,
    }
    response = client.post(f"{URL}?week=2026-W47", data)

    assert response.status_code == 302 and response["Location"] == f"{URL}?week=2026-W47"
    assert shifts_of(showroom) == [("zhang", MONDAY, "10:00", "19:00", 2), ("li", friday, "09:00", "15:00", 1)]


def test_a_refused_week_shows_each_problem_next_to_its_box_and_keeps_what_was_typed(
    client_for, frozen_clock, showroom, consultant, manager
):
    data = management(2, 0) | {
        "form-0-consultant": consultant.pk,
        "form-0-day": MONDAY,
        "form-0-starts_at": "09:00",
        "form-0-ends_at": "17:45",
        "form-0-weight": 1,
        "form-1-consultant": consultant.pk,
        "form-1-day": MONDAY + timedelta(days=1),
        "form-1-starts_at": "16:15",
        "form-1-ends_at": "08:30",
        "form-1-weight": 0,
    }
    response = client_for(manager).post(f"{URL}?week=2026-W47", data)

    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert (forms[0].errors, set(forms[1].errors)) == ({}, {"ends_at", "weight"})
    html = response.content.decode()
    assert 'value="17:45"' in html and 'value="16:15"' in html and 'value="08:30"' in html
    assert re.search(r'is-invalid[^>]*value="08:30"|value="08:30"[^>]*is-invalid', html)
    assert not DutyShift.objects.exists()


def test_copy_last_week_from_the_page(client_for, frozen_clock, showroom, consultant, manager):
    roster_week_save(
        showroom=showroom,
        week_start=MONDAY - timedelta(days=7),
        shifts=[entry(consultant, MONDAY - timedelta(7))],
        by=manager,
    )
    response = client_for(manager).post(f"{reverse('dcc:roster_copy')}?week=2026-W47")
    assert response["Location"] == f"{URL}?week=2026-W47"
    assert DutyShift.objects.filter(day=MONDAY, consultant=consultant).exists()


def test_consultants_may_not_see_or_set_the_roster(client_for, consultant):
    client = client_for(consultant)
    assert client.get(URL).status_code == 403
    assert client.post(URL, management(0, 0)).status_code == 403
    assert client.post(reverse("dcc:roster_copy")).status_code == 403


def test_a_malformed_week_is_not_found(client_for, manager):
    assert client_for(manager).get(URL, {"week": "2026-49"}).status_code == 404
    assert client_for(manager).get(URL, {"week": "2026-W60"}).status_code == 404


def count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


# session, user, SAVEPOINT, the user's showroom, the permissions (user and groups), the week's shifts with their
# consultants, the active consultants, RELEASE SAVEPOINT, and the navigation's due count.
ROSTER_QUERIES = 10


def test_the_roster_page_runs_as_many_queries_for_a_big_showroom_as_for_a_small_one(
    client_for, frozen_clock, showroom, consultant, manager
):
    client = client_for(manager)
    client.get(URL)  # warm-up

    def staff(count):
        people = [UserFactory(showroom=showroom) for _n in range(count)]
        roster_week_save(
            showroom=showroom,
            week_start=MONDAY,
            shifts=[
                entry(person, MONDAY + timedelta(days=day)) for person in [consultant, *people] for day in range(7)
            ],
            by=manager,
        )

    staff(1)
    small = count_queries(client)
    staff(8)
    big = count_queries(client)

    assert small == big == ROSTER_QUERIES
