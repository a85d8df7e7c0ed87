"""The follow-up schedule: each grade's next date, and the reminder run that turns due dates into reminders.

Everything runs on a frozen clock (tests/conftest.py CURRENT_TIME, Saturday 2026-11-21 15:30 in Shanghai);
a test that needs another moment moves the frozen clock, it never sleeps."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealer_crm.core.clock import showroom_today
from followups.models import Reminder, ReminderRun
from followups.selectors import due_leads_for
from followups.services import reminders_generate
from leads.models import Lead, LeadStatus
from leads.services.tracker import lead_decide_lost, lead_request_lost
from tests.conftest import CURRENT_TIME, TODAY
from tests.factories import UserFactory
from tests.followups.conftest import local, next_phone

DAY = timedelta(days=1)


def reminders() -> set[tuple]:
    return set(Reminder.objects.values_list("lead_id", "due_date", "overdue_days"))


# --- Each grade's next follow-up date ---------------------------------------------------------------------


@pytest.mark.parametrize("grade, days", [("H", 1), ("A", 3), ("B", 7), ("C", 15)])
def test_a_graded_register_entry_is_due_again_after_the_grades_default_interval(make_visit, consultant, grade, days):
    make_visit(consultant=consultant, grade=grade)

    lead = Lead.objects.get()
    assert lead.grade == grade
    assert lead.next_follow_up == TODAY + timedelta(days=days)


@pytest.mark.parametrize("grade, days", [("H", 2), ("A", 5), ("B", 10), ("C", 30)])
def test_a_showroom_with_its_own_intervals_schedules_by_them(make_visit, showroom, consultant, grade, days):
    showroom.follow_up_days_h, showroom.follow_up_days_a = 2, 5
    showroom.follow_up_days_b, showroom.follow_up_days_c = 10, 30
    showroom.save()

    make_visit(consultant=consultant, grade=grade)

    assert Lead.objects.get().next_follow_up == TODAY + timedelta(days=days)


def test_a_contact_schedules_the_next_date_by_the_grade_it_leaves(lead_due, record_contact, consultant):
    lead = lead_due(consultant=consultant, due=TODAY, grade="C")

    record_contact(lead, grade="H")

    lead.refresh_from_db()
    assert lead.next_follow_up == TODAY + DAY


def test_an_order_on_the_spot_leaves_nothing_to_follow_up(make_visit, consultant):
    make_visit(consultant=consultant, grade="O")

    lead = Lead.objects.get()
    assert lead.status == LeadStatus.ORDERED
    assert lead.next_follow_up is None


def test_a_visit_just_after_local_midnight_counts_from_the_showroom_date_not_the_utc_date(make_visit, consultant):
    # 00:10-00:30 on 21 November in Shanghai is still 20 November in UTC.
    make_visit(consultant=consultant, day=TODAY, start="00:10", minutes=20, grade="H")

    assert Lead.objects.get().next_follow_up == date(2026, 11, 22)


# --- The reminder run --------------------------------------------------------------------------------------


def test_the_run_makes_one_reminder_per_open_lead_due_by_the_local_today_saying_how_overdue(
    lead_due, consultant, other_consultant, showroom
):
    due_today = lead_due(consultant=consultant, due=TODAY, grade="A")
    two_days_late = lead_due(consultant=consultant, due=TODAY - 2 * DAY, grade="H")
    nine_days_late = lead_due(consultant=other_consultant, due=TODAY - 9 * DAY, grade="B")
    lead_due(consultant=consultant, due=TODAY + DAY, grade="H")  # tomorrow's: not yet

    run = reminders_generate()

    assert reminders() == {
        (due_today.pk, TODAY, 0),
        (two_days_late.pk, TODAY - 2 * DAY, 2),
        (nine_days_late.pk, TODAY - 9 * DAY, 9),
    }
    owners = dict(Reminder.objects.values_list("lead_id", "consultant_id"))
    assert owners == {
        due_today.pk: consultant.pk,
        two_days_late.pk: consultant.pk,
        nine_days_late.pk: other_consultant.pk,
    }
    assert set(Reminder.objects.values_list("showroom_id", flat=True)) == {showroom.pk}
    assert (run.reminders_created, run.showrooms) == (3, 1)


def test_nothing_is_made_before_the_showroom_reminder_hour_and_everything_from_it(lead_due, consultant, frozen_clock):
    lead = lead_due(consultant=consultant, due=TODAY - DAY, grade="H")
    frozen_clock.move_to(local(consultant.showroom, date(2026, 11, 22), 7, 59))

    early = reminders_generate()

    assert (early.reminders_created, early.showrooms) == (0, 0)
    assert not Reminder.objects.exists()

    frozen_clock.move_to(local(consultant.showroom, date(2026, 11, 22), 8, 0))
    on_time = reminders_generate()

    assert (on_time.reminders_created, on_time.showrooms) == (1, 1)
    assert reminders() == {(lead.pk, TODAY - DAY, 2)}


def test_a_later_reminder_hour_of_the_showroom_is_respected(lead_due, showroom, consultant, frozen_clock):
    showroom.reminder_hour = 16
    showroom.save()
    lead_due(consultant=consultant, due=TODAY, grade="A")

    assert reminders_generate().reminders_created == 0  # 15:30 in Shanghai

    frozen_clock.move_to(local(showroom, date(2026, 11, 21), 16, 0))
    assert reminders_generate().reminders_created == 1


def test_a_second_run_makes_nothing_more(lead_due, consultant):
    lead_due(consultant=consultant, due=TODAY, grade="A")
    lead_due(consultant=consultant, due=TODAY - DAY, grade="H")
    reminders_generate()

    again = reminders_generate()

    assert again.reminders_created == 0
    assert Reminder.objects.count() == 2
    assert ReminderRun.objects.count() == 2


def test_the_catch_up_run_after_the_beat_was_down_makes_one_reminder_per_due_lead_saying_how_overdue(
    lead_due, consultant, frozen_clock
):
    frozen_clock.move_to(local(consultant.showroom, date(2026, 11, 16), 12, 0))
    reminded = lead_due(consultant=consultant, due=date(2026, 11, 16), grade="H")
    reminders_generate()  # the last run before the outage
    assert reminders() == {(reminded.pk, date(2026, 11, 16), 0)}
    frozen_clock.move_to(local(consultant.showroom, date(2026, 11, 18), 12, 0))
    four_days = lead_due(consultant=consultant, due=date(2026, 11, 17), grade="H")
    two_days = lead_due(consultant=consultant, due=date(2026, 11, 19), grade="H")
    today = lead_due(consultant=consultant, due=date(2026, 11, 21), grade="A")
    frozen_clock.move_to(local(consultant.showroom, date(2026, 11, 21), 9, 0))  # no beat from the 16th until now

    catch_up = reminders_generate()

    assert catch_up.reminders_created == 3
    assert reminders() == {
        (reminded.pk, date(2026, 11, 16), 0),  # already reminded of that date: not again
        (four_days.pk, date(2026, 11, 17), 4),
        (two_days.pk, date(2026, 11, 19), 2),
        (today.pk, date(2026, 11, 21), 0),
    }


@pytest.mark.parametrize(
    "day, hour, minute, expected_overdue",
    [
        # 23:59 on the 21st in Shanghai is 15:59 UTC on the 21st.
        (date(2026, 11, 21), 23, 59, {date(2026, 11, 20): 1, date(2026, 11, 21): 0}),
        # 00:01 on the 22nd in Shanghai is 16:01 UTC, still the 21st in UTC: the local date counts.
        (date(2026, 11, 22), 0, 1, {date(2026, 11, 20): 2, date(2026, 11, 21): 1, date(2026, 11, 22): 0}),
    ],
    ids=["23:59", "00:01"],
)
def test_around_midnight_the_run_counts_days_by_the_showroom_local_date(
    lead_due, showroom, consultant, frozen_clock, day, hour, minute, expected_overdue
):
    showroom.reminder_hour = 0
    showroom.save()
    for due in (date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)):
        lead_due(consultant=consultant, due=due, grade="H")
    frozen_clock.move_to(local(showroom, day, hour, minute))

    reminders_generate()

    assert dict(Reminder.objects.values_list("due_date", "overdue_days")) == expected_overdue


def test_a_reminder_keeps_the_moment_it_was_made_in_a_form_the_orm_can_compare(lead_due, consultant):
    lead_due(consultant=consultant, due=TODAY, grade="A")

    reminders_generate(now=CURRENT_TIME)  # an aware moment in Shanghai time, as a caller may pass it

    assert Reminder.objects.filter(created_at=CURRENT_TIME).count() == 1
    assert Reminder.objects.filter(created_at__gt=CURRENT_TIME - timedelta(minutes=1)).count() == 1


# --- Daylight saving time: a showroom outside China ---------------------------------------------------------

DST_CHANGES = [
    pytest.param("Europe/Berlin", date(2026, 3, 29), id="Berlin-spring"),
    pytest.param("Europe/Berlin", date(2026, 10, 25), id="Berlin-autumn"),
    pytest.param("America/New_York", date(2026, 3, 8), id="NewYork-spring"),
]


@pytest.fixture
def in_zone(showroom, consultant):
    def move(zone: str):
        showroom.time_zone = zone
        showroom.save()
        consultant.showroom = showroom

    return move


@pytest.mark.parametrize("zone, change", DST_CHANGES)
@pytest.mark.parametrize("offset", [-1, 0, 1], ids=["day-before", "change-day", "day-after"])
def test_the_reminder_hour_is_08_00_local_on_both_sides_of_a_dst_change(
    lead_due, in_zone, showroom, consultant, frozen_clock, zone, change, offset
):
    in_zone(zone)
    day = change + timedelta(days=offset)
    frozen_clock.move_to(local(showroom, day - DAY, 12))
    lead = lead_due(consultant=consultant, due=day, grade="H")

    frozen_clock.move_to(local(showroom, day, 7, 59))
    assert reminders_generate().reminders_created == 0

    frozen_clock.move_to(local(showroom, day, 8, 0))
    assert showroom_today(showroom) == day
    assert reminders_generate().reminders_created == 1
    assert reminders() == {(lead.pk, day, 0)}


@pytest.mark.parametrize("zone, change", DST_CHANGES)
def test_overdue_days_across_a_dst_change_are_calendar_days(
    lead_due, in_zone, showroom, consultant, frozen_clock, zone, change
):
    in_zone(zone)
    frozen_clock.move_to(local(showroom, change, 12))
    dues = [change - DAY, change, change + DAY]
    leads = [lead_due(consultant=consultant, due=due, grade="H") for due in dues]
    after = change + DAY
    frozen_clock.move_to(local(showroom, after, 8, 0))

    reminders_generate()

    assert reminders() == {(leads[0].pk, dues[0], 2), (leads[1].pk, dues[1], 1), (leads[2].pk, dues[2], 0)}


@pytest.mark.parametrize("zone, change", DST_CHANGES)
def test_a_contact_just_after_midnight_on_a_dst_day_is_due_again_on_the_local_calendar_date(
    lead_due, record_contact, in_zone, showroom, consultant, frozen_clock, zone, change
):
    in_zone(zone)
    before = change - DAY
    frozen_clock.move_to(local(showroom, before, 12))
    lead = lead_due(consultant=consultant, due=change, grade="H")
    frozen_clock.move_to(local(showroom, change, 0, 30))

    contact = record_contact(lead, grade="A")

    assert contact.contact_date == change
    lead.refresh_from_db()
    assert lead.next_follow_up == change + timedelta(days=3)


# --- Closed leads and recorded contacts -----------------------------------------------------------------------


def test_ordered_and_lost_leads_get_no_reminders_but_a_lead_waiting_for_lost_approval_does(
    lead_due, record_contact, consultant, manager
):
    ordered = lead_due(consultant=consultant, due=TODAY - DAY, grade="H")
    lost = lead_due(consultant=consultant, due=TODAY - DAY, grade="A")
    waiting = lead_due(consultant=consultant, due=TODAY - DAY, grade="B")
    still_open = lead_due(consultant=consultant, due=TODAY - DAY, grade="C")
    record_contact(ordered, grade="H", kind="order")
    request = lead_request_lost(lead=lost, by=consultant, reason="price")
    lead_decide_lost(request=request, by=manager, approve=True)
    lead_request_lost(lead=waiting, by=consultant, reason="no_need")

    reminders_generate()

    assert set(Reminder.objects.values_list("lead_id", flat=True)) == {waiting.pk, still_open.pk}
    assert Lead.objects.get(pk=ordered.pk).status == LeadStatus.ORDERED
    assert Lead.objects.get(pk=lost.pk).status == LeadStatus.LOST


def test_a_recorded_contact_takes_the_lead_off_today_and_the_next_reminder_waits_for_the_new_date(
    lead_due, record_contact, consultant, frozen_clock
):
    lead = lead_due(consultant=consultant, due=TODAY, grade="A")
    assert list(due_leads_for(consultant, today=TODAY)) == [lead]
    reminders_generate()

    record_contact(lead, grade="B")

    assert list(due_leads_for(consultant, today=TODAY)) == []
    assert reminders_generate().reminders_created == 0
    week_later = TODAY + 7 * DAY
    frozen_clock.move_to(local(consultant.showroom, week_later - DAY, 8, 0))
    assert reminders_generate().reminders_created == 0  # the day before the new date
    frozen_clock.move_to(local(consultant.showroom, week_later, 8, 0))
    assert list(due_leads_for(consultant, today=week_later)) == [lead]
    assert reminders_generate().reminders_created == 1
    assert reminders() == {(lead.pk, TODAY, 0), (lead.pk, week_later, 0)}


# --- Cost -----------------------------------------------------------------------------------------------------

# ReminderRun insert, the showroom list, then per showroom: savepoint, one INSERT … SELECT, release; run update.
RUN_QUERIES = 6


def test_the_run_makes_the_same_fixed_number_of_queries_for_3_and_30_due_leads(lead_due, consultant):
    def run_with_due_leads(n: int) -> tuple[int, int]:
        Reminder.objects.all().delete()
        while Lead.objects.filter(next_follow_up__lte=TODAY).count() < n:
            lead_due(consultant=consultant, due=TODAY - DAY, grade="H")
        with CaptureQueriesContext(connection) as queries:
            run = reminders_generate()
        return len(queries), run.reminders_created

    few, few_made = run_with_due_leads(3)
    many, many_made = run_with_due_leads(30)

    assert (few_made, many_made) == (3, 30)
    assert few == many == RUN_QUERIES


def test_reminders_of_two_showrooms_each_use_the_showroom_local_hour(
    lead_due, make_visit, showroom, other_showroom, consultant, frozen_clock
):
    # Berlin at 08:30 on the 21st is 15:30 in Shanghai; Shanghai's 08:00 came long before.
    other_showroom.time_zone = "Europe/Berlin"
    other_showroom.save()
    berlin_consultant = UserFactory(showroom=other_showroom)
    lead_due(consultant=consultant, due=TODAY, grade="A")
    frozen_clock.move_to(local(other_showroom, date(2026, 11, 18), 12))
    make_visit(consultant=berlin_consultant, day=date(2026, 11, 18), grade="A", phone=next_phone())
    frozen_clock.move_to(local(other_showroom, date(2026, 11, 21), 7, 59))

    first = reminders_generate()

    assert (first.reminders_created, first.showrooms) == (1, 1)
    assert set(Reminder.objects.values_list("showroom_id", flat=True)) == {showroom.pk}
    frozen_clock.move_to(local(other_showroom, date(2026, 11, 21), 8, 0))
    second = reminders_generate()
    assert (second.reminders_created, second.showrooms) == (1, 2)
    assert Reminder.objects.filter(showroom=other_showroom, consultant=berlin_consultant).count() == 1
