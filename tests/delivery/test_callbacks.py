"""Callbacks to the new owner (新客户回访): 3 days, 3 weeks, 3 months and 6 months after the delivery, then every
6 months, each "every 6 months" one made when the latest is done; reached or not, a score, a complaint."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from delivery import services
from delivery.models import Callback, Complaint, DeliverySettings
from leads.grade_status import monthly_grade_status
from leads.models import Contact
from tests.conftest import SHANGHAI, TODAY


def deliver_on(frozen_clock, signed, book, complete, day: date):
    """Sign and book now, then hand the car over on `day` (the frozen clock moved there, 11:00 local)."""
    delivery = book(signed())
    frozen_clock.move_to(datetime(day.year, day.month, day.day, 11, 0, tzinfo=SHANGHAI))
    return complete(delivery)


def schedule(delivery) -> list[tuple[int, str, date, str]]:
    return [
        (c.step, c.offset, c.due_date, c.status) for c in Callback.objects.filter(delivery=delivery).order_by("step")
    ]


def record(callback, *, by=None, reached=True, satisfaction=5, **fields):
    return services.callback_record(
        callback=callback, by=by or callback.consultant, reached=reached, satisfaction=satisfaction, **fields
    )


# --- The schedule ---------------------------------------------------------------------------------------------


def test_a_delivery_schedules_callbacks_at_3_days_3_weeks_3_months_and_6_months(frozen_clock, delivered, consultant):
    delivery = delivered()

    assert delivery.delivered_on == TODAY == date(2026, 11, 21)
    assert schedule(delivery) == [
        (1, "3d", date(2026, 11, 24), "pending"),
        (2, "3w", date(2026, 12, 12), "pending"),
        (3, "3m", date(2027, 2, 21), "pending"),
        (4, "6m", date(2027, 5, 21), "pending"),
    ]
    assert {callback.consultant for callback in delivery.callbacks.all()} == {consultant}


def test_month_ends_clamp_31_january_plus_3_months_is_30_april(frozen_clock, signed, book, complete):
    delivery = deliver_on(frozen_clock, signed, book, complete, date(2027, 1, 31))

    assert [due for _step, _offset, due, _status in schedule(delivery)] == [
        date(2027, 2, 3),
        date(2027, 2, 21),
        date(2027, 4, 30),
        date(2027, 7, 31),
    ]


@pytest.mark.parametrize(
    ("delivered_on", "six_months"),
    [(date(2027, 8, 31), date(2028, 2, 29)), (date(2028, 8, 31), date(2029, 2, 28))],
    ids=["into a leap year", "into a common year"],
)
def test_31_august_plus_6_months_is_the_end_of_february(frozen_clock, signed, book, complete, delivered_on, six_months):
    delivery = deliver_on(frozen_clock, signed, book, complete, delivered_on)

    assert schedule(delivery)[3][1:3] == ("6m", six_months)


def test_3_days_after_delivery_crosses_the_month_end(frozen_clock, signed, book, complete):
    delivery = deliver_on(frozen_clock, signed, book, complete, date(2026, 11, 29))

    assert schedule(delivery)[0][2] == date(2026, 12, 2)


def test_the_callback_offsets_are_a_showroom_setting(frozen_clock, delivered, showroom):
    DeliverySettings.objects.create(showroom=showroom, callback_offsets="7d 1m", repeat_every_months=12)

    delivery = delivered()

    assert [(step, offset, due) for step, offset, due, _status in schedule(delivery)] == [
        (1, "7d", date(2026, 11, 28)),
        (2, "1m", date(2026, 12, 21)),
    ]
    record(delivery.callbacks.get(step=2))
    assert schedule(delivery)[-1][:3] == (3, "13m", date(2027, 12, 21))


# --- The six-monthly ones, one at a time ----------------------------------------------------------------------------


def test_the_six_monthly_callbacks_are_made_one_at_a_time_counted_from_the_delivery(
    frozen_clock, signed, book, complete
):
    delivery = deliver_on(frozen_clock, signed, book, complete, date(2027, 8, 31))
    for step in (1, 2, 3):
        record(delivery.callbacks.get(step=step))
    assert Callback.objects.filter(delivery=delivery).count() == 4  # nothing beyond the fixed ones yet

    record(delivery.callbacks.get(step=4))  # 6 months: 29 February 2028
    assert schedule(delivery)[4] == (5, "12m", date(2028, 8, 31), "pending")  # 31 August again, no drift

    record(delivery.callbacks.get(step=5))
    assert schedule(delivery)[5] == (6, "18m", date(2029, 2, 28), "pending")
    assert Callback.objects.filter(delivery=delivery, status="pending").count() == 1


def test_the_next_one_follows_the_latest_callback_whatever_order_they_are_made_in(frozen_clock, delivered):
    delivery = delivered()

    record(delivery.callbacks.get(step=4))  # the 6-month one, made before the 3-month one
    record(delivery.callbacks.get(step=3))

    assert [step for step, *_rest in schedule(delivery)] == [1, 2, 3, 4, 5]


def test_there_is_one_callback_per_delivery_and_step(frozen_clock, delivered):
    delivery = delivered()

    with pytest.raises(IntegrityError), transaction.atomic():
        Callback.objects.create(
            delivery=delivery,
            showroom=delivery.showroom,
            consultant=delivery.consultant,
            step=1,
            offset="3d",
            due_date=TODAY,
        )


# --- Recording one ------------------------------------------------------------------------------------------------


def test_a_callback_records_the_outcome_and_a_callback_contact_on_the_lead(frozen_clock, delivered, consultant):
    delivery = delivered()
    callback = delivery.callbacks.get(step=1)
    frozen_clock.move_to(datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI))

    done = record(callback, satisfaction=4, remarks="油耗比预想的高一点")

    assert (done.status, done.reached, done.satisfaction, done.remarks, done.done_by) == (
        "done",
        True,
        4,
        "油耗比预想的高一点",
        consultant,
    )
    contact = Contact.objects.get(lead=delivery.contract.lead, kind="callback")
    assert (contact.contact_date, contact.summary, contact.grade_after) == (
        date(2026, 11, 24),
        "油耗比预想的高一点",
        "O",
    )
    assert not Complaint.objects.exists()


def test_a_customer_not_reached_gives_no_score_and_no_complaint(frozen_clock, delivered):
    callback = delivered().callbacks.get(step=1)

    with pytest.raises(ValidationError) as excinfo:
        record(callback, reached=False, satisfaction=3, complaint="x")
    assert sorted(excinfo.value.message_dict) == ["complaint", "satisfaction"]

    done = record(callback, reached=False, satisfaction=None, remarks="关机")
    assert (done.reached, done.satisfaction) == (False, None)


@pytest.mark.parametrize("satisfaction", [None, 0, 6])
def test_a_reached_customer_gives_a_score_from_1_to_5(frozen_clock, delivered, satisfaction):
    callback = delivered().callbacks.get(step=1)

    with pytest.raises(ValidationError) as excinfo:
        record(callback, satisfaction=satisfaction)

    assert list(excinfo.value.message_dict) == ["satisfaction"]
    assert Callback.objects.get(pk=callback.pk).status == "pending"


def test_the_database_keeps_scores_within_1_to_5_and_outcomes_on_done_callbacks(frozen_clock, delivered):
    callback = delivered().callbacks.get(step=1)

    for values in ({"satisfaction": 6}, {"status": "done"}, {"reached": False, "satisfaction": 3}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Callback.objects.filter(pk=callback.pk).update(**values)


def test_a_complaint_told_on_a_callback_opens_a_complaint_for_the_consultant(frozen_clock, delivered, consultant):
    delivery = delivered()
    callback = delivery.callbacks.get(step=1)

    record(callback, satisfaction=2, complaint="右后门异响，已经两次了")

    complaint = Complaint.objects.get()
    assert (complaint.delivery, complaint.callback, complaint.owner, complaint.status) == (
        delivery,
        Callback.objects.get(pk=callback.pk),
        consultant,
        "open",
    )
    assert complaint.description == "右后门异响，已经两次了"
    assert Callback.objects.get(pk=callback.pk).has_complaint


def test_a_callback_is_recorded_once(frozen_clock, delivered):
    callback = delivered().callbacks.get(step=1)
    record(callback)

    with pytest.raises(ValidationError):
        record(callback)
    assert Contact.objects.filter(kind="callback").count() == 1


def test_the_customers_consultant_or_a_manager_records_a_callback(
    frozen_clock, delivered, other_consultant, manager, other_manager
):
    delivery = delivered()
    for outsider in (other_consultant, other_manager):
        with pytest.raises(PermissionDenied):
            record(delivery.callbacks.get(step=1), by=outsider)

    assert record(delivery.callbacks.get(step=1), by=manager).done_by == manager


def test_the_callback_page_records_and_returns_to_where_it_came_from(frozen_clock, delivered, client_for, consultant):
    callback = delivered().callbacks.get(step=1)

    response = client_for(consultant).post(
        reverse("delivery:callback_record", args=[callback.pk]),
        {
            "reached": "yes",
            "satisfaction": "3",
            "remarks": "一切正常",
            "has_complaint": "on",
            "complaint": "交车时少了一把备用钥匙",
            "next": "/today/",
        },
    )

    assert response["Location"] == "/today/"
    assert Complaint.objects.get().description == "交车时少了一把备用钥匙"


def test_the_callback_page_wants_the_complaint_when_one_is_ticked(frozen_clock, delivered, client_for, consultant):
    callback = delivered().callbacks.get(step=1)

    response = client_for(consultant).post(
        reverse("delivery:callback_record", args=[callback.pk]),
        {"reached": "yes", "satisfaction": "2", "has_complaint": "on"},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["complaint"]
    assert Callback.objects.get(pk=callback.pk).status == "pending"


# --- What the lead's reports see ---------------------------------------------------------------------------------


def test_the_delivery_and_callbacks_do_not_count_as_orders_again_in_the_monthly_grade_status(
    frozen_clock, delivered, consultant
):
    delivery = delivered()
    record(delivery.callbacks.get(step=1))

    (row,) = monthly_grade_status(showroom=consultant.showroom, month=TODAY.replace(day=1))

    assert row.ordered == 1
    assert Contact.objects.filter(lead=delivery.contract.lead).count() == 4  # visit, order, delivery, callback
    assert TODAY + timedelta(days=3) == delivery.callbacks.get(step=1).due_date


def test_the_list_opens_on_due_and_coming_up_with_a_count_per_state(frozen_clock, delivered, client_for, consultant):
    delivery = delivered()
    Callback.objects.filter(delivery=delivery, step=1).update(due_date=TODAY)  # one due today

    response = client_for(consultant).get(reverse("delivery:callback_list"))

    assert {callback.pk for callback in response.context["object_list"]} == set(
        delivery.callbacks.values_list("pk", flat=True)
    ), "right after a delivery its four callbacks are listed, not '0 callbacks'"
    tabs = {tab["key"]: (tab["count"], tab["active"]) for tab in response.context["state_tabs"]}
    assert tabs == {"open": (4, True), "due": (1, False), "upcoming": (3, False), "done": (0, False)}
    html = response.content.decode()
    assert 'data-state="upcoming"' in html and "?state=upcoming" in html

    due_only = client_for(consultant).get(reverse("delivery:callback_list"), {"state": "due"})
    assert [callback.step for callback in due_only.context["object_list"]] == [1]
