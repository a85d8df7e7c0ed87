"""The rotation: next up by turns per weight, skips count, off-shift and at-capacity consultants passed over."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from dcc.models import DccSettings, DutyShift, RotationTurn
from dcc.services.roster import next_up, on_duty, rotation_take_next, rotation_turn_record
from leads.models import Lead
from tests.factories import UserFactory

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
WALK_IN, ONLINE = RotationTurn.Kind.WALK_IN, RotationTurn.Kind.ONLINE


@pytest.fixture
def manager(showroom):
    return UserFactory(username="boss", showroom=showroom)


def shift(showroom, consultant, start="09:00", end="18:00", weight=1):
    return DutyShift.objects.create(
        showroom=showroom,
        consultant=consultant,
        day=NOON.date(),
        starts_at=time.fromisoformat(start),
        ends_at=time.fromisoformat(end),
        weight=weight,
    )


def test_nobody_on_shift_means_nobody_next(showroom, consultant):
    shift(showroom, consultant, "13:00", "21:00")
    assert next_up(showroom=showroom, at=NOON) is None


def test_turns_rotate_and_weight_doubles_a_share(showroom, consultant, other_consultant, manager):
    shift(showroom, consultant, weight=2)
    shift(showroom, other_consultant)
    given = []
    for minute in range(6):
        moment = NOON + timedelta(minutes=minute)
        given.append(rotation_take_next(showroom=showroom, at=moment, kind=WALK_IN, recorded_by=manager))
    assert given.count(consultant) == 4 and given.count(other_consultant) == 2


def test_a_skip_counts_as_a_turn(showroom, consultant, other_consultant, manager):
    shift(showroom, consultant)
    shift(showroom, other_consultant)
    first = next_up(showroom=showroom, at=NOON)
    rotation_turn_record(
        showroom=showroom, consultant=first, at=NOON, kind=WALK_IN, recorded_by=manager, skip_reason="with a customer"
    )
    assert next_up(showroom=showroom, at=NOON) != first
    assert RotationTurn.objects.get().skipped


def test_online_leads_pass_over_a_consultant_at_capacity(showroom, consultant, other_consultant, manager):
    rules = DccSettings.objects.create(showroom=showroom, capacity=1)
    shift(showroom, consultant)
    shift(showroom, other_consultant)
    Lead.objects.create(
        showroom=showroom,
        phone="13800000001",
        customer_name="王",
        owner=consultant,
        grade="B",
        response_due_at=NOON,
    )
    assert [person.consultant for person in on_duty(showroom=showroom, at=NOON)][0] == consultant
    assert next_up(showroom=showroom, at=NOON, rules=rules, online=True) == other_consultant
    assert next_up(showroom=showroom, at=NOON) == consultant  # a walk-in still goes by turns
