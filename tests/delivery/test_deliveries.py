"""Deliveries: booked into a free slot of the showroom's grid (never two in one), shown on the week view, handed
over only with every required checklist item done, confirmed by the customer; completing one records the
delivery on the lead and starts the callbacks."""

import base64
import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from delivery import services
from delivery.models import CHECKLIST_ITEMS, OPTIONAL_ITEMS, REQUIRED_ITEMS, Contract, Delivery, DeliverySettings
from leads.models import Contact, LeadStatus
from tests.conftest import CURRENT_TIME, TODAY
from tests.delivery.conftest import ALL_REQUIRED, NO_ITEMS, TOMORROW, VIN, at, later_today, next_slot
from tests.factories import UserFactory

# A real (tiny) PNG, as a canvas hands it over.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
SIGNATURE = "data:image/png;base64," + base64.b64encode(PNG).decode()


def errors_of(excinfo) -> list[str]:
    return sorted(excinfo.value.message_dict)


# --- Booking ------------------------------------------------------------------------------------------------------


def test_a_delivery_is_booked_into_a_slot_with_its_consultant_and_service_advisor(
    frozen_clock, signed, book, consultant, other_consultant
):
    contract = signed()
    starts_at = at(contract.showroom, TOMORROW, "10:00")

    delivery = book(
        contract, starts_at=starts_at, consultant=other_consultant, service_advisor="孙师傅", notes="带儿童座椅"
    )

    assert (delivery.starts_at, delivery.consultant, delivery.service_advisor, delivery.status) == (
        starts_at,
        other_consultant,
        "孙师傅",
        "booked",
    )
    assert (delivery.booked_by, delivery.notes) == (consultant, "带儿童座椅")


@pytest.mark.parametrize(
    ("day", "hhmm"),
    [(TODAY - timedelta(days=1), "10:00"), (TOMORROW, "10:30"), (TOMORROW, "08:00"), (TOMORROW, "18:00")],
    ids=["yesterday", "off the hour", "before the first slot", "after the last slot"],
)
def test_a_delivery_starts_on_a_slot_of_the_grid_and_not_in_the_past(frozen_clock, signed, book, day, hhmm):
    contract = signed()

    with pytest.raises(ValidationError) as excinfo:
        book(contract, starts_at=at(contract.showroom, day, hhmm))

    assert errors_of(excinfo) == ["starts_at"]
    assert not Delivery.objects.exists()


def test_the_slot_grid_is_a_showroom_setting(frozen_clock, signed, book, showroom):
    DeliverySettings.objects.create(showroom=showroom, slot_minutes=90, first_slot="09:30")
    contract = signed()

    assert book(contract, starts_at=at(showroom, TOMORROW, "11:00")).starts_at.minute == 0  # 09:30 + 90 min


def test_two_deliveries_are_never_booked_into_the_same_slot(frozen_clock, signed, book, other_consultant):
    first = signed()
    slot = at(first.showroom, TOMORROW, "14:00")
    book(first, starts_at=slot)
    second = signed(consultant=other_consultant)

    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        book(second, starts_at=slot)

    assert excinfo.value.message_dict["starts_at"] == [
        "This slot is already booked (张伟). Choose another time; the week view shows the free slots."
    ]
    assert book(second, starts_at=slot + timedelta(hours=1)).contract == second


def test_the_database_refuses_a_second_delivery_in_a_slot(frozen_clock, signed, book):
    slot = next_slot(signed().showroom)
    taken = book(signed(), starts_at=slot)
    other = book(signed())

    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.filter(pk=other.pk).update(starts_at=taken.starts_at)


def test_moving_a_booked_delivery_keeps_one_row_and_frees_the_old_slot(frozen_clock, signed, book):
    contract = signed()
    old = at(contract.showroom, TOMORROW, "09:00")
    booked = book(contract, starts_at=old)

    moved = book(contract, starts_at=old + timedelta(days=1), expected_version=booked.version)

    assert Delivery.objects.get() == moved
    assert moved.starts_at == old + timedelta(days=1)
    assert book(signed(), starts_at=old).starts_at == old


def test_the_booking_page_shows_a_double_booking_next_to_the_time(
    frozen_clock, signed, book, client_for, other_consultant
):
    slot = at(signed().showroom, TOMORROW, "15:00")
    book(signed(), starts_at=slot)
    contract = signed(consultant=other_consultant)

    response = client_for(other_consultant).post(
        reverse("delivery:delivery_book", args=[contract.pk]),
        {
            "date": TOMORROW.isoformat(),
            "start_time": "15:00",
            "consultant": other_consultant.pk,
            "service_advisor": "孙师傅",
        },
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["start_time"]
    html = response.content.decode()
    time_block = re.search(r'<div id="div_id_start_time".*?</div>\s*</div>', html, re.S).group(0)
    assert "This slot is already booked" in time_block
    assert not Delivery.objects.filter(contract=contract).exists()


def test_moving_a_booking_without_its_version_writes_nothing_and_keeps_the_input(
    frozen_clock, signed, book, client_for, consultant
):
    contract = signed()
    booked = book(contract, starts_at=at(contract.showroom, TOMORROW, "09:00"))

    response = client_for(consultant).post(
        reverse("delivery:delivery_book", args=[contract.pk]),
        {
            "date": TOMORROW.isoformat(),
            "start_time": "11:00",
            "consultant": consultant.pk,
            "service_advisor": "钱师傅",
        },
    )

    assert response.status_code == 200
    assert "Someone else saved this while you were editing it." in response.content.decode()
    assert response.context["form"]["service_advisor"].value() == "钱师傅"
    stored = Delivery.objects.get(pk=booked.pk)
    assert (stored.starts_at, stored.service_advisor, stored.version) == (booked.starts_at, "孙师傅", 1)


def test_the_week_view_lays_the_showrooms_deliveries_on_seven_days_and_the_slot_grid(
    frozen_clock, signed, book, client_for, consultant, other_consultant, manager
):
    mine = book(signed(), starts_at=at(consultant.showroom, TOMORROW, "10:00"))  # Sunday 22 November
    theirs = book(signed(consultant=other_consultant), starts_at=at(consultant.showroom, TOMORROW, "11:00"))
    next_week = book(signed(), starts_at=at(consultant.showroom, TOMORROW + timedelta(days=1), "09:00"))

    response = client_for(consultant).get(reverse("delivery:week"))

    week = response.context["week"]
    assert [day.isoformat() for day in week.days] == [f"2026-11-{n}" for n in range(16, 23)]  # Monday to Sunday
    assert [slot.strftime("%H:%M") for slot, _cells in week.rows] == [f"{h:02d}:00" for h in range(9, 18)]
    html = response.content.decode()
    cell = re.search(r'data-slot="2026-11-22T10:00">(.*?)</td>', html, re.S).group(1)
    assert mine.contract.lead.customer_name in cell
    # A colleague's delivery shows as taken, without whose customer it is.
    cell = re.search(r'data-slot="2026-11-22T11:00">(.*?)</td>', html, re.S).group(1)
    assert "Booked" in cell and theirs.contract.lead.customer_name not in cell
    assert f'data-delivery="{next_week.pk}"' not in html
    assert (
        f'data-delivery="{next_week.pk}"'
        in client_for(consultant).get(reverse("delivery:week_of", args=[TOMORROW + timedelta(days=1)])).content.decode()
    )
    manager_html = client_for(manager).get(reverse("delivery:week")).content.decode()
    contract_url = reverse("delivery:contract_detail", args=[theirs.contract_id])
    assert f'href="{contract_url}" data-delivery="{theirs.pk}"' in manager_html


def test_the_week_view_offers_free_slots_to_book(frozen_clock, signed, book, client_for, consultant):
    contract = signed()
    book(signed(), starts_at=at(consultant.showroom, TOMORROW, "10:00"))

    html = client_for(consultant).get(reverse("delivery:week") + f"?contract={contract.pk}").content.decode()

    book_url = reverse("delivery:delivery_book", args=[contract.pk])
    assert f"{book_url}?date=2026-11-22&time=09:00" in html
    assert f"{book_url}?date=2026-11-22&time=10:00" not in html  # taken
    assert f"{book_url}?date=2026-11-20" not in html  # the past


# --- The checklist gate -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", REQUIRED_ITEMS)
def test_a_delivery_cannot_be_completed_while_a_required_item_is_open(frozen_clock, signed, book, complete, missing):
    delivery = book(signed())

    with pytest.raises(ValidationError) as excinfo:
        complete(delivery, items={**ALL_REQUIRED, missing: False})

    assert errors_of(excinfo) == [missing]
    delivery.refresh_from_db()
    assert delivery.status == "booked"
    assert not delivery.callbacks.exists()
    assert Contract.objects.get(pk=delivery.contract_id).status == "signed"


def test_every_open_required_item_is_named_at_once(frozen_clock, signed, book, complete):
    with pytest.raises(ValidationError) as excinfo:
        complete(book(signed()), items=NO_ITEMS, name=" ")

    assert errors_of(excinfo) == sorted([*REQUIRED_ITEMS, "customer_signed_name"])


def test_the_optional_items_never_block(frozen_clock, signed, book, complete):
    delivery = complete(book(signed()), items={**ALL_REQUIRED, **dict.fromkeys(OPTIONAL_ITEMS, False)})

    assert delivery.status == "completed"
    assert not delivery.service_tour and not delivery.ceremony_photo


@pytest.mark.parametrize("item", [*REQUIRED_ITEMS, "customer_signed_name"])
def test_the_database_refuses_a_completed_delivery_with_a_required_item_open(frozen_clock, delivered, item):
    delivery = delivered()

    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(**{item: "" if item == "customer_signed_name" else False})


def test_the_car_is_not_handed_over_without_its_vin(frozen_clock, signed, book, consultant):
    delivery = book(signed())

    with pytest.raises(ValidationError) as excinfo:
        services.delivery_complete(
            delivery=delivery,
            by=consultant,
            items=ALL_REQUIRED,
            customer_signed_name="王先生",
            expected_version=delivery.version,
        )

    assert errors_of(excinfo) == ["__all__"]


def test_completing_records_the_delivery_on_the_lead_and_closes_the_contract(frozen_clock, signed, book, complete):
    contract = signed()

    delivery = complete(book(contract), name=" 王建国 ", signature=SIGNATURE)

    assert (delivery.status, delivery.completed_at, delivery.delivered_on) == ("completed", CURRENT_TIME, TODAY)
    assert (delivery.customer_signed_name, delivery.signature) == ("王建国", SIGNATURE)
    contract.refresh_from_db()
    assert (contract.status, contract.vin) == ("delivered", VIN)
    contact = Contact.objects.get(lead=contract.lead, kind="delivery")
    assert (contact.grade_before, contact.grade_after, contact.next_follow_up, contact.summary) == (
        "O",
        "O",
        None,
        contract.number,
    )
    contract.lead.refresh_from_db()
    assert (contract.lead.status, contract.lead.grade, contract.lead.last_contact_at) == (
        LeadStatus.ORDERED,
        "O",
        CURRENT_TIME,
    )


@pytest.mark.parametrize(
    "signature",
    [
        "data:image/jpeg;base64," + base64.b64encode(PNG).decode(),
        "data:image/png;base64,!!!",
        "data:image/png;base64," + base64.b64encode(b"GIF89a").decode(),
        "javascript:alert(1)",
    ],
    ids=["jpeg", "not base64", "not a png", "script"],
)
def test_a_signature_must_be_a_png(frozen_clock, signed, book, complete, signature):
    with pytest.raises(ValidationError) as excinfo:
        complete(book(signed()), signature=signature)

    assert errors_of(excinfo) == ["signature"]


def test_a_delivery_is_completed_once(frozen_clock, delivered, complete):
    delivery = delivered()

    with pytest.raises(ValidationError):
        complete(delivery)
    assert delivery.callbacks.count() == 4


def test_a_colleague_of_another_showroom_cannot_complete(frozen_clock, signed, book, other_manager):
    delivery = book(signed())

    with pytest.raises(PermissionDenied):
        services.delivery_complete(
            delivery=delivery,
            by=other_manager,
            items=ALL_REQUIRED,
            customer_signed_name="x",
            expected_version=delivery.version,
        )


def test_the_checklist_page_keeps_the_ticks_when_completing_is_refused(
    frozen_clock, signed, book, client_for, consultant
):
    delivery = book(signed(vin=VIN), starts_at=later_today(consultant.showroom))
    ticked = {name: "on" for name in REQUIRED_ITEMS[:4]}

    response = client_for(consultant).post(
        reverse("delivery:delivery_day", args=[delivery.pk]),
        {**ticked, "customer_signed_name": "王先生", "signature": SIGNATURE, "complete": "1", "version": "1"},
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert sorted(form.errors) == sorted(REQUIRED_ITEMS[4:])
    delivery.refresh_from_db()
    assert delivery.status == "booked"
    assert [getattr(delivery, name) for name in CHECKLIST_ITEMS] == [True] * 4 + [False] * 4
    # What the customer typed and drew is on the page again, and kept: a reload does not lose it either.
    assert form["customer_signed_name"].value() == "王先生" and form["signature"].value() == SIGNATURE
    assert (delivery.customer_signed_name, delivery.signature, delivery.version) == ("王先生", SIGNATURE, 2)
    assert form["version"].value() == "2"  # the next press goes through, not "someone else saved"
    reloaded = client_for(consultant).get(reverse("delivery:delivery_day", args=[delivery.pk])).context["form"]
    assert reloaded["customer_signed_name"].value() == "王先生" and reloaded["signature"].value() == SIGNATURE


def test_the_checklist_page_completes_the_delivery(frozen_clock, signed, book, client_for, consultant):
    delivery = book(signed(vin=VIN), starts_at=later_today(consultant.showroom))

    response = client_for(consultant).post(
        reverse("delivery:delivery_day", args=[delivery.pk]),
        {
            **{name: "on" for name in REQUIRED_ITEMS},
            "customer_signed_name": "王先生",
            "signature": SIGNATURE,
            "complete": "1",
            "version": "1",
        },
        follow=True,
    )

    assert response.redirect_chain == [(reverse("delivery:contract_detail", args=[delivery.contract_id]), 302)]
    assert "The first callback is due on 2026-11-24." in response.content.decode()
    assert Delivery.objects.get(pk=delivery.pk).signature == SIGNATURE


def test_the_confirmation_prints_the_checklist_and_the_signature(
    frozen_clock, signed, book, complete, client_for, consultant
):
    delivery = complete(book(signed()), signature=SIGNATURE)

    response = client_for(consultant).get(reverse("delivery:delivery_confirmation", args=[delivery.pk]))

    html = response.content.decode()
    assert '<html lang="zh-hans">' in html and VIN in html
    assert f'<img src="{SIGNATURE}"' in html
    assert html.count("☑") == len(REQUIRED_ITEMS) and html.count("☐") == len(OPTIONAL_ITEMS)


def test_there_is_no_confirmation_before_the_delivery(frozen_clock, signed, book, client_for, consultant):
    delivery = book(signed())

    assert client_for(consultant).get(reverse("delivery:delivery_confirmation", args=[delivery.pk])).status_code == 404


def test_a_booking_is_for_the_showrooms_staff(frozen_clock, signed, book):
    stranger = UserFactory()  # another showroom's

    with pytest.raises(ValidationError) as excinfo:
        book(signed(), consultant=stranger, service_advisor="")

    assert errors_of(excinfo) == ["consultant", "service_advisor"]


def test_a_race_for_the_same_slot_ends_in_the_same_error_at_the_field(frozen_clock, signed, book, monkeypatch):
    slot = next_slot(signed().showroom)
    book(signed(), starts_at=slot)
    # Two consultants press "book" at the same moment: both pass the check, the database lets one row in.
    monkeypatch.setattr(services, "_slot_errors", lambda **kwargs: [])

    with pytest.raises(ValidationError) as excinfo:
        book(signed(), starts_at=slot)

    assert errors_of(excinfo) == ["starts_at"]
    assert Delivery.objects.filter(starts_at=slot).count() == 1
