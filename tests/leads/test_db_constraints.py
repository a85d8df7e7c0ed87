"""The register's rules held by the database itself: an insert that skips the service still cannot break them.

(Departure "not in the future" and "on the same day" depend on the clock and the showroom's time zone, so
only the service checks those.)
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from leads.models import Visit
from tests.conftest import TODAY
from tests.factories import visit_times

ARRIVAL_TIME = "10:00"


@pytest.fixture
def insert(consultant, frozen_clock):
    """Insert a register row with Visit.objects.create, bypassing the service; keywords replace fields."""

    def create(**overrides):
        arrived_at, left_at = visit_times(consultant.showroom, TODAY, ARRIVAL_TIME, 30)
        fields = {
            "showroom": consultant.showroom,
            "visit_date": TODAY,
            "number": 1,
            "kind": "walk_in",
            "customer_name": "王先生",
            "phone": "13800138000",
            "no_phone": False,
            "arrived_at": arrived_at,
            "left_at": left_at,
            "consultant": consultant,
            "created_by": consultant,
        }
        fields.update(overrides)
        with transaction.atomic():
            return Visit.objects.create(**fields)

    return create


def test_complete_row_inserts(insert):
    # The control for every case below: only the overridden field makes them fail.
    assert insert().pk is not None


@pytest.mark.parametrize(
    ("case", "overrides"),
    [
        ("departure equal to arrival", {"stay": timedelta(0)}),
        ("departure before arrival", {"stay": timedelta(minutes=-30)}),
        ("neither phone nor tick", {"phone": "", "no_phone": False}),
        ("phone and tick", {"phone": "13800138000", "no_phone": True}),
        ("grade without phone", {"phone": "", "no_phone": True, "grade": "A"}),
        ("unknown grade", {"grade": "Z"}),
        ("lost is not a register grade", {"grade": "F"}),
        ("unknown kind", {"kind": "sms"}),
        ("party of nobody", {"party_size": 0}),
        ("no arrival", {"arrived_at": None}),
        ("no departure", {"left_at": None}),
        ("no consultant", {"consultant": None}),
        ("no running number", {"number": None}),
    ],
)
def test_insert_breaking_a_rule_is_refused_by_the_database(insert, consultant, case, overrides):
    if "stay" in overrides:  # a departure relative to the arrival
        overrides = dict(overrides)
        arrived_at, _left_at = visit_times(consultant.showroom, TODAY, ARRIVAL_TIME)
        overrides["left_at"] = arrived_at + overrides.pop("stay")

    with pytest.raises(IntegrityError):
        insert(**overrides)

    assert not Visit.objects.exists()


def test_running_number_is_unique_per_showroom_and_day(insert):
    insert(number=1)

    with pytest.raises(IntegrityError):
        insert(number=1, customer_name="李女士")

    assert Visit.objects.count() == 1


def test_same_number_on_another_day_or_in_another_showroom_is_allowed(insert, other_manager):
    insert(number=1)
    insert(number=1, visit_date=TODAY.replace(day=20))
    insert(number=1, showroom=other_manager.showroom, consultant=other_manager, created_by=other_manager)

    assert Visit.objects.filter(number=1).count() == 3


def test_blank_customer_name_is_refused_by_the_database(insert):
    with pytest.raises(IntegrityError):
        insert(customer_name="")
