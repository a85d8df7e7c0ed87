"""The one intake service: attach to the customer's open lead or open one by rotation, idempotent replays,
refusals listing every field, the manager when nobody is on duty, and nothing half-written."""

from datetime import datetime, time, timedelta, timezone

import pytest
from django.core.exceptions import ValidationError

from dcc.models import DutyShift, OnlineLead, RotationTurn, Via
from dcc.services import intake
from dcc.services.intake import car_model_matching, online_lead_receive
from leads.models import Channel, Lead, LeadEvent
from tests.conftest import CURRENT_TIME, TODAY
from tests.factories import CarModelFactory, DistrictFactory

PHONE = "13912345678"


def receive(source, **fields):
    values = {
        "via": Via.API,
        "platform_lead_id": "AH-1",
        "customer_name": "赵女士",
        "phone": "+86 139-1234-5678",
        "city": "朝阳区",
        "car_model_text": "",
        "message": "想周末试驾",
        "platform_received_at": CURRENT_TIME - timedelta(minutes=2),
    }
    values.update(fields)
    return online_lead_receive(source=source, **values)


@pytest.fixture
def on_duty(showroom, consultant):
    DutyShift.objects.create(
        showroom=showroom, consultant=consultant, day=TODAY, starts_at=time(9), ends_at=time(21), weight=1
    )
    return consultant


def test_a_new_phone_opens_an_online_lead_for_the_consultant_on_duty(frozen_clock, lead_source, manager, on_duty):
    district = DistrictFactory(showroom=lead_source.showroom, name="朝阳区")
    inquiry, created = receive(lead_source)
    lead = inquiry.lead
    assert created and not inquiry.attached
    assert (lead.owner, lead.channel, lead.grade, lead.phone) == (on_duty, Channel.ONLINE, "C", PHONE)
    assert lead.district == district
    assert lead.response_due_at == CURRENT_TIME + timedelta(minutes=15) == inquiry.response_due_at
    assert list(lead.events.values_list("kind", flat=True)) == ["created", "online_inquiry", "assigned"]
    assert RotationTurn.objects.get(kind=RotationTurn.Kind.ONLINE).lead == lead
    assert (inquiry.assigned_to, inquiry.received_at) == (on_duty, CURRENT_TIME)


def test_the_customers_open_lead_takes_the_inquiry_and_keeps_its_owner(
    frozen_clock, lead_source, manager, on_duty, other_consultant, make_lead
):
    lead = make_lead(consultant=other_consultant, phone=PHONE)
    inquiry, created = receive(lead_source)
    lead.refresh_from_db()
    assert created and inquiry.attached and inquiry.lead == lead
    assert lead.owner == other_consultant and inquiry.assigned_to == other_consultant
    assert lead.response_due_at == CURRENT_TIME + timedelta(minutes=15)  # the owner's Today lists it
    assert lead.events.filter(kind=LeadEvent.Kind.ONLINE_INQUIRY).count() == 1
    assert not lead.events.filter(kind=LeadEvent.Kind.ASSIGNED).exists()
    assert not RotationTurn.objects.exists()  # the rotation is not consumed by a customer who has an owner


def test_a_deadline_already_running_is_kept(frozen_clock, lead_source, manager, on_duty):
    first, _ = receive(lead_source)
    frozen_clock.shift(timedelta(minutes=5))
    second, created = receive(lead_source, platform_lead_id="AH-2")
    assert created and second.attached and second.response_due_at == first.response_due_at


def test_a_replayed_platform_id_changes_nothing(frozen_clock, lead_source, manager, on_duty):
    first, _ = receive(lead_source)
    counts = (Lead.objects.count(), LeadEvent.objects.count(), RotationTurn.objects.count())
    again, created = receive(lead_source, customer_name="别的名字", phone="13700000000")
    assert not created and again.pk == first.pk
    assert (Lead.objects.count(), LeadEvent.objects.count(), RotationTurn.objects.count()) == counts
    assert OnlineLead.objects.get().customer_name == "赵女士"


def test_every_field_problem_is_listed_at_once(frozen_clock, lead_source, manager):
    with pytest.raises(ValidationError) as refused:
        receive(lead_source, phone="12345", customer_name="", city="区" * 51)
    assert set(refused.value.message_dict) == {"customer_name", "phone", "city"}
    assert not OnlineLead.objects.exists() and not Lead.objects.exists()


def test_a_switched_off_source_is_refused(frozen_clock, lead_source, manager):
    lead_source.active = False
    lead_source.save()
    with pytest.raises(ValidationError) as refused:
        receive(lead_source)
    assert "source" in refused.value.message_dict


def test_nobody_on_duty_gives_the_lead_to_the_manager(frozen_clock, lead_source, manager, consultant):
    inquiry, _ = receive(lead_source)
    assert inquiry.lead.owner == manager
    assigned = inquiry.lead.events.get(kind=LeadEvent.Kind.ASSIGNED)
    assert assigned.details == {"to": manager.pk, "by_rotation": False}
    assert not RotationTurn.objects.exists()


def test_a_failure_half_way_leaves_nothing_behind(frozen_clock, lead_source, manager, on_duty, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(intake, "lead_event_record", broken)
    with pytest.raises(RuntimeError):
        receive(lead_source)
    assert not Lead.objects.exists() and not OnlineLead.objects.exists() and not RotationTurn.objects.exists()


def test_models_match_only_exactly(db):
    camry = CarModelFactory(brand="丰田", name="凯美瑞")
    CarModelFactory(brand="Toyota", name="RAV4")
    CarModelFactory(brand="Honda", name="RAV4")  # a name two brands share matches neither
    assert car_model_matching("凯美瑞") == camry
    assert car_model_matching("丰田  凯美瑞") == camry
    assert car_model_matching("凯美瑞2.0") is None
    assert car_model_matching("rav4") is None
    assert car_model_matching("toyota rav4").brand == "Toyota"


def test_the_model_text_is_kept_and_linked_when_exact(frozen_clock, lead_source, manager, on_duty):
    camry = CarModelFactory(brand="丰田", name="凯美瑞")
    inquiry, _ = receive(lead_source, car_model_text="丰田 凯美瑞")
    assert (inquiry.car_model, inquiry.car_model_text) == (camry, "丰田 凯美瑞")
    assert list(inquiry.lead.car_models.all()) == [camry]


def test_a_platform_time_needs_a_real_zone(frozen_clock, lead_source, manager):
    for moment in (datetime(2026, 11, 21, 15), datetime(2026, 11, 21, 15, tzinfo=timezone(timedelta(hours=20)))):
        with pytest.raises(ValidationError) as refused:
            receive(lead_source, platform_received_at=moment)
        assert set(refused.value.message_dict) == {"platform_received_at"}


def test_a_new_lead_costs_a_fixed_number_of_queries(
    frozen_clock, lead_source, manager, on_duty, other_consultant, django_assert_num_queries
):
    """Whatever the showroom's size: replay check, model and district look-ups, the open-lead lock, the deadline,
    the manager, the rotation (lock, shifts, turns, load, turn), the lead, its model, three events, the inquiry,
    and the savepoints around them; no query to re-check that the source and the clerk exist."""
    receive(lead_source, platform_lead_id="warm-up", phone="13700000001")  # the DCC settings row is made
    with django_assert_num_queries(24):
        receive(lead_source)
