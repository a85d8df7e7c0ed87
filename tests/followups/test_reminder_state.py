"""A reminder's state follows its lead: a contact completes it, closing the lead cancels it."""

import pytest

from followups.selectors import ReminderState, reminders_with_state
from followups.services import reminders_generate
from leads.services.tracker import lead_decide_lost, lead_request_lost
from tests.conftest import TODAY

pytestmark = pytest.mark.django_db


def states() -> dict[str, str]:
    return {reminder.lead.customer_name: reminder.state for reminder in reminders_with_state()}


def test_contact_completes_the_reminder_and_closing_cancels_it(
    frozen_clock, lead_due, record_contact, consultant, manager
):
    called = lead_due(consultant=consultant, due=TODAY, grade="A", name="赵先生")
    lead_due(consultant=consultant, due=TODAY, grade="B", name="钱女士")  # not called: stays open
    ordered = lead_due(consultant=consultant, due=TODAY, grade="H", name="孙先生")
    lost = lead_due(consultant=consultant, due=TODAY, grade="C", name="李女士")
    reminders_generate()
    assert set(states().values()) == {ReminderState.OPEN}

    record_contact(called, grade="A")
    record_contact(ordered, grade="O", kind="order")
    request = lead_request_lost(lead=lost, by=consultant, reason="unreachable")
    lead_decide_lost(request=request, by=manager, approve=True)

    assert states() == {
        "赵先生": ReminderState.DONE,
        "钱女士": ReminderState.OPEN,
        "孙先生": ReminderState.CANCELLED,
        "李女士": ReminderState.CANCELLED,
    }
