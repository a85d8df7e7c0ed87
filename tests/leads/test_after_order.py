"""What leads offer the steps after the order, without knowing about contracts: a delivery or a callback contact
on an ordered lead (the grade stays O), and reopening an ordered lead whose order fell through."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from leads.grade_status import monthly_grade_status
from leads.models import Contact, LeadEvent, LeadStatus
from leads.services.tracker import contact_record, contact_record_after_order, lead_reopen_after_cancellation
from tests.conftest import CURRENT_TIME, TODAY


def order(lead, by):
    return contact_record(
        lead=lead, by=by, kind="order", occurred_at=CURRENT_TIME, grade_after="O", expected_version=lead.version
    )


@pytest.mark.parametrize("kind", ["delivery", "callback"])
def test_an_ordered_lead_takes_delivery_and_callback_contacts_without_a_grade_change(
    frozen_clock, make_lead, consultant, kind
):
    lead = make_lead(consultant=consultant, grade="H")
    order(lead, consultant)

    contact = contact_record_after_order(
        lead=lead, by=consultant, kind=kind, occurred_at=CURRENT_TIME, summary="一切顺利"
    )

    lead.refresh_from_db()
    assert (lead.status, lead.grade, lead.next_follow_up, lead.last_contact_at) == ("ordered", "O", None, CURRENT_TIME)
    assert (contact.kind, contact.grade_before, contact.grade_after, contact.contact_date) == (kind, "O", "O", TODAY)
    assert lead.events.last().contact == contact


def test_only_an_ordered_lead_and_only_deliveries_and_callbacks(frozen_clock, make_lead, consultant):
    lead = make_lead(consultant=consultant, grade="A")
    with pytest.raises(ValidationError):
        contact_record_after_order(lead=lead, by=consultant, kind="delivery", occurred_at=CURRENT_TIME)
    order(lead, consultant)
    with pytest.raises(ValidationError) as excinfo:
        contact_record_after_order(lead=lead, by=consultant, kind="phone_call", occurred_at=CURRENT_TIME)
    assert list(excinfo.value.message_dict) == ["kind"]
    with pytest.raises(ValidationError):
        contact_record_after_order(
            lead=lead, by=consultant, kind="callback", occurred_at=CURRENT_TIME + timedelta(hours=1)
        )
    assert Contact.objects.filter(lead=lead).count() == 2  # the visit and the order


def test_a_cancelled_order_puts_the_lead_back_at_its_grade_before_due_today(frozen_clock, make_lead, consultant):
    lead = make_lead(consultant=consultant, grade="B")
    order(lead, consultant)

    lead_reopen_after_cancellation(lead=lead, by=consultant, note="贷款没批")

    lead.refresh_from_db()
    assert (lead.status, lead.grade, lead.next_follow_up) == (LeadStatus.OPEN, "B", TODAY)
    event = lead.events.last()
    assert (event.kind, event.note, event.status, event.grade) == (
        LeadEvent.Kind.ORDER_CANCELLED,
        "贷款没批",
        "open",
        "B",
    )


def test_an_order_on_the_spot_reopens_as_h(frozen_clock, make_lead, consultant):
    lead = make_lead(consultant=consultant, grade="O")

    lead_reopen_after_cancellation(lead=lead, by=consultant)

    lead.refresh_from_db()
    assert (lead.status, lead.grade) == ("open", "H")


def test_reopening_is_for_ordered_leads_of_ones_showroom_without_another_open_lead(
    frozen_clock, make_lead, make_visit, consultant, other_manager
):
    lead = make_lead(consultant=consultant, grade="A")
    with pytest.raises(ValidationError):
        lead_reopen_after_cancellation(lead=lead, by=consultant)  # still open
    order(lead, consultant)
    with pytest.raises(PermissionDenied):
        lead_reopen_after_cancellation(lead=lead, by=other_manager)
    make_visit(consultant=consultant, phone=lead.phone, grade="C", start="14:00")  # a new open lead, same phone

    with pytest.raises(ValidationError):
        lead_reopen_after_cancellation(lead=lead, by=consultant)
    lead.refresh_from_db()
    assert lead.status == "ordered"


def test_a_cancelled_order_is_not_a_new_customer_in_the_monthly_grade_status(frozen_clock, make_lead, consultant):
    lead = make_lead(consultant=consultant, grade="A")
    order(lead, consultant)
    lead_reopen_after_cancellation(lead=lead, by=consultant)

    (row,) = monthly_grade_status(showroom=consultant.showroom, month=TODAY.replace(day=1))

    assert (row.new, row.ordered) == (1, 1)
