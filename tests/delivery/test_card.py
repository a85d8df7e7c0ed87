"""The customer information card: opened by the signing, prefilled from the lead, its register entries and the
contract, numbered per showroom, edited by the consultant or the manager with its history and the version lock."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from delivery import services
from delivery.models import CustomerCard
from leads.services.tracker import lead_update_details
from tests.conftest import TODAY
from tests.delivery.conftest import next_phone
from tests.factories import DistrictFactory, UserFactory, source


def test_the_card_is_prefilled_from_the_lead_its_first_visit_and_the_contract(
    frozen_clock, make_visit, sign, consultant, district, car_model
):
    phone = next_phone()
    # The first visit (by phone, from the web) gave the district and address; a later one came in person.
    make_visit(
        consultant=consultant,
        kind="call",
        phone=phone,
        grade="A",
        customer_name="王建国",
        gender="m",
        district=district,
        address="朝阳区建国路88号",
        source=source("web"),
        day=TODAY - timedelta(days=3),
    )
    make_visit(consultant=consultant, phone=phone, grade="H", source=source("friends"), start="11:00")
    lead = consultant.leads.get()
    lead_update_details(
        lead=lead, by=consultant, expected_version=lead.version, budget="20万", expected_purchase_date=TODAY
    )
    lead.refresh_from_db()

    contract = sign(lead, payment_method="loan", trade_in=True, trade_in_vehicle="大众 朗逸 2015")

    card = CustomerCard.objects.get(lead=lead)
    assert (card.number, card.contract, card.opened_on, card.showroom) == (1, contract, TODAY, consultant.showroom)
    assert (card.customer_name, card.gender, card.mobile) == ("王建国", "m", phone)
    assert (card.district, card.address, card.information_source) == (district, "朝阳区建国路88号", source("web"))
    assert (card.source_structure, card.first_source) == ("showroom", "call")  # the lead came from a call
    assert (card.budget, card.expected_purchase_date) == ("20万", TODAY)
    assert (card.payment_method, card.trade_in, card.current_vehicle) == ("loan", True, "大众 朗逸 2015")
    assert (card.model_bought, card.customer_type, card.initial_grade) == (car_model, "individual", "A")
    opened = card.revisions.get()
    assert (opened.action, opened.by, opened.changes["customer_name"]) == (
        "opened",
        consultant,
        [None, "王建国"],
    )


def test_cards_are_numbered_on_per_showroom(frozen_clock, signed, consultant, other_manager):
    numbers = [signed().lead.customer_card.number for _ in range(3)]
    elsewhere = signed(consultant=UserFactory(showroom=other_manager.showroom))

    assert numbers == [1, 2, 3]
    assert elsewhere.lead.customer_card.number == 1


def test_a_card_change_keeps_who_changed_what_from_what_to_what(frozen_clock, signed, consultant, manager):
    card = signed().lead.customer_card

    services.card_update(
        card=card,
        by=manager,
        expected_version=card.version,
        title="工程师",
        birthday=date(1985, 5, 20),
        priorities=["quality", "price"],
        vehicle_use="family",
    )

    card.refresh_from_db()
    assert (card.title, card.birthday, card.priorities, card.version) == (
        "工程师",
        date(1985, 5, 20),
        ["price", "quality"],  # the card's own order
        2,
    )
    change = card.revisions.last()
    assert (change.action, change.by) == ("updated", manager)
    assert change.changes == {
        "title": ["", "工程师"],
        "birthday": [None, "1985-05-20"],
        "priorities": [[], ["price", "quality"]],
        "vehicle_use": ["", "family"],
    }


def test_a_save_on_a_stale_version_is_refused_and_writes_nothing(frozen_clock, signed, consultant, manager):
    card = signed().lead.customer_card
    services.card_update(card=card, by=manager, expected_version=1, title="经理")
    stale = CustomerCard.objects.get(pk=card.pk)

    with pytest.raises(services.StaleError):
        services.card_update(card=stale, by=consultant, expected_version=1, title="工程师")

    card.refresh_from_db()
    assert (card.title, card.version, card.revisions.count()) == ("经理", 2, 2)


def test_card_rules(frozen_clock, signed, consultant, other_manager):
    card = signed().lead.customer_card
    foreign = DistrictFactory(showroom=other_manager.showroom)

    with pytest.raises(ValidationError) as excinfo:
        services.card_update(
            card=card,
            by=consultant,
            expected_version=1,
            customer_name="",
            mobile="123",
            district=foreign,
            birthday=TODAY + timedelta(days=1),
            priorities=["price", "colour of the sky"],
            email="not-an-address",
        )

    assert sorted(excinfo.value.message_dict) == [
        "birthday",
        "customer_name",
        "district",
        "email",
        "mobile",
        "priorities",
    ]
    assert CustomerCard.objects.get(pk=card.pk).version == 1


def card_form_data(card, **changes) -> dict:
    data = {
        "customer_name": card.customer_name,
        "gender": card.gender,
        "mobile": card.mobile,
        "payment_method": card.payment_method,
        "customer_type": card.customer_type,
        "source_structure": card.source_structure,
        "first_source": card.first_source,
        "model_bought": card.model_bought_id,
        "initial_grade": card.initial_grade,
        "version": card.version,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_edit_page_saves_and_the_card_page_shows_the_history(frozen_clock, signed, client_for, consultant):
    card = signed().lead.customer_card
    client = client_for(consultant)

    response = client.post(
        reverse("delivery:card_update", args=[card.pk]),
        card_form_data(card, title="教师", priorities=["looks", "brand"], industry="教育"),
    )

    assert response.status_code == 302
    html = client.get(reverse("delivery:card_detail", args=[card.pk])).content.decode()
    assert "教师" in html and "Brand, Looks" in html
    assert 'Title: <del class="text-muted">–</del> → 教师' in html


def test_the_edit_page_refuses_a_concurrent_edit_and_keeps_the_input(
    frozen_clock, signed, client_for, consultant, manager
):
    card = signed().lead.customer_card
    client = client_for(consultant)
    opened = client.get(reverse("delivery:card_update", args=[card.pk]))
    assert opened.context["form"].initial["version"] == 1
    services.card_update(card=card, by=manager, expected_version=1, title="经理改的")

    response = client.post(
        reverse("delivery:card_update", args=[card.pk]), card_form_data(card, title="我改的", version=1)
    )

    assert response.status_code == 200
    assert "Someone else saved this while you were editing it." in response.content.decode()
    assert response.context["form"]["title"].value() == "我改的"
    assert response.context["form"].data["version"] == "2"  # saving again now overwrites knowingly
    assert CustomerCard.objects.get(pk=card.pk).title == "经理改的"
    assert card.revisions.count() == 2


def test_the_printable_card_is_a_chinese_a4_form_whatever_the_screen_language(
    frozen_clock, signed, client_for, consultant
):
    card = signed().lead.customer_card

    html = client_for(consultant).get(reverse("delivery:card_print", args=[card.pk])).content.decode()

    assert '<html lang="zh-hans">' in html
    assert "print_forms.css" in html and 'id="card-sheet"' in html
    assert f"{card.number:06d}" in html and card.customer_name in html
    assert "客户信息卡" in html  # the paper card's title, from the catalogue


def test_a_card_edit_posted_without_its_version_writes_nothing(frozen_clock, signed, client_for, consultant):
    card = signed().lead.customer_card
    data = card_form_data(card, title="工程师")
    del data["version"]

    response = client_for(consultant).post(reverse("delivery:card_update", args=[card.pk]), data)

    assert response.status_code == 200
    assert "Someone else saved this while you were editing it." in response.content.decode()
    assert response.context["form"]["title"].value() == "工程师"
    assert CustomerCard.objects.values_list("title", "version").get(pk=card.pk) == (card.title, card.version)


def test_the_card_form_shows_its_own_errors_and_the_cards_rules_together(frozen_clock, signed, client_for, consultant):
    card = signed().lead.customer_card
    data = card_form_data(card, email="not-an-address", mobile="123", birthday=(TODAY + timedelta(days=1)).isoformat())

    response = client_for(consultant).post(reverse("delivery:card_update", args=[card.pk]), data)

    errors = response.context["form"].errors
    assert sorted(errors) == ["birthday", "email", "mobile"]
    assert errors["birthday"] == ["A birthday cannot be in the future."]
    assert response.context["form"]["mobile"].value() == "123"
    assert CustomerCard.objects.get(pk=card.pk).version == card.version
