"""The register's rules as the service enforces them: required fields, times, phone, grade, numbering, scope."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from dealer_crm.core.history import Revision
from leads.models import Visit
from leads.services import register as services
from tests.conftest import CURRENT_TIME, TODAY
from tests.factories import DistrictFactory, UserFactory, source, visit_times

YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture
def register(consultant, frozen_clock):
    """Call the service directly with a complete entry of today; keyword arguments replace its fields."""

    def call(*, day=TODAY, **overrides):
        arrived_at, left_at = visit_times(consultant.showroom, day, "10:00", 30)
        fields = {
            "kind": "walk_in",
            "customer_name": "王先生",
            "phone": "13800138000",
            "no_phone": False,
            "source": source("web"),
            "arrived_at": arrived_at,
            "left_at": left_at,
            "summary": "看了凯美瑞，关心油耗和价格",
            "consultant": consultant,
        }
        fields.update(overrides)
        return services.visit_register(showroom=consultant.showroom, created_by=consultant, visit_date=day, **fields)

    return call


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_complete_entry_is_saved_with_number_one_and_a_history_line(register, consultant):
    visit = register()

    visit.refresh_from_db()
    assert (visit.number, visit.visit_date, visit.created_by) == (1, TODAY, consultant)
    assert visit.showroom == consultant.showroom
    revision = visit.revisions.get()
    assert revision.action == Revision.Action.CREATED
    assert revision.by == consultant
    assert revision.at == CURRENT_TIME
    assert revision.changes["customer_name"] == [None, "王先生"]
    assert revision.changes["phone"] == [None, "13800138000"]


@pytest.mark.parametrize(
    ("field", "empty"),
    [("customer_name", ""), ("arrived_at", None), ("left_at", None), ("consultant", None)],
)
def test_required_field_missing_is_refused_next_to_that_field(register, field, empty):
    with pytest.raises(ValidationError) as excinfo:
        register(**{field: empty})

    assert list(errors_of(excinfo)) == [field]
    assert not Visit.objects.exists()


@pytest.mark.parametrize("minutes", [0, -15])
def test_departure_not_after_arrival_is_refused(register, consultant, minutes):
    arrived_at, _left_at = visit_times(consultant.showroom, TODAY, "10:00")

    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        register(arrived_at=arrived_at, left_at=arrived_at + timedelta(minutes=minutes))

    assert errors_of(excinfo) == {"left_at": ["Departure must be after arrival."]}


def test_departure_in_the_future_is_refused(register):
    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        register(arrived_at=CURRENT_TIME - timedelta(minutes=10), left_at=CURRENT_TIME + timedelta(minutes=5))

    assert errors_of(excinfo) == {"left_at": ["Departure cannot be in the future."]}


def test_departure_a_minute_ahead_of_the_server_clock_is_accepted(register):
    # A phone's clock running slightly fast must not block the consultant.
    visit = register(arrived_at=CURRENT_TIME - timedelta(minutes=10), left_at=CURRENT_TIME + timedelta(minutes=1))

    assert visit.pk is not None


def test_departure_on_the_next_day_is_refused(register, consultant):
    arrived_at, _left_at = visit_times(consultant.showroom, YESTERDAY, "23:40")

    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        register(day=YESTERDAY, arrived_at=arrived_at, left_at=arrived_at + timedelta(minutes=40))

    assert errors_of(excinfo) == {"left_at": ["Arrival and departure must be on the same day."]}


def test_arrival_on_another_day_than_the_entry_is_refused(register, consultant):
    arrived_at, left_at = visit_times(consultant.showroom, YESTERDAY, "10:00")

    with pytest.raises(ValidationError) as excinfo:
        register(day=TODAY, arrived_at=arrived_at, left_at=left_at)

    assert set(errors_of(excinfo)) == {"arrived_at", "left_at"}


def test_entry_of_a_past_day_is_accepted(register):
    visit = register(day=YESTERDAY)

    assert (visit.visit_date, visit.number) == (YESTERDAY, 1)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+86 138-1234-5678", "13812345678"),
        ("139 1234 5678", "13912345678"),
        ("0086 15012345678", "15012345678"),
        ("010-6552 8888", "01065528888"),
    ],
)
def test_phone_is_stored_normalised(register, typed, stored):
    visit = register(phone=typed)

    visit.refresh_from_db()
    assert visit.phone == stored


@pytest.mark.parametrize("typed", ["12345678901", "1381234567", "138123456789", "6552 8888", "abc"])
def test_invalid_phone_is_refused_next_to_the_phone(register, typed):
    with pytest.raises(ValidationError) as excinfo:
        register(phone=typed)

    assert list(errors_of(excinfo)) == ["phone"]


def test_no_phone_and_no_tick_is_refused(register):
    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        register(phone="", no_phone=False)

    assert errors_of(excinfo) == {"phone": ["Enter the phone number, or tick “left no phone”."]}


def test_phone_and_no_phone_tick_together_are_refused(register):
    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        register(phone="13800138000", no_phone=True)

    assert errors_of(excinfo) == {"no_phone": ["Untick “left no phone” or clear the phone number."]}


def test_no_phone_tick_alone_is_accepted(register):
    visit = register(phone="", no_phone=True, customer_name="李女士")

    visit.refresh_from_db()
    assert (visit.phone, visit.no_phone) == ("", True)


def test_grade_without_phone_is_refused(register):
    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        register(phone="", no_phone=True, grade="A")

    assert errors_of(excinfo) == {"grade": ["Only a customer who left a phone number can be graded."]}


@pytest.mark.parametrize("grade", ["H", "A", "B", "C", "O"])
def test_grade_with_phone_is_accepted(register, grade):
    visit = register(grade=grade)

    visit.refresh_from_db()
    assert visit.grade == grade


def test_consultant_of_another_showroom_is_refused(register, other_showroom):
    stranger = UserFactory(showroom=other_showroom)

    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        register(consultant=stranger)

    assert errors_of(excinfo) == {"consultant": ["This consultant does not work in this showroom."]}


def test_district_of_another_showroom_is_refused(register, other_showroom):
    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        register(district=DistrictFactory(showroom=other_showroom, name="浦东新区"))

    assert errors_of(excinfo) == {"district": ["This district belongs to another showroom."]}


def test_district_of_the_showroom_is_accepted(register, showroom):
    district = DistrictFactory(showroom=showroom, name="朝阳区")

    assert register(district=district).district == district


def test_running_numbers_count_up_per_showroom_and_day(make_visit, consultant, other_manager):
    today = [make_visit(consultant=consultant, start=f"1{i}:00").number for i in range(3)]
    yesterday = make_visit(consultant=consultant, day=YESTERDAY).number
    elsewhere = make_visit(consultant=other_manager).number

    assert today == [1, 2, 3]
    assert yesterday == 1
    assert elsewhere == 1


def test_number_of_a_deleted_entry_is_not_reused(make_visit, consultant, manager):
    first, second, third = (make_visit(consultant=consultant, start=f"1{i}:00") for i in range(3))
    services.visit_delete(visit=third, by=manager, reason="重复登记")

    fourth = make_visit(consultant=consultant, start="14:00")

    assert fourth.number == 4
    assert list(Visit.objects.live().values_list("number", flat=True)) == [4, 2, 1]


def test_refused_entry_takes_no_number(register):
    with pytest.raises(ValidationError):
        register(phone="")

    assert register().number == 1


def test_every_broken_rule_is_refused_in_one_pass(register, consultant):
    arrived_at, left_at = visit_times(consultant.showroom, TODAY, "10:00", 30)

    with pytest.raises(ValidationError) as excinfo:
        register(phone="139 1234 567", customer_name="", arrived_at=left_at, left_at=arrived_at)

    assert set(errors_of(excinfo)) == {"phone", "customer_name", "left_at"}
    assert not Visit.objects.exists()
