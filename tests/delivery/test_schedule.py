"""The callbacks' calendar arithmetic: a month later is the same day, or the month's last day when it is shorter."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from delivery.schedule import Offset, add_months, parse_offsets, validate_offsets


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2027, 1, 31), 3, date(2027, 4, 30)),  # April has 30 days
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # 2028 is a leap year
        (date(2028, 8, 31), 6, date(2029, 2, 28)),
        (date(2027, 8, 30), 6, date(2028, 2, 29)),
        (date(2027, 2, 28), 6, date(2027, 8, 28)),  # never "to the month's end" when the day exists
        (date(2026, 11, 21), 3, date(2027, 2, 21)),  # across a year end
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
        (date(2026, 12, 15), 25, date(2029, 1, 15)),
    ],
)
def test_add_months_keeps_the_day_or_clamps_to_the_months_end(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("code", "day", "expected"),
    [
        ("3d", date(2026, 11, 29), date(2026, 12, 2)),  # across a month end
        ("3d", date(2026, 12, 30), date(2027, 1, 2)),  # and a year end
        ("3w", date(2027, 2, 20), date(2027, 3, 13)),
        ("3m", date(2027, 1, 31), date(2027, 4, 30)),
        ("6m", date(2027, 8, 31), date(2028, 2, 29)),
    ],
)
def test_an_offset_counts_days_weeks_or_calendar_months(code, day, expected):
    assert Offset.parse(code).after(day) == expected


def test_the_repeating_offset_counts_on_from_the_delivery_so_a_clamped_date_does_not_drift():
    six = Offset.parse("6m")
    twelve = six.then(6)

    assert str(twelve) == "12m"
    # From 31 August: 29 February, then 31 August again (not 29 August, which counting from 29 Feb would give).
    assert twelve.after(date(2027, 8, 31)) == date(2028, 8, 31)


def test_offsets_are_read_with_spaces_or_commas():
    assert [str(offset) for offset in parse_offsets(" 3d, 3w 3M,6m ")] == ["3d", "3w", "3m", "6m"]


@pytest.mark.parametrize("text", ["", "3x", "0d 3m", "3m 3d", "3d 3d 6m", "3d 3w", "abc", "1m 4w"], ids=repr)
def test_a_callback_setting_must_be_offsets_later_each_time_ending_in_months(text):
    with pytest.raises(ValidationError):
        validate_offsets(text)


@pytest.mark.parametrize("text", ["3d 3w 3m 6m", "1d 1m", "6m", "7d, 2m, 12m"])
def test_good_callback_settings_pass(text):
    validate_offsets(text)
