"""The daily sales report's lines (营业日报表), compiled from the register, the contacts and the lost-lead
decisions of the hand-made month in conftest.py; every number worked out below."""

import pytest

from leads.models import ContactKind
from reports.analytics.selectors import DailyFigures, daily_report_contacts, daily_report_figures, missed_follow_ups
from tests.reports.conftest import nov


def kinds(**counts) -> dict[str, int]:
    """Contacts per kind: every kind, zero unless given."""
    assert set(counts) <= set(ContactKind.values)
    return {kind: counts.get(kind, 0) for kind in ContactKind.values}


def figures_of(world, day) -> dict[str, DailyFigures]:
    by_id = daily_report_figures(showroom=world.zhang.showroom, day=day)
    names = {world.zhang.pk: "zhang", world.li.pk: "li", world.manager.pk: "manager"}
    return {names[user_id]: figures for user_id, figures in by_id.items()}


def test_today_zhang_ordered_on_the_spot_called_back_and_left_two_leads_waiting(world):
    assert figures_of(world, nov(21)) == {
        "zhang": DailyFigures(
            # V6: a walk-in who left a phone and ordered on the spot.
            visitors=1,
            walk_ins=1,
            calls=0,
            with_phone=1,
            new_leads=1,  # L4, opened by V6
            # V6's own contact (an order: grade O on the register makes it one) and the callback on L3.
            contacts=2,
            by_kind=kinds(order=1, callback=1),
            orders=1,  # V6 moved L4 to O
            lost=0,
            # L6 (due 11-07) and L1 (due 11-16) had no contact today; L3 had the callback.
            missed_follow_ups=2,
        ),
        # V9: a walk-in who left no phone; L5 is lost, so nothing of li's is due.
        "li": DailyFigures(visitors=1, walk_ins=1, calls=0, with_phone=0),
    }


def test_a_delivery_on_an_ordered_lead_is_not_another_order_and_an_approved_loss_counts_for_its_owner(world):
    assert figures_of(world, nov(20)) == {
        # The invitation on L3 (C→B) and the delivery of L2 (O→O: no new order).
        "zhang": DailyFigures(contacts=2, by_kind=kinds(invitation=1, delivery=1), orders=0, missed_follow_ups=2),
        # The manager approved li's request on L5 at 10:00: lost for li, and a lost lead is not due.
        "li": DailyFigures(lost=1),
    }


def test_a_walk_in_and_a_call_that_both_left_a_phone_make_two_new_leads(world):
    assert figures_of(world, nov(7)) == {
        "zhang": DailyFigures(
            visitors=2,  # V3 walk-in, V4 call
            walk_ins=1,
            calls=1,
            with_phone=2,
            new_leads=2,  # L2, L3
            contacts=2,
            by_kind=kinds(showroom_visit=1, phone_call=1),  # the register's own contacts: visit and call
            # L6 was due on 11-07 (B from 10-31, a week) and had no contact that day.
            missed_follow_ups=1,
        )
    }


def test_entries_of_li_on_the_third_and_the_deleted_entry_not_counted(world):
    assert figures_of(world, nov(3)) == {
        # V7 (no phone) and V8 (phone, opens L5); nothing is due yet (L5 on 11-18, L6 11-07, L1 11-09).
        "li": DailyFigures(
            visitors=2, walk_ins=2, with_phone=1, new_leads=1, contacts=1, by_kind=kinds(showroom_visit=1)
        )
    }
    assert figures_of(world, nov(5)) == {}  # V10 was deleted


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # L6 (due 11-07) is missed; L1 was due 11-09 and called that day.
        (9, {"zhang": DailyFigures(contacts=1, by_kind=kinds(phone_call=1), missed_follow_ups=1)}),
        # The test drive on L2; L1 is due 11-12 after the call of the 9th, so only L6.
        (10, {"zhang": DailyFigures(contacts=1, by_kind=kinds(test_drive=1), missed_follow_ups=1)}),
        # L1 was due on the 12th and called only on the 13th: still missed on the 12th. With L6: two.
        (12, {"zhang": DailyFigures(missed_follow_ups=2)}),
        # V5, L2's second visit (A→H): not a new lead. L1 is now due 11-16: only L6.
        (
            14,
            {
                "zhang": DailyFigures(
                    visitors=1,
                    walk_ins=1,
                    with_phone=1,
                    contacts=1,
                    by_kind=kinds(showroom_visit=1),
                    missed_follow_ups=1,
                )
            },
        ),
        # The quotation on L2; L1 falls due (11-16) and is not called: L6 and L1.
        (16, {"zhang": DailyFigures(contacts=1, by_kind=kinds(quotation=1), missed_follow_ups=2)}),
        # L2 ordered. L5 (li's) falls due and is not contacted.
        (
            18,
            {
                "zhang": DailyFigures(contacts=1, by_kind=kinds(order=1), orders=1, missed_follow_ups=2),
                "li": DailyFigures(missed_follow_ups=1),
            },
        ),
        # On the 19th li asked to close L5 as lost, but it stayed open, uncontacted, until the manager's approval
        # the next day: missed again on the 19th.
        (19, {"zhang": DailyFigures(missed_follow_ups=2), "li": DailyFigures(missed_follow_ups=1)}),
    ],
)
def test_each_day_of_the_month_reads_from_the_history_whatever_happened_since(world, day, expected):
    assert figures_of(world, nov(day)) == expected


def test_one_consultants_figures_alone(world, django_assert_num_queries):
    with django_assert_num_queries(5):
        figures = daily_report_figures(showroom=world.zhang.showroom, day=nov(20), consultant=world.li)

    assert figures == {world.li.pk: DailyFigures(lost=1)}


def test_missed_follow_ups_of_a_reassigned_lead_count_for_whom_owned_it_at_the_end_of_the_day(world):
    from leads.services.tracker import lead_reassign

    lead = world.leads["L6"]
    lead_reassign(leads=[lead], to=world.li, by=world.manager)  # today at 15:30

    # Yesterday it was still zhang's; today it is li's.
    assert missed_follow_ups(showroom=lead.showroom, day=nov(20)) == {world.zhang.pk: 2}
    assert missed_follow_ups(showroom=lead.showroom, day=nov(21)) == {world.zhang.pk: 1, world.li.pk: 1}


def test_the_days_contacts_with_customer_kind_and_grade_before_and_after(world):
    contacts = daily_report_contacts(showroom=world.zhang.showroom, day=nov(21), consultant=world.zhang)

    assert [
        (c.lead.customer_name, c.kind, c.grade_before, c.grade_after, c.occurred_at.strftime("%H:%M")) for c in contacts
    ] == [
        ("V4客户", "callback", "B", "B", "03:00"),  # 11:00 in Shanghai is 03:00 UTC
        ("V6客户", "order", "", "O", "04:10"),  # left at 12:10: a new lead, no grade before
    ]


def test_figures_take_the_same_five_queries_with_more_data(world, busier, django_assert_num_queries):
    with django_assert_num_queries(5):
        figures = daily_report_figures(showroom=world.zhang.showroom, day=nov(21))

    # Each extra consultant: two entries a week on 2, 9, 16 and 21 (A), each followed by a call the next day
    # (→ H, due the day after), and a walk-in without phone today.
    # Today: 2 entries with phone + 1 without; the leads of the 16th were called on the 17th (H: due the 18th)
    # and not since: 2 missed; those of the 9th and 2nd likewise (called on the 10th and 3rd): 4 more.
    for user in busier:
        assert figures[user.pk] == DailyFigures(
            visitors=3,
            walk_ins=3,
            with_phone=2,
            new_leads=2,
            contacts=2,
            by_kind=kinds(showroom_visit=2),
            missed_follow_ups=6,
        )
    assert (figures[world.zhang.pk].visitors, figures[world.zhang.pk].missed_follow_ups) == (1, 2)  # as before
