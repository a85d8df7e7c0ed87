"""Escalation of unanswered online leads: the manager told at the deadline, the second deadline acted on, each
step once, the clock counted in opening hours, and an answered lead left alone."""

from datetime import datetime, time, timedelta

import pytest
import time_machine

from dcc.models import DccSettings, DutyShift, Via
from dcc.services.escalation import online_leads_escalate
from dcc.services.intake import online_lead_receive
from leads.models import Lead, LeadEvent, LeadStatus
from leads.services.tracker import contact_record
from tests.conftest import CURRENT_TIME, SHANGHAI, TODAY


def receive(source, at):
    with time_machine.travel(at, tick=False):
        inquiry, _created = online_lead_receive(
            source=source,
            via=Via.API,
            platform_lead_id=f"AH-{at:%H%M}",
            customer_name="赵女士",
            phone="13912345678",
            city="",
            car_model_text="",
            message="",
            platform_received_at=None,
        )
    return inquiry


def shift(showroom, consultant, day=TODAY):
    DutyShift.objects.create(showroom=showroom, consultant=consultant, day=day, starts_at=time(9), ends_at=time(21))


def escalate(at):
    with time_machine.travel(at, tick=False):
        return online_leads_escalate()


def overdue_events(lead):
    return list(lead.events.filter(kind=LeadEvent.Kind.RESPONSE_OVERDUE).values_list("details__level", flat=True))


def test_the_manager_is_told_once_at_the_deadline(db, lead_source, manager, consultant):
    shift(lead_source.showroom, consultant)
    inquiry = receive(lead_source, CURRENT_TIME)

    assert escalate(CURRENT_TIME + timedelta(minutes=14)).told == 0
    assert escalate(CURRENT_TIME + timedelta(minutes=15)).told == 1
    assert escalate(CURRENT_TIME + timedelta(minutes=16)).told == 0

    inquiry.refresh_from_db()
    assert inquiry.escalation_level == 1
    assert inquiry.second_due_at == CURRENT_TIME + timedelta(minutes=30)
    assert overdue_events(inquiry.lead) == [1]


def test_the_deadline_counts_opening_hours_only(db, lead_source, manager, consultant):
    evening = datetime.combine(TODAY, time(20, 50), tzinfo=SHANGHAI)
    shift(lead_source.showroom, consultant)
    inquiry = receive(lead_source, evening)
    next_morning = datetime.combine(TODAY + timedelta(days=1), time(9), tzinfo=SHANGHAI)

    assert escalate(evening + timedelta(minutes=40)).told == 0
    assert escalate(next_morning + timedelta(minutes=4)).told == 0
    assert escalate(next_morning + timedelta(minutes=5)).told == 1
    inquiry.refresh_from_db()
    assert inquiry.second_due_at == next_morning + timedelta(minutes=20)


def test_an_answered_lead_is_not_escalated(db, lead_source, manager, consultant):
    shift(lead_source.showroom, consultant)
    inquiry = receive(lead_source, CURRENT_TIME)
    lead = inquiry.lead
    with time_machine.travel(CURRENT_TIME + timedelta(minutes=5), tick=False):
        contact_record(
            lead=lead,
            by=consultant,
            kind="phone_call",
            occurred_at=CURRENT_TIME + timedelta(minutes=5),
            summary="约周末试驾",
            grade_after="H",
            expected_version=lead.version,
        )

    assert escalate(CURRENT_TIME + timedelta(hours=2)).told == 0
    assert overdue_events(lead) == []


def test_the_second_deadline_offers_the_manager_a_reassignment(db, lead_source, manager, consultant):
    shift(lead_source.showroom, consultant)
    inquiry = receive(lead_source, CURRENT_TIME)
    escalate(CURRENT_TIME + timedelta(minutes=15))

    assert escalate(CURRENT_TIME + timedelta(minutes=29)).offered == 0
    assert escalate(CURRENT_TIME + timedelta(minutes=30)).offered == 1
    assert escalate(CURRENT_TIME + timedelta(minutes=31)).offered == 0

    inquiry.refresh_from_db()
    assert (inquiry.escalation_level, inquiry.lead.owner) == (2, consultant)
    assert overdue_events(inquiry.lead) == [1, 2]


def test_the_second_deadline_can_reassign_to_the_next_on_duty(db, lead_source, manager, consultant, other_consultant):
    DccSettings.objects.update_or_create(
        showroom=lead_source.showroom, defaults={"second_deadline": DccSettings.SecondDeadline.REASSIGN}
    )
    shift(lead_source.showroom, consultant)
    inquiry = receive(lead_source, CURRENT_TIME)
    shift(lead_source.showroom, other_consultant)  # joins after the lead went to the first one
    escalate(CURRENT_TIME + timedelta(minutes=15))

    second = CURRENT_TIME + timedelta(minutes=30)
    assert escalate(second).reassigned == 1
    assert escalate(second).reassigned == 0

    inquiry.refresh_from_db()
    inquiry.lead.refresh_from_db()
    assert inquiry.lead.owner == inquiry.assigned_to == other_consultant
    assert inquiry.lead.response_due_at == inquiry.response_due_at == second + timedelta(minutes=15)
    assert inquiry.escalation_level == 2
    assert inquiry.lead.events.filter(kind=LeadEvent.Kind.REASSIGNED).count() == 1


@pytest.mark.parametrize("level", [0, 1])
def test_a_closed_lead_is_not_escalated(db, lead_source, manager, consultant, level):
    shift(lead_source.showroom, consultant)
    inquiry = receive(lead_source, CURRENT_TIME)
    if level:
        escalate(CURRENT_TIME + timedelta(minutes=15))
    Lead.objects.filter(pk=inquiry.lead_id).update(status=LeadStatus.LOST, grade="F")
    run = escalate(CURRENT_TIME + timedelta(hours=3))
    assert (run.told, run.offered, run.reassigned) == (0, 0, 0)
