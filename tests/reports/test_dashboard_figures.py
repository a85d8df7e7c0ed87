"""Every dashboard figure of the hand-made month (see conftest.py), worked out by hand. The period is the
dashboard's default, this month so far: 2026-11-01 to 11-21, so V0 (10-31), the deleted V10 and the other
showroom's entry are out; V1–V9 are in: 8 walk-ins and 1 call (V4)."""

import pytest

from reports.analytics import selectors
from reports.analytics.selectors import Scope
from tests.conftest import TODAY
from tests.reports.conftest import nov


@pytest.fixture
def month(world) -> Scope:
    return Scope(showroom=world.zhang.showroom, start=nov(1), end=nov(21))


@pytest.fixture
def zhangs_month(world) -> Scope:
    return Scope(showroom=world.zhang.showroom, start=nov(1), end=nov(21), consultant=world.zhang)


def table(figure) -> dict[str, list]:
    return dict(figure.rows)


def test_batches_per_day_walk_ins_against_calls(month):
    figure = selectors.visits_by_day(month)

    assert [label for label, _values in figure.rows] == [f"11-{day:02d}" for day in range(1, 22)]  # every day
    busy = {label: values for label, values in figure.rows if values[2]}
    assert busy == {
        "11-02": [2, 0, 2],  # V1, V2
        "11-03": [2, 0, 2],  # V7, V8
        "11-07": [1, 1, 2],  # V3 walk-in, V4 call
        "11-14": [1, 0, 1],  # V5
        "11-21": [2, 0, 2],  # V6, V9
    }
    assert figure.totals == [8, 1, 9]


def test_batches_per_weekday_with_the_average_per_day(month):
    figure = selectors.visits_by_weekday(month)

    # Each weekday occurs three times from the 1st to the 21st: the average is the total / 3.
    assert table(figure) == {
        "星期一": [2, 0, 2, 0.7],  # 11-02: V1, V2; 2 / 3 = 0.67
        "星期二": [2, 0, 2, 0.7],  # 11-03: V7, V8
        "星期三": [0, 0, 0, 0.0],
        "星期四": [0, 0, 0, 0.0],
        "星期五": [0, 0, 0, 0.0],
        "星期六": [4, 1, 5, 1.7],  # 11-07: V3, V4 (call); 11-14: V5; 11-21: V6, V9 — 5 / 3 = 1.67
        "星期日": [0, 0, 0, 0.0],
    }
    assert figure.totals == [8, 1, 9, 0.4]  # 9 batches over 21 days = 0.43


def test_batches_per_day_of_month(month):
    figure = selectors.visits_by_day_of_month(month)

    assert len(figure.rows) == 31
    assert {label: values for label, values in figure.rows if values[2]} == {
        "2": [2, 0, 2],
        "3": [2, 0, 2],
        "7": [1, 1, 2],
        "14": [1, 0, 1],
        "21": [2, 0, 2],
    }
    assert figure.totals == [8, 1, 9]


def test_showroom_traffic_by_time_slot_and_weekday_counts_walk_ins_by_local_arrival(month):
    figure = selectors.traffic_by_slot(month)

    assert [str(column.label) for column in figure.columns] == [
        "周一",
        "周二",
        "周三",
        "周四",
        "周五",
        "周六",
        "周日",
        "合计",
    ]
    #                               Mon Tue Wed Thu Fri Sat Sun total
    assert table(figure) == {
        "08:00–10:00": [1, 0, 0, 0, 0, 0, 0, 1],  # V1 Monday 09:15
        "10:00–12:00": [0, 0, 0, 0, 0, 2, 0, 2],  # V3 Saturday 10:30, V6 Saturday 10:00 (V4 11:00 is a call)
        "12:00–14:00": [0, 0, 0, 0, 0, 1, 0, 1],  # V9 Saturday 13:00
        "14:00–16:00": [1, 0, 0, 0, 0, 1, 0, 2],  # V2 Monday 14:00, V5 Saturday 15:00
        "16:00–18:00": [0, 0, 0, 0, 0, 0, 0, 0],
        "18:00–20:00": [0, 1, 0, 0, 0, 0, 0, 1],  # V7 Tuesday 19:10
        "其他时段": [0, 1, 0, 0, 0, 0, 0, 1],  # V8 Tuesday 07:30
    }
    assert figure.totals == [2, 2, 0, 0, 0, 4, 0, 8]


def test_share_who_left_no_phone_per_consultant(month):
    figure = selectors.no_phone_by_consultant(month)

    assert figure.rows == [
        ("张伟", [6, 1, 16.7]),  # V1–V6, V2 left none: 1 / 6
        ("李娜", [3, 2, 66.7]),  # V7–V9, V7 and V9 left none: 2 / 3
    ]
    assert figure.totals == [9, 3, 33.3]


def test_visit_duration_against_the_share_that_became_an_order(month):
    figure = selectors.duration_against_orders(month)

    # Walk-ins only (V4, the 5-minute call, is left out); ordered: V3 and V5 (L2), V6 (L4).
    assert table(figure) == {
        "<10": [1, 0, 0.0],  # V2 8 min
        "10–20": [1, 0, 0.0],  # V7 15
        "20–40": [3, 1, 33.3],  # V1 25, V3 35 (L2 ordered), V9 20 (a bucket holds its lower bound)
        "40–60": [1, 1, 100.0],  # V5 45 (L2)
        "60–120": [1, 0, 0.0],  # V8 65 (L5 lost)
        ">120": [1, 1, 100.0],  # V6 130 (L4 ordered on the spot)
    }
    assert figure.totals == [8, 3, 37.5]


def test_visitors_leads_and_orders_by_information_source(month):
    figure = selectors.by_source(month)

    # In the sources' own order (web, TV, …, friends, passing by). A lead counts for the entry that opened it.
    assert figure.rows == [
        ("网络", [5, 4, 1]),  # V1 (L1), V4 (L3), V6 (L4, ordered), V8 (L5), V9 (no phone)
        ("电视", [1, 0, 0]),  # V7
        ("亲友介绍", [2, 1, 1]),  # V3 opens L2 (ordered); V5 is L2 coming back, not a new lead
        ("路过", [1, 0, 0]),  # V2
    ]
    assert figure.totals == [9, 5, 2]


def test_visitors_leads_and_orders_by_district_busiest_first(month):
    figure = selectors.by_district(month)

    assert figure.rows == [
        ("未记录", [4, 1, 0]),  # V2, V4 (opens L3), V7, V9
        ("朝阳区", [3, 3, 1]),  # V1 (L1), V6 (L4, ordered), V8 (L5)
        ("海淀区", [2, 1, 1]),  # V3 (L2, ordered), V5
    ]
    assert figure.totals == [9, 5, 2]


def test_funnel_from_visitors_to_deliveries_with_the_automakers_rates(month):
    figure = selectors.funnel(month)

    assert [values for _label, values in figure.rows] == [
        [9, None],  # visitors: V1–V9
        [6, 66.7],  # left a phone: V1, V3, V4, V5, V6, V8 — 留档率 6 / 9
        [5, None],  # leads opened by those entries: L1, L2, L3, L4, L5
        [1, 20.0],  # came back: L2 (two showroom visits, V3 and V5) — 1 / 5
        [1, 20.0],  # test drives: L2 — 1 / 5
        [2, 40.0],  # orders: L2, L4 — 成交率 2 / 5
        [1, 50.0],  # deliveries: L2 — 1 / 2 orders
    ]
    assert figure.totals is None


def test_open_leads_per_grade_and_overdue_follow_ups_as_they_are_now(month):
    # zhang's open leads: L1 A, L3 B, L6 B (L2 and L4 ordered); li's only lead L5 is lost.
    assert selectors.leads_by_grade(month, today=TODAY).rows == [("张伟", [0, 1, 2, 0, 3])]
    # Overdue today: L1 (due 11-16, A) and L6 (due 11-07, B); L3 is due 11-28.
    overdue = selectors.overdue_by_consultant(month, today=TODAY)
    assert overdue.rows == [("张伟", [0, 1, 1, 0, 2])]
    assert overdue.totals == [0, 1, 1, 0, 2]


def test_a_consultants_own_figures(zhangs_month, world):
    assert selectors.visits_by_day(zhangs_month).totals == [5, 1, 6]  # V1–V6
    assert selectors.no_phone_by_consultant(zhangs_month).rows == [("张伟", [6, 1, 16.7])]
    assert [values[0] for _label, values in selectors.funnel(zhangs_month).rows] == [6, 5, 4, 1, 1, 2, 1]
    assert selectors.traffic_by_slot(zhangs_month).totals == [2, 0, 0, 0, 0, 3, 0, 5]  # not V7, V8, V9
    li = Scope(showroom=world.li.showroom, start=nov(1), end=nov(21), consultant=world.li)
    assert selectors.leads_by_grade(li, today=TODAY).rows == []


def test_a_period_of_its_own_and_an_empty_one(world):
    first_week = Scope(showroom=world.zhang.showroom, start=nov(1), end=nov(7))
    assert selectors.visits_by_day(first_week).totals == [5, 1, 6]  # V1, V2, V7, V8, V3 and the call V4
    october = Scope(showroom=world.zhang.showroom, start=nov(1).replace(month=10), end=nov(1).replace(month=10, day=31))
    assert selectors.by_source(october).rows == [("网络", [1, 1, 0])]  # V0 opened L6
    december = Scope(showroom=world.zhang.showroom, start=nov(1).replace(month=12), end=nov(1).replace(month=12, day=5))
    figures = selectors.dashboard_figures(december, today=TODAY)
    assert figures["funnel"].column("count") == [0, 0, 0, 0, 0, 0, 0]
    assert figures["funnel"].column("rate") == [None, None, None, None, None, None, None]
    assert figures["no_phone_by_consultant"].totals == [0, 0, None]


def test_every_figure_in_ten_queries_whatever_the_data(month, busier, django_assert_num_queries):
    # One per figure, two for the funnel, one for the two of open leads, one for the three that follow entries to
    # their leads (entry_outcomes), one for the two of online leads.
    with django_assert_num_queries(10):
        figures = selectors.dashboard_figures(month, today=TODAY)

    assert list(figures) == [
        "visits_by_day",
        "visits_by_weekday",
        "visits_by_day_of_month",
        "traffic_by_slot",
        "no_phone_by_consultant",
        "duration_against_orders",
        "by_source",
        "by_district",
        "funnel",
        "leads_by_grade",
        "overdue_by_consultant",
        "online_by_platform",
        "online_by_consultant",
    ]
    # The busier showroom: three more consultants, each with two entries on 4 days and one more today.
    assert figures["visits_by_day"].totals == [8 + 27, 1, 9 + 27]
