"""The delivery day in the order things happen: what must be settled first (the car's VIN, an appointment that
has come) is asked for before the checklist; a customer who collects early has the appointment brought forward to
now, on the record. The clock is the suite's frozen one: 2026-11-21 15:30 in Shanghai."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from delivery import services
from delivery.models import REQUIRED_ITEMS, Contract, Delivery
from tests.conftest import CURRENT_TIME, TODAY
from tests.delivery.conftest import ALL_REQUIRED, VIN, at, later_today

IN_TWO_DAYS = TODAY + timedelta(days=2)


def day_url(delivery) -> str:
    return reverse("delivery:delivery_day", args=[delivery.pk])


def checklist_post(delivery, **extra) -> dict:
    return {
        **{name: "on" for name in REQUIRED_ITEMS},
        "customer_signed_name": "王先生",
        "complete": "1",
        "version": str(delivery.version),
        **extra,
    }


@pytest.fixture
def early(frozen_clock, signed, book):
    """A delivery booked for 11-23 10:00 (the contract has its VIN), opened on 11-21."""
    contract = signed(vin=VIN)
    return book(contract, starts_at=at(contract.showroom, IN_TWO_DAYS, "10:00"))


def test_completing_before_the_booked_day_is_refused_with_what_to_do(early, consultant):
    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        services.delivery_complete(
            delivery=early,
            by=consultant,
            items=ALL_REQUIRED,
            customer_signed_name="王先生",
            expected_version=early.version,
        )

    assert excinfo.value.message_dict == {
        "__all__": [
            "This delivery is booked for 2026-11-23 10:00. To hand the car over today, bring the appointment "
            "forward to now."
        ]
    }
    assert Delivery.objects.get(pk=early.pk).status == "booked"


def test_bringing_the_appointment_forward_records_when_it_was_booked_for_and_who_moved_it(early, consultant):
    moved = services.delivery_move_to_now(delivery=early, by=consultant, expected_version=early.version)

    stored = Delivery.objects.get(pk=early.pk)
    assert (stored.starts_at, stored.moved_from, stored.moved_by, stored.moved_at) == (
        CURRENT_TIME,
        at(early.showroom, IN_TWO_DAYS, "10:00"),
        consultant,
        CURRENT_TIME,
    )
    assert services.delivery_missing_prerequisites(delivery=stored) == {}
    done = services.delivery_complete(
        delivery=moved, by=consultant, items=ALL_REQUIRED, customer_signed_name="王先生", expected_version=moved.version
    )
    assert (done.status, done.delivered_on) == ("completed", TODAY)


def test_a_delivery_of_today_needs_no_move(frozen_clock, signed, book, consultant):
    contract = signed(vin=VIN)
    delivery = book(contract, starts_at=later_today(contract.showroom))

    assert services.delivery_missing_prerequisites(delivery=delivery) == {}


def test_the_day_page_asks_to_bring_the_appointment_forward_before_the_checklist(early, client_for, consultant):
    client = client_for(consultant)

    html = client.get(day_url(early)).content.decode()

    assert html.index('id="prerequisites"') < html.index('id="checklist"')
    assert "This delivery is booked for 2026-11-23 10:00." in html
    assert 'id="complete-delivery" disabled' in html

    moved = client.post(day_url(early), {"move_to_now": "1", "version": str(early.version)}, follow=True)

    assert "The appointment is brought forward to now." in moved.content.decode()
    assert 'id="prerequisites"' not in moved.content.decode()
    assert "Booked for 2026-11-23 10:00; brought forward to the handover by" in moved.content.decode()
    delivered = client.post(day_url(early), checklist_post(Delivery.objects.get(pk=early.pk)))
    assert delivered.status_code == 302
    assert Delivery.objects.get(pk=early.pk).status == "completed"


def test_the_day_page_asks_for_the_vin_before_the_checklist_and_saves_it_on_the_contract(
    frozen_clock, signed, book, client_for, consultant
):
    contract = signed()  # no VIN yet
    delivery = book(contract, starts_at=later_today(contract.showroom))
    client = client_for(consultant)

    html = client.get(day_url(delivery)).content.decode()
    assert html.index('id="vin-form"') < html.index('id="checklist"')
    assert 'id="complete-delivery" disabled' in html

    refused = client.post(day_url(delivery), {"set_vin": "1", "vin": "lsvau2180n212345", "version": "1"})
    assert refused.status_code == 200
    assert list(refused.context["vin_form"].errors) == ["vin"]
    assert refused.context["vin_form"]["vin"].value() == "lsvau2180n212345"
    assert Contract.objects.get(pk=contract.pk).vin == ""

    saved = client.post(day_url(delivery), {"set_vin": "1", "vin": VIN.lower(), "version": "1"}, follow=True)
    assert "VIN saved on the contract." in saved.content.decode()
    assert Contract.objects.get(pk=contract.pk).vin == VIN
    assert 'id="prerequisites"' not in saved.content.decode()


@pytest.mark.parametrize("action", ["checklist", "vin", "move"])
def test_a_delivery_day_post_without_its_version_writes_nothing(early, client_for, consultant, action):
    Contract.objects.filter(pk=early.contract_id).update(vin="")
    data = {
        "checklist": {**checklist_post(early), "complete": None, "save": "1"},
        "vin": {"set_vin": "1", "vin": VIN},
        "move": {"move_to_now": "1"},
    }[action]
    data.pop("version", None)

    response = client_for(consultant).post(
        day_url(early), {k: v for k, v in data.items() if v is not None}, follow=True
    )

    assert "Someone else saved this while you were editing it." in response.content.decode()
    stored = Delivery.objects.get(pk=early.pk)
    assert (stored.version, stored.fees_confirmed, stored.moved_from) == (1, False, None)
    assert Contract.objects.get(pk=early.contract_id).vin == ""
    if action != "move":  # the typed input is on the page again
        form = response.context["form" if action == "checklist" else "vin_form"]
        assert form["customer_signed_name" if action == "checklist" else "vin"].value() in ("王先生", VIN)


def test_bringing_forward_twice_moves_once(early, consultant):
    moved = services.delivery_move_to_now(delivery=early, by=consultant, expected_version=early.version)

    again = services.delivery_move_to_now(delivery=moved, by=consultant, expected_version=early.version)

    assert (again.version, again.moved_from) == (moved.version, at(early.showroom, IN_TWO_DAYS, "10:00"))
