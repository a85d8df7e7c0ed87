"""Fixtures for the delivery tests: contracts, deliveries and callbacks made through the services, the way the
app makes them, from leads made through the register."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest

from delivery import services
from delivery.models import CHECKLIST_ITEMS, REQUIRED_ITEMS, Contract, Delivery
from tests.conftest import TODAY
from tests.factories import CarModelFactory, DistrictFactory

_phones = count(1)
_numbers = count(1)
_slots = count(0)

VIN = "LSVAU2180N2123456"  # 17 characters, no I, O or Q
TOMORROW = TODAY + timedelta(days=1)


def next_phone() -> str:
    return f"137{next(_phones):08d}"


def at(showroom, day: date, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=showroom.zone)


def next_slot(showroom) -> datetime:
    """A free delivery slot from tomorrow on (09:00–17:00 hourly by default), a new one at each call."""
    n = next(_slots)
    return at(showroom, TOMORROW + timedelta(days=n // 9), f"{9 + n % 9:02d}:00")


def later_today(showroom) -> datetime:
    """The day's last delivery slot (17:00), still ahead of the suite's clock (15:30): a delivery of today."""
    return at(showroom, TODAY, "17:00")


@pytest.fixture
def client_language():
    return "en"  # these tests read English pages


@pytest.fixture
def car_model(db):
    return CarModelFactory(brand="丰田", name="凯美瑞")


@pytest.fixture
def district(showroom):
    return DistrictFactory(showroom=showroom, name="朝阳区")


def contract_fields(model, **overrides) -> dict:
    fields = {
        "number": f"HT2026-{next(_numbers):04d}",
        "signed_on": TODAY,
        "car_model": model,
        "trim": "2.5L 豪华版",
        "colour": "珍珠白",
        "vin": "",
        "price": Decimal("219800.00"),
        "deposit": Decimal("20000.00"),
        "payment_method": "loan",
        "trade_in": False,
        "trade_in_vehicle": "",
        "insurance": "人保 全险",
        "planned_delivery_date": TODAY + timedelta(days=7),
        "remarks": "",
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def new_lead(make_lead):
    """An open lead of `consultant` with a fresh phone (grade H unless said otherwise)."""

    def make(*, consultant, grade: str = "H", **fields):
        fields.setdefault("phone", next_phone())
        return make_lead(consultant=consultant, grade=grade, **fields)

    return make


@pytest.fixture
def sign(car_model):
    """Sign a contract for `lead` through the service, by its owner unless `by` is given."""

    def make(lead, *, by=None, **overrides) -> Contract:
        return services.contract_sign(lead=lead, by=by or lead.owner, **contract_fields(car_model, **overrides))

    return make


@pytest.fixture
def signed(new_lead, sign, consultant):
    """A contract of the consultant's customer, just signed (no VIN yet)."""

    def make(*, consultant=consultant, **overrides) -> Contract:
        return sign(new_lead(consultant=consultant), **overrides)

    return make


@pytest.fixture
def book():
    def make(contract, *, starts_at=None, by=None, service_advisor="孙师傅", **fields) -> Delivery:
        by = by or contract.consultant
        return services.delivery_book(
            contract=contract,
            by=by,
            starts_at=starts_at or next_slot(contract.showroom),
            consultant=fields.pop("consultant", contract.consultant),
            service_advisor=service_advisor,
            expected_version=fields.pop("expected_version", None),
            **fields,
        )

    return make


ALL_REQUIRED = dict.fromkeys(REQUIRED_ITEMS, True)


@pytest.fixture
def complete():
    """Hand the car over as the delivery day page leads to it: the VIN on the contract and the appointment brought
    forward to now when it is still ahead, then every required item ticked and the customer's name typed."""

    def make(delivery, *, by=None, items=None, name="王先生", signature="") -> Delivery:
        contract = Contract.objects.get(pk=delivery.contract_id)
        by = by or contract.consultant
        if not contract.vin:
            services.contract_update(
                contract=contract, by=contract.consultant, expected_version=contract.version, vin=VIN
            )
        delivery = Delivery.objects.get(pk=delivery.pk)
        if "appointment" in services.delivery_missing_prerequisites(delivery=delivery):
            delivery = services.delivery_move_to_now(delivery=delivery, by=by, expected_version=delivery.version)
        return services.delivery_complete(
            delivery=delivery,
            by=by,
            items=ALL_REQUIRED if items is None else items,
            customer_signed_name=name,
            signature=signature,
            expected_version=delivery.version,
        )

    return make


@pytest.fixture
def delivered(signed, book, complete):
    """A delivered car of the consultant's customer (today, on the suite's frozen clock)."""

    def make(**overrides) -> Delivery:
        return complete(book(signed(**overrides)))

    return make


NO_ITEMS = dict.fromkeys(CHECKLIST_ITEMS, False)
