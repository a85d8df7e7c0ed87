"""Contracts: signed from an open lead (which the signing orders) or an ordered one, numbered uniquely per
showroom, deposit within the price; cancelling one puts the lead back in the tracker with its history."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from delivery import services
from delivery.models import Contract, CustomerCard, Delivery
from leads.models import Contact, LeadEvent, LeadStatus
from leads.services.tracker import contact_record, lead_decide_lost, lead_request_lost
from tests.conftest import CURRENT_TIME, TODAY
from tests.delivery.conftest import contract_fields, next_slot
from tests.factories import CarModelFactory, ShowroomFactory, UserFactory


def errors_of(excinfo) -> list[str]:
    return sorted(excinfo.value.message_dict)


@pytest.fixture
def other_car_model(db):
    return CarModelFactory(brand="丰田", name="汉兰达")


# --- Signing ------------------------------------------------------------------------------------------------------


def test_signing_an_open_lead_orders_it_through_an_order_contact(frozen_clock, new_lead, sign, consultant):
    lead = new_lead(consultant=consultant, grade="H")

    contract = sign(lead, number="HT-001")

    lead.refresh_from_db()
    assert (lead.status, lead.grade, lead.next_follow_up) == (LeadStatus.ORDERED, "O", None)
    order = Contact.objects.get(lead=lead, kind="order")
    assert (order.grade_before, order.grade_after, order.consultant, order.occurred_at) == (
        "H",
        "O",
        consultant,
        CURRENT_TIME,
    )
    assert order.summary.startswith("HT-001")
    assert (contract.status, contract.consultant, contract.showroom, contract.created_by) == (
        "signed",
        consultant,
        consultant.showroom,
        consultant,
    )
    assert [event.kind for event in lead.events.all()][-1] == "contact"


def test_signing_an_ordered_lead_adds_no_second_order(frozen_clock, new_lead, sign, consultant):
    lead = new_lead(consultant=consultant, grade="O")  # a deal on the spot at the register
    assert lead.status == LeadStatus.ORDERED

    sign(lead)

    assert Contact.objects.filter(lead=lead, kind="order").count() == 1
    assert Contract.objects.filter(lead=lead).count() == 1


def test_a_lost_lead_cannot_sign(frozen_clock, new_lead, sign, consultant, manager):
    lead = new_lead(consultant=consultant, grade="C")
    request = lead_request_lost(lead=lead, by=consultant, reason="price")
    lead_decide_lost(request=request, by=manager, approve=True)
    lead.refresh_from_db()

    with pytest.raises(ValidationError):
        sign(lead)
    assert not Contract.objects.exists()


def test_a_customer_has_one_live_contract(frozen_clock, signed, sign):
    contract = signed()

    with pytest.raises(ValidationError):
        sign(contract.lead)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.create(
            showroom=contract.showroom,
            lead=contract.lead,
            consultant=contract.consultant,
            created_by=contract.consultant,
            **contract_fields(contract.car_model),
        )


def test_only_the_leads_consultant_or_a_manager_signs(
    frozen_clock, new_lead, sign, consultant, other_consultant, manager, other_manager
):
    lead = new_lead(consultant=consultant)
    for outsider in (other_consultant, other_manager):
        with pytest.raises(PermissionDenied):
            sign(lead, by=outsider)

    contract = sign(lead, by=manager)

    assert (contract.consultant, contract.created_by) == (consultant, manager)


def test_contract_numbers_are_unique_per_showroom(frozen_clock, new_lead, sign, signed, consultant, car_model):
    signed(number="HT-7")

    with pytest.raises(ValidationError) as excinfo:
        sign(new_lead(consultant=consultant), number="HT-7")
    assert errors_of(excinfo) == ["number"]

    elsewhere = UserFactory(showroom=ShowroomFactory(code="gz01"))
    other = new_lead(consultant=elsewhere)
    assert sign(other, number="HT-7").number == "HT-7"  # another showroom's own numbering


def test_the_database_refuses_a_duplicate_contract_number(frozen_clock, signed):
    first, second = signed(number="HT-1"), signed(number="HT-2")

    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=second.pk).update(number=first.number)


@pytest.mark.parametrize(
    ("price", "deposit", "errors"),
    [
        ("200000", "200000.01", ["deposit"]),
        ("200000", "-1", ["deposit"]),
        ("0", "0", ["price"]),
    ],
)
def test_deposit_is_at_most_the_price(frozen_clock, new_lead, sign, consultant, price, deposit, errors):
    with pytest.raises(ValidationError) as excinfo:
        sign(new_lead(consultant=consultant), price=Decimal(price), deposit=Decimal(deposit))

    assert errors_of(excinfo) == errors
    assert not Contract.objects.exists()


def test_deposit_equal_to_the_price_is_fine(frozen_clock, signed):
    contract = signed(price=Decimal("150000"), deposit=Decimal("150000"))

    assert contract.deposit == contract.price


def test_the_database_refuses_a_deposit_above_the_price(frozen_clock, signed):
    contract = signed()

    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(deposit=contract.price + 1)


def test_signing_dates_make_sense(frozen_clock, new_lead, sign, consultant):
    lead = new_lead(consultant=consultant)

    with pytest.raises(ValidationError) as excinfo:
        sign(lead, signed_on=TODAY + timedelta(days=1), planned_delivery_date=TODAY)
    assert errors_of(excinfo) == ["planned_delivery_date", "signed_on"]
    lead.refresh_from_db()
    assert lead.status == LeadStatus.OPEN  # nothing recorded


def test_sign_page_records_the_order_and_opens_the_card(frozen_clock, new_lead, client_for, consultant, car_model):
    lead = new_lead(consultant=consultant)
    data = {
        "number": "HT-2026-88",
        "signed_on": TODAY.isoformat(),
        "car_model": car_model.pk,
        "trim": "2.0L",
        "colour": "黑",
        "vin": "lsvau 2180n2123456",
        "price": "189900",
        "deposit": "5000",
        "payment_method": "own_funds",
        "planned_delivery_date": (TODAY + timedelta(days=10)).isoformat(),
    }

    response = client_for(consultant).post(reverse("delivery:contract_create", args=[lead.pk]), data)

    contract = Contract.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("delivery:contract_detail", args=[contract.pk])
    assert (contract.number, contract.vin, contract.price) == ("HT-2026-88", "LSVAU2180N2123456", Decimal("189900"))
    assert CustomerCard.objects.get().contract == contract


def test_sign_page_shows_the_deposit_error_next_to_the_field(frozen_clock, new_lead, client_for, consultant, car_model):
    lead = new_lead(consultant=consultant)
    data = {
        "number": "HT-9",
        "signed_on": TODAY.isoformat(),
        "car_model": car_model.pk,
        "price": "100000",
        "deposit": "120000",
        "payment_method": "loan",
        "planned_delivery_date": TODAY.isoformat(),
    }

    response = client_for(consultant).post(reverse("delivery:contract_create", args=[lead.pk]), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {"deposit": ["The deposit cannot be more than the price."]}
    lead.refresh_from_db()
    assert lead.status == LeadStatus.OPEN


def test_the_sign_page_shows_every_problem_at_once_and_keeps_the_input(
    frozen_clock, new_lead, client_for, consultant, car_model
):
    lead = new_lead(consultant=consultant)
    data = {
        "number": "",  # required
        "signed_on": TODAY.isoformat(),
        "car_model": car_model.pk,
        "price": "-5",
        "deposit": "120000",
        "payment_method": "",  # required
        "planned_delivery_date": (TODAY - timedelta(days=1)).isoformat(),
        "remarks": "客户周末来提车",
    }

    response = client_for(consultant).post(reverse("delivery:contract_create", args=[lead.pk]), data)

    form = response.context["form"]
    assert form.errors == {
        "number": ["This field is required."],
        "payment_method": ["This field is required."],
        "price": ["The price must be more than zero."],
        "deposit": ["The deposit cannot be more than the price."],
        "planned_delivery_date": ["The delivery cannot be planned before the signing."],
    }
    assert (form["price"].value(), form["remarks"].value()) == ("-5", "客户周末来提车")
    assert not Contract.objects.exists()


def test_a_contract_edit_posted_without_its_version_writes_nothing(
    frozen_clock, signed, client_for, consultant, car_model
):
    contract = signed()
    data = {
        key: (value.pk if hasattr(value, "pk") else value)
        for key, value in contract_fields(car_model, number=contract.number, colour="蓝").items()
    }

    response = client_for(consultant).post(reverse("delivery:contract_update", args=[contract.pk]), data)

    assert response.status_code == 200
    assert "Someone else saved this while you were editing it." in response.content.decode()
    assert response.context["form"]["colour"].value() == "蓝"
    assert Contract.objects.values_list("colour", "version").get(pk=contract.pk) == ("珍珠白", 1)


def test_the_lead_page_offers_signing_and_a_lead_with_a_contract_goes_to_it(
    frozen_clock, new_lead, sign, client_for, consultant
):
    lead = new_lead(consultant=consultant)
    client = client_for(consultant)
    url = reverse("delivery:contract_create", args=[lead.pk])

    assert url in client.get(reverse("leads:lead_detail", args=[lead.pk])).content.decode()
    contract = sign(lead)
    assert client.get(url)["Location"] == reverse("delivery:contract_detail", args=[contract.pk])


# --- Cancelling -----------------------------------------------------------------------------------------------


def test_cancelling_puts_the_lead_back_in_the_tracker_with_its_grade_and_history(
    frozen_clock, new_lead, sign, consultant, manager
):
    lead = new_lead(consultant=consultant, grade="A")
    contract = sign(lead)
    frozen_clock.shift(timedelta(hours=1))

    services.contract_cancel(contract=contract, by=manager, reason="客户贷款未批")

    contract.refresh_from_db()
    lead.refresh_from_db()
    assert (contract.status, contract.cancelled_by, contract.cancel_reason) == ("cancelled", manager, "客户贷款未批")
    # Back to the grade it had before the order, due today: the consultant calls to find out what next.
    assert (lead.status, lead.grade, lead.next_follow_up) == (LeadStatus.OPEN, "A", TODAY)
    event = lead.events.last()
    assert (event.kind, event.by, event.note, event.grade, event.status) == (
        LeadEvent.Kind.ORDER_CANCELLED,
        manager,
        "客户贷款未批",
        "A",
        "open",
    )
    # In the tracker again: a contact may be recorded.
    contact_record(
        lead=lead,
        by=consultant,
        kind="phone_call",
        occurred_at=CURRENT_TIME,
        grade_after="B",
        expected_version=lead.version,
    )


def test_cancelling_frees_the_booked_slot(frozen_clock, signed, book, manager):
    contract = signed()
    slot = next_slot(contract.showroom)
    delivery = book(contract, starts_at=slot)

    services.contract_cancel(contract=contract, by=manager, reason="退订")

    assert Delivery.objects.get(pk=delivery.pk).status == "cancelled"
    assert book(signed(), starts_at=slot).starts_at == slot


def test_a_cancelled_customer_signing_again_keeps_their_card(frozen_clock, signed, sign, manager, other_car_model):
    first = signed()
    card = CustomerCard.objects.get(lead=first.lead)
    services.contract_cancel(contract=first, by=manager, reason="换车型")
    lead = first.lead
    lead.refresh_from_db()

    second = sign(lead, car_model=other_car_model)

    card.refresh_from_db()
    assert (CustomerCard.objects.count(), card.contract, card.model_bought) == (1, second, other_car_model)
    assert card.revisions.last().changes["model_bought"] == [
        {"pk": first.car_model.pk, "label": str(first.car_model)},
        {"pk": other_car_model.pk, "label": str(other_car_model)},
    ]


def test_only_a_manager_cancels_and_only_with_a_reason(frozen_clock, signed, consultant, manager, other_manager):
    contract = signed()

    for user in (consultant, other_manager):
        with pytest.raises(PermissionDenied):
            services.contract_cancel(contract=contract, by=user, reason="x")
    with pytest.raises(ValidationError) as excinfo:
        services.contract_cancel(contract=contract, by=manager, reason="  ")
    assert errors_of(excinfo) == ["reason"]
    assert Contract.objects.get(pk=contract.pk).status == "signed"


def test_a_delivered_contract_cannot_be_cancelled(frozen_clock, delivered, manager):
    delivery = delivered()

    with pytest.raises(ValidationError):
        services.contract_cancel(contract=delivery.contract, by=manager, reason="x")


def test_the_database_refuses_a_cancelled_contract_without_a_reason(frozen_clock, signed):
    contract = signed()

    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(status="cancelled", cancelled_at=CURRENT_TIME)


def test_cancel_page_sends_the_manager_to_the_reopened_lead(frozen_clock, signed, client_for, manager):
    contract = signed()

    response = client_for(manager).post(reverse("delivery:contract_cancel", args=[contract.pk]), {"reason": "退订"})

    assert response["Location"] == reverse("leads:lead_detail", args=[contract.lead_id])
    timeline = client_for(manager).get(response["Location"]).content.decode()
    assert "Order cancelled" in timeline and "退订" in timeline


def test_editing_a_contract_on_a_stale_version_is_refused(frozen_clock, signed, client_for, consultant, car_model):
    contract = signed()
    services.contract_update(contract=contract, by=consultant, expected_version=contract.version, colour="红")

    response = client_for(consultant).post(
        reverse("delivery:contract_update", args=[contract.pk]),
        {
            **{
                key: (value.pk if hasattr(value, "pk") else value)
                for key, value in contract_fields(car_model, number=contract.number).items()
            },
            "colour": "蓝",
            "version": 1,
        },
    )

    assert response.status_code == 200
    assert "Someone else saved this while you were editing it." in response.content.decode()
    assert Contract.objects.get(pk=contract.pk).colour == "红"
