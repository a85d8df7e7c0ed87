"""Every change after the order keeps one history line with its diff, and each record's page shows it newest
first: contracts, cards, deliveries, callbacks, complaints; phones masked for a viewer who may not see them."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from dealer_crm.core.models import Role
from delivery import services
from delivery.models import Callback, Contract, CustomerCard, Delivery
from tests.conftest import TODAY
from tests.delivery.conftest import NO_ITEMS
from tests.factories import DealerGroupFactory, UserFactory


def history_of_page(client, url: str, list_id: str) -> str:
    """The page's history list (its <ul id=…>), so an assertion cannot be met by the rest of the page."""
    page = client.get(url)
    assert page.status_code == 200
    found = re.search(rf'<ul [^>]*id="{list_id}">.*?\n</ul>', page.content.decode(), re.S)
    assert found, f"no #{list_id} on {url}"
    return found.group(0)


def actions_in(history: str) -> list[str]:
    return re.findall(r'data-action="(\w+)"', history)


@pytest.fixture
def group_viewer(showroom):
    """The dealer group's read-only role, looking at the showroom: it may not see phone numbers."""
    group = DealerGroupFactory(code="hx", name="华信集团")
    showroom.dealer_group = group
    showroom.save(update_fields=["dealer_group"])
    return UserFactory(username="gm", showroom=None, dealer_group=group, role=Role.GROUP)


@pytest.fixture
def group_client(client_for, group_viewer, showroom):
    client = client_for(group_viewer)
    assert client.post(reverse("view_showroom"), {"showroom": showroom.pk, "next": "/"}).status_code == 302
    return client


def test_contract_update_keeps_one_revision_with_old_and_new_price_deposit_and_vin(frozen_clock, signed, consultant):
    contract = signed()
    services.contract_update(
        contract=contract, by=consultant, expected_version=contract.version, price=Decimal("150000.00"), vin=""
    )
    contract = Contract.objects.get(pk=contract.pk)
    old_price = str(contract.price)
    services.contract_update(
        contract=contract,
        by=consultant,
        expected_version=contract.version,
        price=Decimal("148000"),
        deposit=Decimal("5000"),
    )

    assert [revision.action for revision in contract.revisions.all()] == ["created", "updated", "updated"]
    changes = contract.revisions.last().changes
    assert changes["price"] == [old_price, "148000"]
    assert set(changes) == {"price", "deposit"}


def test_an_update_that_changes_nothing_keeps_no_revision(frozen_clock, signed, consultant):
    contract = signed()
    services.contract_update(
        contract=contract, by=consultant, expected_version=contract.version, colour=contract.colour
    )

    assert contract.revisions.count() == 1  # its signing


def test_cancelling_a_contract_keeps_the_status_change_and_the_reason(frozen_clock, signed, manager):
    contract = services.contract_cancel(contract=signed(), by=manager, reason="客户资金问题")

    revision = contract.revisions.last()
    assert (revision.action, revision.changes, revision.reason) == (
        "cancelled",
        {"status": ["signed", "cancelled"]},
        "客户资金问题",
    )


def test_the_contract_page_shows_its_history(frozen_clock, signed, consultant, client_for):
    contract = signed()
    services.contract_update(contract=contract, by=consultant, expected_version=contract.version, colour="珍珠白")

    page = client_for(consultant).get(reverse("delivery:contract_detail", args=[contract.pk])).content.decode()

    assert 'id="contract-history"' in page and "珍珠白" in page


def test_delivery_callback_and_complaint_each_keep_one_revision_per_change(
    frozen_clock, delivered, consultant, manager
):
    delivery = delivered()
    callback = Callback.objects.filter(delivery=delivery).order_by("step").first()
    services.callback_record(callback=callback, by=consultant, reached=True, satisfaction=2, complaint="等太久")

    assert delivery.revisions.last().action == "completed"
    assert delivery.revisions.last().changes["status"] == ["booked", "completed"]
    done = callback.revisions.get()
    assert done.changes["status"] == ["pending", "done"] and done.changes["satisfaction"] == [None, 2]
    complaint = delivery.complaints.get()
    assert [revision.action for revision in complaint.revisions.all()] == ["created"]
    services.complaint_close(complaint=complaint, by=manager, closing_note="已道歉")
    assert complaint.revisions.last().changes == {
        "status": ["open", "closed"],
        "closing_note": ["", "已道歉"],
    }


def test_cancelling_a_contract_keeps_its_booked_delivery_s_cancellation_and_the_reason(
    frozen_clock, signed, book, manager
):
    delivery = book(signed())

    services.contract_cancel(contract=delivery.contract, by=manager, reason="客户资金问题")

    delivery = Delivery.objects.get(pk=delivery.pk)
    assert (delivery.status, delivery.version) == ("cancelled", 2)
    revision = delivery.revisions.last()
    assert (revision.action, revision.by, revision.changes, revision.reason) == (
        "cancelled",
        manager,
        {"status": ["booked", "cancelled"]},
        "客户资金问题",
    )


def test_the_delivery_day_page_shows_its_history_newest_first(frozen_clock, signed, book, client_for, consultant):
    delivery = book(signed(), notes="客户要求上午")
    services.delivery_save_checklist(
        delivery=delivery,
        by=consultant,
        items={**NO_ITEMS, "fees_confirmed": True},
        expected_version=delivery.version,
        customer_signed_name="王先生",
    )

    history = history_of_page(
        client_for(consultant), reverse("delivery:delivery_day", args=[delivery.pk]), "delivery-history"
    )

    assert actions_in(history) == ["updated", "created"]
    assert 'Customer&#x27;s name as signed: <del class="text-muted">–</del> → 王先生' in history
    assert 'Fees confirmed: <del class="text-muted">No</del> → Yes' in history


def test_the_callback_page_shows_the_recorded_result_in_its_history(frozen_clock, delivered, client_for, consultant):
    callback = delivered().callbacks.get(step=1)
    client = client_for(consultant)
    url = reverse("delivery:callback_record", args=[callback.pk])
    assert 'id="callback-history"' not in client.get(url).content.decode()  # nothing changed yet

    services.callback_record(callback=callback, by=consultant, reached=True, satisfaction=4, remarks="很满意")

    history = history_of_page(client, url, "callback-history")
    assert actions_in(history) == ["completed"]
    assert "<strong>张伟</strong> completed" in history
    assert 'Status: <del class="text-muted">To do</del> → Done' in history
    assert 'Satisfaction: <del class="text-muted">–</del> → 4' in history
    assert 'Remarks: <del class="text-muted">–</del> → 很满意' in history


def test_the_complaint_page_shows_each_change_newest_first(frozen_clock, delivered, client_for, consultant, manager):
    delivery = delivered()
    complaint = services.complaint_open(delivery=delivery, by=consultant, description="空调异响")
    services.complaint_add_action(complaint=complaint, by=consultant, taken_on=TODAY, description="电话致歉")
    services.complaint_close(complaint=complaint, by=manager, closing_note="已更换空调滤芯")

    history = history_of_page(
        client_for(consultant), reverse("delivery:complaint_detail", args=[complaint.pk]), "complaint-history"
    )

    assert actions_in(history) == ["closed", "updated", "created"]
    assert "<strong>刘强</strong> closed" in history
    assert 'Status: <del class="text-muted">In progress</del> → Closed' in history
    assert 'Closing note: <del class="text-muted">–</del> → 已更换空调滤芯' in history
    assert 'Status: <del class="text-muted">Open</del> → In progress' in history
    assert "<div>电话致歉</div>" in history  # what was done is the line's reason


@pytest.fixture
def card_with_a_new_mobile(frozen_clock, new_lead, sign, consultant) -> CustomerCard:
    card = sign(new_lead(consultant=consultant, phone="13800138000")).lead.customer_card
    return services.card_update(card=card, by=consultant, expected_version=card.version, mobile="139 1234 5678")


def test_the_card_history_masks_a_changed_mobile_for_a_viewer_who_may_not_see_phones(
    card_with_a_new_mobile, group_client
):
    history = history_of_page(
        group_client, reverse("delivery:card_detail", args=[card_with_a_new_mobile.pk]), "card-history"
    )

    assert 'Mobile: <del class="text-muted">138****8000</del> → 139****5678' in history
    assert "13800138000" not in history and "13912345678" not in history


@pytest.mark.parametrize("viewer", ["consultant", "manager"])
def test_the_card_history_shows_a_changed_mobile_in_full_to_the_showroom_s_staff(
    card_with_a_new_mobile, client_for, request, viewer
):
    history = history_of_page(
        client_for(request.getfixturevalue(viewer)),
        reverse("delivery:card_detail", args=[card_with_a_new_mobile.pk]),
        "card-history",
    )

    assert 'Mobile: <del class="text-muted">13800138000</del> → 13912345678' in history
