"""The grade assistant: the grade the three deciding factors, the purchase window and the H signals point to
(DOMAIN.md: H within 7 days, A within 15, B within 30, C within 90), and the reasons it gives."""

from datetime import timedelta

import pytest
from django.utils import translation

from leads.services.tracker import grade_suggest
from tests.conftest import TODAY

ALL = {"has_need": True, "has_decision_power": True, "has_purchasing_power": True}
NEED_AND_MONEY = {"has_need": True, "has_decision_power": False, "has_purchasing_power": True}
NOTHING = {"has_need": False, "has_decision_power": False, "has_purchasing_power": False}
TWO_SIGNALS = frozenset({"model_decided", "extras"})


def suggest(factors: dict, days: int | None = None, signals: frozenset[str] = frozenset()):
    """grade_suggest for a customer expecting to buy `days` from today (None: no date given)."""
    expected = TODAY + timedelta(days=days) if days is not None else None
    return grade_suggest(**factors, expected_purchase_date=expected, today=TODAY, signals=signals)


CASES = [
    pytest.param(ALL, 3, frozenset(), "H", id="all-three-buys-in-3-days"),
    pytest.param(ALL, 7, frozenset(), "H", id="all-three-buys-in-7-days-edge-of-H"),
    pytest.param(ALL, 8, frozenset(), "A", id="all-three-buys-in-8-days"),
    pytest.param(ALL, 15, frozenset(), "A", id="all-three-buys-in-15-days-edge-of-A"),
    pytest.param(ALL, 16, frozenset(), "B", id="all-three-buys-in-16-days"),
    pytest.param(ALL, 30, frozenset(), "B", id="all-three-buys-in-30-days-edge-of-B"),
    pytest.param(ALL, 31, frozenset(), "C", id="all-three-buys-in-31-days"),
    pytest.param(ALL, 90, frozenset(), "C", id="all-three-buys-in-90-days"),
    pytest.param(ALL, None, frozenset(), "B", id="all-three-no-date"),
    pytest.param(ALL, None, TWO_SIGNALS, "H", id="all-three-two-H-signals"),
    pytest.param(ALL, 60, TWO_SIGNALS, "H", id="all-three-two-H-signals-outweigh-a-late-date"),
    pytest.param(ALL, None, frozenset({"came_back"}), "A", id="all-three-one-H-signal"),
    pytest.param(ALL, 25, frozenset({"delivery_details"}), "A", id="all-three-one-H-signal-buys-in-25-days"),
    pytest.param(ALL, None, frozenset({"weather", "horoscope"}), "B", id="unknown-signals-are-ignored"),
    pytest.param(NEED_AND_MONEY, 3, frozenset(), "B", id="no-decision-power-buys-in-3-days"),
    pytest.param(NEED_AND_MONEY, None, TWO_SIGNALS, "B", id="no-decision-power-two-H-signals"),
    pytest.param(NEED_AND_MONEY, 30, frozenset(), "B", id="no-decision-power-buys-in-30-days"),
    pytest.param(NEED_AND_MONEY, 31, frozenset(), "C", id="no-decision-power-buys-in-31-days"),
    pytest.param({**ALL, "has_need": False}, 3, TWO_SIGNALS, "C", id="no-need-buys-in-3-days"),
    pytest.param({**ALL, "has_purchasing_power": False}, 3, TWO_SIGNALS, "C", id="no-purchasing-power"),
]


@pytest.mark.parametrize(("factors", "days", "signals", "expected"), CASES)
def test_assistant_suggests_the_grade_the_factors_window_and_signals_point_to(factors, days, signals, expected):
    suggestion = suggest(factors, days, signals)

    assert suggestion.grade == expected
    assert suggestion.reasons, "every suggestion says why"


def test_h_suggestion_names_the_factors_the_window_and_each_signal():
    with translation.override("en"):
        suggestion = suggest(ALL, 5, TWO_SIGNALS | {"weather"})

    assert suggestion.grade == "H"
    assert suggestion.reasons == [
        "Need, decision power and purchasing power are all there.",
        "Expects to buy in 5 days.",
        "Asks about accessories, trade-in, payment or plates",
        "Model and trim decided",
    ]


def test_b_suggestion_without_decision_power_says_it_is_missing():
    with translation.override("en"):
        suggestion = suggest(NEED_AND_MONEY, 20)

    assert suggestion.grade == "B"
    assert suggestion.reasons == ["Expects to buy in 20 days.", "Decision power is not confirmed yet."]


def test_c_suggestion_without_need_or_money_says_what_is_missing():
    with translation.override("en"):
        suggestion = suggest({**NOTHING, "has_need": True})

    assert suggestion.grade == "C"
    assert suggestion.reasons == ["Need or purchasing power is not confirmed yet."]


@pytest.mark.parametrize("days", [None, 3, 60], ids=["no-date", "date-in-3-days", "date-in-60-days"])
def test_nothing_ticked_gives_no_suggestion_not_c_from_nothing(days):
    assert suggest(NOTHING, days) is None
    assert suggest(NOTHING, days, frozenset({"weather"})) is None, "an unknown signal is no evidence either"


def test_one_h_signal_alone_is_evidence_enough_for_a_suggestion():
    suggestion = suggest(NOTHING, None, frozenset({"came_back"}))

    assert suggestion is not None and suggestion.grade == "C"
