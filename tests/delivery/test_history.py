"""Every change after the order keeps one history line with its diff: contracts (new), cards, deliveries,
callbacks, complaints."""

from decimal import Decimal

from django.urls import reverse

from delivery import services
from delivery.models import Callback, Contract


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
