"""The dashboard pages and their CSV exports: who sees what, the period, the charts' data, query counts."""

import csv
import io
import json
import re
from datetime import date

import pytest
from django.urls import reverse

from reports.analytics import selectors
from tests.reports.conftest import nov

DASHBOARD_URL = reverse("reports:dashboard")
# The tests' figures are November's (the world also has a few late-October entries the default 30 days include).
THIS_MONTH = {"start": "2026-11-01", "end": "2026-11-21"}


def csv_url(key: str) -> str:
    return reverse("reports:dashboard_csv", kwargs={"key": key})


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # Excel reads UTF-8 only with the mark
    return list(csv.reader(io.StringIO(body[1:])))


def chart_data(html: str, key: str) -> dict:
    match = re.search(rf'<script id="chart-data-{key}" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_the_dashboard_opens_on_the_last_30_days_against_the_30_before(world, client_for):
    response = client_for(world.manager).get(DASHBOARD_URL)

    scope, previous = response.context["scope"], response.context["previous"]
    assert (scope.start, scope.end, scope.consultant) == (date(2026, 10, 23), nov(21), None)
    assert (previous.start, previous.end) == (date(2026, 9, 23), date(2026, 10, 22))
    funnel = {label: values[0] for label, values in response.context["cards"][8]["figure"].rows}
    figures = response.context["key_figures"]
    assert [figure.value for figure in figures] == [list(funnel.values())[row] for row in (0, 2, 4, 5, 6)]
    assert all(figure.value > 0 and figure.previous == 0 for figure in figures), "the world's data is all in November"
    html = response.content.decode()
    # An arrow and a sign for each rise, readable without colour; the previous period is named.
    assert html.count('<span aria-hidden="true">▲</span>') == len(figures)
    assert f"+{figures[0].value}" in html
    assert "2026-09-23 – 2026-10-22" in html


def test_a_fall_is_measured_against_the_previous_figure(world):
    # 21 empty days of September against November's first 21.
    figures = selectors.key_figures(
        current=selectors.funnel(selectors.Scope(world.manager.showroom, date(2026, 9, 1), date(2026, 9, 21))),
        previous=selectors.funnel(selectors.Scope(world.manager.showroom, nov(1), nov(21))),
    )
    assert all(figure.delta < 0 and figure.change == -100.0 and figure.size == figure.previous for figure in figures)


def test_the_manager_sees_the_showroom_for_the_period_asked(world, client_for):
    response = client_for(world.manager).get(DASHBOARD_URL, {"start": "2026-11-01", "end": "2026-11-21"})

    assert response.status_code == 200
    scope = response.context["scope"]
    assert (scope.start, scope.end, scope.consultant) == (nov(1), nov(21), None)
    html = response.content.decode()
    # Every chart has its canvas and its data; the traffic table is a heatmap beside its chart.
    keys = [card["key"] for card in response.context["cards"]]
    assert len(keys) == 13
    for key in keys:
        assert f'data-chart="chart-data-{key}"' in html
        assert f'href="{csv_url(key)}?start=2026-11-01&amp;end=2026-11-21"' in html
    assert 'id="traffic-heatmap"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html and "js/dashboard.js" in html
    by_day = chart_data(html, "visits_by_day")
    assert by_day["labels"][:3] == ["11-01", "11-02", "11-03"]
    assert [dataset["label"] for dataset in by_day["datasets"]] == ["来店", "来电"]
    assert by_day["datasets"][0]["data"][:3] == [0, 2, 2]  # walk-ins on the 1st, 2nd (V1, V2), 3rd (V7, V8)
    assert by_day["stacked"] is True
    duration = chart_data(html, "duration_against_orders")
    assert duration["datasets"][1] == {
        "label": "成交率",
        "data": [0.0, 0.0, 33.3, 100.0, 0.0, 100.0],
        "color": "#dc3545",
        "line": True,
    }


def test_the_heatmap_shades_the_busiest_cell_darkest(world, client_for):
    html = client_for(world.manager).get(DASHBOARD_URL, THIS_MONTH).content.decode()

    table = re.search(r'<table[^>]*id="traffic-heatmap".*?</table>', html, re.S).group(0)
    # Saturday 10:00–12:00 holds 2 walk-ins, the most of any cell: full shade, white text; an empty cell: none.
    assert 'style="background-color: rgba(13, 110, 253, 0.85); color: #fff;">2</td>' in table
    assert 'style="background-color: rgba(13, 110, 253, 0.42);">1</td>' in table  # 0.85 × 1 / 2 = 0.425, rounded
    assert 'style="background-color: rgba(13, 110, 253, 0.0);">0</td>' in table


def test_a_consultant_sees_only_their_own_figures_whatever_they_ask_for(world, client_for):
    client = client_for(world.zhang)

    for query in (
        THIS_MONTH,
        {**THIS_MONTH, "consultant": world.li.pk},
        {"start": "2026-11-01", "end": "2026-11-21", "consultant": world.li.pk},
    ):
        response = client.get(DASHBOARD_URL, query)
        assert response.status_code == 200
        assert response.context["scope"].consultant == world.zhang
        assert response.context["cards"][4]["figure"].rows == [("张伟", [6, 1, 16.7])]  # no_phone_by_consultant
    assert "consultant" not in response.context["form"].fields
    rows = read_csv(client.get(csv_url("no_phone_by_consultant"), {**THIS_MONTH, "consultant": world.li.pk}))
    assert rows == [
        ["销售顾问", "来店(电)批次", "未留电话", "未留电话占比"],
        ["张伟", "6", "1", "16.7"],
        ["合计", "6", "1", "16.7"],
    ]


def test_the_manager_looks_at_one_consultant(world, client_for):
    response = client_for(world.manager).get(
        DASHBOARD_URL, {"start": "2026-11-01", "end": "2026-11-21", "consultant": world.li.pk}
    )

    assert response.context["scope"].consultant == world.li
    assert response.context["cards"][0]["figure"].totals == [3, 0, 3]  # V7, V8, V9


def test_someone_of_another_showroom_is_not_found(world, client_for, other_manager):
    stranger = {"start": "2026-11-01", "end": "2026-11-21", "consultant": other_manager.pk}
    client = client_for(world.manager)

    assert client.get(DASHBOARD_URL, stranger).status_code == 404
    assert client.get(csv_url("funnel"), stranger).status_code == 404


def test_another_showrooms_manager_sees_only_their_own_showroom(world, client_for, other_manager):
    response = client_for(other_manager).get(DASHBOARD_URL)

    figures = {card["key"]: card["figure"] for card in response.context["cards"]}
    assert figures["visits_by_day"].totals == [1, 0, 1]  # 上海一店's one entry on the 10th
    assert figures["no_phone_by_consultant"].rows == [("吴磊", [1, 0, 0.0])]
    assert "张伟" not in response.content.decode()


def test_a_period_of_ones_own_and_a_wrong_one(world, client_for):
    client = client_for(world.manager)

    week = client.get(DASHBOARD_URL, {"start": "2026-11-01", "end": "2026-11-07"})
    assert week.context["cards"][0]["figure"].totals == [5, 1, 6]
    backwards = client.get(DASHBOARD_URL, {"start": "2026-11-10", "end": "2026-11-01"})
    assert backwards.context["form"].errors == {"end": ["结束日期不能早于开始日期。"]}
    assert (backwards.context["scope"].start, backwards.context["scope"].end) == (date(2026, 10, 23), nov(21))
    too_long = client.get(DASHBOARD_URL, {"start": "2025-01-01", "end": "2026-11-21"})
    assert "end" in too_long.context["form"].errors


def test_each_charts_numbers_as_csv(world, client_for):
    client = client_for(world.manager)
    period = {"start": "2026-11-01", "end": "2026-11-21"}

    response = client.get(csv_url("by_source"), period)
    assert response["Content-Disposition"] == 'attachment; filename="by_source_2026-11-01_2026-11-21.csv"'
    assert read_csv(response) == [
        ["信息来源", "来店(电)批次", "意向客户", "订车"],
        ["网络", "5", "4", "1"],
        ["电视", "1", "0", "0"],
        ["亲友介绍", "2", "1", "1"],
        ["路过", "1", "0", "0"],
        ["合计", "9", "5", "2"],
    ]
    funnel = read_csv(client.get(csv_url("funnel"), period))
    assert [row[1:] for row in funnel] == [["数量", "比率"], ["9", ""], ["6", "66.7"], ["5", ""], ["1", "20.0"],
                                           ["1", "20.0"], ["2", "40.0"], ["1", "50.0"]]  # fmt: skip
    assert client.get(csv_url("nothing_of_the_kind"), period).status_code == 404


@pytest.mark.parametrize("role", ["manager", "zhang"])
def test_the_dashboard_runs_the_same_queries_however_much_data(
    world, request, client_for, role, django_assert_num_queries
):
    user = world.manager if role == "manager" else world.zhang
    client = client_for(user)
    # The session, the user, the savepoint of the request's transaction and its release, the showroom, the
    # permissions (2), the navbar's due count; ten for the figures, two for the previous period's funnel; the
    # manager's consultant list is one more.
    expected = 21 if role == "manager" else 20
    with django_assert_num_queries(expected):
        client.get(DASHBOARD_URL)
    with django_assert_num_queries(9):  # as the page without the navbar, and only the funnel's two
        read_csv(client.get(csv_url("funnel")))

    request.getfixturevalue("busier")

    with django_assert_num_queries(expected):
        response = client.get(DASHBOARD_URL)
    assert response.status_code == 200
    with django_assert_num_queries(9):
        read_csv(client.get(csv_url("funnel")))


def test_the_pages_speak_english_when_english_is_chosen(world, client_for):
    client = client_for(world.manager)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    dashboard = client.get(DASHBOARD_URL, THIS_MONTH).content.decode()
    review = client.get(reverse("reports:daily_review")).content.decode()

    assert (
        "Showroom dashboard" in dashboard and "Visitor batches per day" in dashboard and "展厅数据看板" not in dashboard
    )
    assert "Daily reports review" in review and "Follow-ups due and not done" in review
    rows = read_csv(client.get(csv_url("by_source"), THIS_MONTH))
    assert rows[0] == ["Information source", "Visitors", "Leads", "Orders"]
    assert rows[1] == ["Web", "5", "4", "1"]
