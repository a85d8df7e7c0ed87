"""First-response deadlines run only in opening hours, in the showroom's own time zone."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from dcc.models import DccSettings
from dcc.services.deadlines import first_response_due, open_deadline
from tests.factories import ShowroomFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def rules(showroom):
    # Open 9:00–21:00, closed on Mondays (ISO 1), 15 minutes to answer.
    return DccSettings.objects.create(showroom=showroom, open_weekdays="234567")


def at(day: int, hour: int, minute: int = 0, zone=SHANGHAI) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=zone)  # 2026-12-01 is a Tuesday


@pytest.mark.parametrize(
    ("received", "due", "why"),
    [
        (at(1, 10, 0), at(1, 10, 15), "open: fifteen minutes later"),
        (at(1, 20, 50), at(2, 9, 5), "ten minutes left at closing, five more after opening"),
        (at(1, 22, 10), at(2, 9, 15), "after closing: fifteen minutes after the next opening"),
        (at(2, 6, 0), at(2, 9, 15), "before opening"),
        (at(6, 21, 30), at(8, 9, 15), "Sunday night: Monday is closed, Tuesday 9:15"),
        (at(7, 12, 0), at(8, 9, 15), "on the closed Monday itself"),
    ],
)
def test_deadline_counts_only_opening_hours(rules, received, due, why):
    assert open_deadline(rules=rules, start=received, minutes=15) == due, why


def test_the_showroom_time_zone_decides_what_is_open(db):
    urumqi = ShowroomFactory(code="wlmq", time_zone="Asia/Urumqi")  # UTC+6: 9:00 there is 11:00 in Beijing
    DccSettings.objects.create(showroom=urumqi, opens_at=time(9), closes_at=time(21))
    received = at(1, 10, 0)  # 8:00 in Urumqi, before opening
    due = first_response_due(showroom=urumqi, received_at=received)
    assert due == datetime(2026, 12, 1, 9, 15, tzinfo=ZoneInfo("Asia/Urumqi"))


def test_a_showroom_without_settings_gets_the_default_fifteen_minutes(showroom):
    assert first_response_due(showroom=showroom, received_at=at(1, 10, 0)) == at(1, 10, 15)
    assert DccSettings.objects.get(showroom=showroom).response_minutes == 15


def test_a_rule_longer_than_one_opening_day_spans_days(rules):
    rules.response_minutes = 13 * 60  # twelve opening hours a day
    assert open_deadline(rules=rules, start=at(1, 9, 0), minutes=rules.response_minutes) == at(2, 10, 0)
