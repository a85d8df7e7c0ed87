"""The shared register list: today's sheet by default, filters, search, pages, masking, edit buttons, queries."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leads.services import register as services
from tests.conftest import TODAY
from tests.factories import source
from tests.signing import sign_off_day


def names(response) -> list[str]:
    assert response.status_code == 200
    return [visit.customer_name for visit in response.context["object_list"]]


@pytest.fixture
def register(make_visit, consultant, other_consultant, other_manager, car_model, other_car_model):
    """A small register. Today: 王先生 (#1), 李女士 (#2), 赵先生 (#3).
    Earlier days: 孙女士, 周先生. Another showroom: 吴先生."""
    return {
        "王先生": make_visit(
            consultant=consultant,
            start="09:10",
            minutes=95,
            customer_name="王先生",
            phone="13800000001",
            grade="A",
            source=source("web"),
            car_model=car_model,
        ),
        "李女士": make_visit(
            consultant=other_consultant,
            start="10:00",
            kind="call",
            customer_name="李女士",
            phone="",
            no_phone=True,
            source=source("tv"),
        ),
        "赵先生": make_visit(
            consultant=consultant,
            start="11:00",
            customer_name="赵先生",
            phone="13900005678",
            grade="B",
            source=source("friends"),
            car_model=other_car_model,
        ),
        "孙女士": make_visit(
            consultant=consultant,
            day=TODAY - timedelta(days=1),
            customer_name="孙女士",
            phone="13700000003",
        ),
        "周先生": make_visit(
            consultant=other_consultant,
            day=TODAY - timedelta(days=2),
            customer_name="周先生",
            phone="13600000004",
        ),
        "吴先生": make_visit(consultant=other_manager, customer_name="吴先生", phone="13500000005"),
    }


@pytest.fixture
def zhang(client_for, consultant):
    return client_for(consultant)


def test_list_shows_todays_register_of_the_whole_showroom_newest_first(zhang, register):
    response = zhang.get(reverse("leads:visit_list"))

    assert names(response) == ["赵先生", "李女士", "王先生"]
    assert [visit.number for visit in response.context["object_list"]] == [3, 2, 1]


def test_list_shows_each_visits_times_and_duration(zhang, register):
    html = zhang.get(reverse("leads:visit_list")).content.decode()

    assert "<td>09:10–10:45</td>" in html
    assert re.search(r"<td[^>]*>1:35</td>", html)  # 95 minutes
    assert re.search(r"<td[^>]*>0:30</td>", html)


# Filter (query string, with fixture objects looked up by name)         expected entries
FILTERS = [
    ({"date_from": "-2", "date_to": "-1"}, ["孙女士", "周先生"]),
    ({"date_from": "-1"}, ["赵先生", "李女士", "王先生", "孙女士"]),
    ({"date_to": "-2"}, ["周先生"]),
    ({"consultant": "other_consultant"}, ["李女士"]),
    ({"kind": "call"}, ["李女士"]),
    ({"kind": "walk_in"}, ["赵先生", "王先生"]),
    ({"grade": "A"}, ["王先生"]),
    ({"source": "tv"}, ["李女士"]),
    ({"left_phone": "true"}, ["赵先生", "王先生"]),
    ({"left_phone": "false"}, ["李女士"]),
    ({"car_model": "car_model"}, ["王先生"]),
    ({"q": "赵"}, ["赵先生"]),
    ({"q": "女士", "date_from": "-2"}, ["李女士", "孙女士"]),
    ({"q": "13900005678"}, ["赵先生"]),
    ({"q": "+86 139-0000-5678"}, ["赵先生"]),
    ({"q": "139 0000 5678"}, ["赵先生"]),
    ({"q": "5678"}, ["赵先生"]),
    ({"q": "0001"}, ["王先生"]),
    ({"q": "13500000005"}, []),  # a customer of another showroom
    ({"q": "13700000003"}, ["孙女士"]),  # a search without dates looks through the whole register
    ({"q": "周"}, ["周先生"]),
    ({"grade": "B", "car_model": "other_car_model", "consultant": "consultant"}, ["赵先生"]),
]


@pytest.mark.parametrize(("params", "expected"), FILTERS, ids=[str(params) for params, _expected in FILTERS])
def test_filter_narrows_the_register(zhang, register, request, params, expected):
    query = {}
    for key, value in params.items():
        if key in ("date_from", "date_to"):
            value = (TODAY + timedelta(days=int(value))).isoformat()
        elif key in ("consultant", "car_model"):
            value = request.getfixturevalue(value).pk
        elif key == "source":
            value = source(value).pk
        query[key] = value

    response = zhang.get(reverse("leads:visit_list"), query)

    assert names(response) == expected


def test_list_is_paginated_by_25(zhang, make_visit, consultant):
    for minute in range(30):
        make_visit(consultant=consultant, start=f"09:{minute:02d}", minutes=1, customer_name=f"客户{minute + 1}")

    first = zhang.get(reverse("leads:visit_list"))
    second = zhang.get(reverse("leads:visit_list"), {"page": 2})

    assert first.context["paginator"].count == 30
    assert names(first) == [f"客户{n}" for n in range(30, 5, -1)]
    assert names(second) == [f"客户{n}" for n in range(5, 0, -1)]
    assert 'href="?&page=2"' in first.content.decode()


def test_pagination_links_keep_the_filters(zhang, make_visit, consultant):
    for minute in range(26):
        make_visit(consultant=consultant, start=f"09:{minute:02d}", minutes=1, kind="call")

    html = zhang.get(reverse("leads:visit_list"), {"kind": "call"}).content.decode()

    assert 'href="?kind=call&page=2"' in html


def phone_cell(html: str, customer: str) -> str:
    row = re.search(rf"<tr>(?:(?!</tr>).)*>{customer}</a>(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    return re.findall(r'<td class="font-monospace">(.*?)</td>', row, re.S)[0].strip()


def test_consultant_sees_own_customers_phone_in_full_and_colleagues_masked(
    zhang, register, make_visit, other_consultant
):
    make_visit(consultant=other_consultant, customer_name="钱先生", phone="13812345678", start="12:00")

    html = zhang.get(reverse("leads:visit_list")).content.decode()

    assert phone_cell(html, "赵先生") == "13900005678"
    assert phone_cell(html, "钱先生") == "138****5678"
    assert "13812345678" not in html


def test_manager_sees_every_phone_in_full(client_for, manager, register, make_visit, other_consultant):
    make_visit(consultant=other_consultant, customer_name="钱先生", phone="13812345678", start="12:00")

    html = client_for(manager).get(reverse("leads:visit_list")).content.decode()

    assert phone_cell(html, "赵先生") == "13900005678"
    assert phone_cell(html, "钱先生") == "13812345678"


def edit_links(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/register/(\d+)/edit/"', html)}


def test_consultant_gets_edit_buttons_only_on_own_entries(zhang, register):
    html = zhang.get(reverse("leads:visit_list")).content.decode()

    assert edit_links(html) == {register["王先生"].pk, register["赵先生"].pk}


def test_manager_gets_edit_buttons_on_every_entry(client_for, manager, register):
    html = client_for(manager).get(reverse("leads:visit_list")).content.decode()

    assert edit_links(html) == {register["王先生"].pk, register["李女士"].pk, register["赵先生"].pk}


def test_deleted_entry_leaves_the_list(zhang, register, manager):
    services.visit_delete(visit=register["李女士"], by=manager, reason="重复登记")

    assert names(zhang.get(reverse("leads:visit_list"))) == ["赵先生", "王先生"]


def test_consultant_sees_whether_today_was_signed_off(zhang, register, manager):
    before = zhang.get(reverse("leads:visit_list")).content.decode()
    sign_off_day(showroom=manager.showroom, day=TODAY, by=manager)
    after = zhang.get(reverse("leads:visit_list")).content.decode()

    assert 'id="today-signed-off"' not in before
    assert re.search(r'id="today-signed-off">.*刘强.*15:30', after)
    assert edit_links(after) == set()  # the day's entries are locked


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# session, user, SAVEPOINT (ATOMIC_REQUESTS inside the test's transaction), the user's showroom, the capped count,
# the rows with their consultant/model/source/district, sign-off state of the shown days and today (one query),
# RELEASE SAVEPOINT, the permissions (user and groups), the filter form's consultants, sources, models, the
# due follow-ups count in the navigation, and the DCC panel's shifts now (nobody on shift: its one query; the
# panel with people on shift is counted in tests/dcc/test_next_up_panel.py).
LIST_QUERIES = 15


@pytest.mark.parametrize("user", ["consultant", "manager"])
def test_register_list_runs_as_many_queries_for_50_rows_as_for_5(
    client_for, make_visit, consultant, other_consultant, request, user
):
    client = client_for(request.getfixturevalue(user))
    url = reverse("leads:visit_list")

    def log(count):
        for n in range(count):
            make_visit(
                consultant=(consultant, other_consultant)[n % 2],
                start=f"{8 + n // 10:02d}:{n % 10 * 5:02d}",
                minutes=4,
                car_model=None,
                phone=f"138{n:08d}",
            )

    log(5)
    client.get(url)  # warm-up: first-request caches are not what this test is about
    with_5 = count_queries(client, url)
    log(45)
    with_50 = count_queries(client, url)

    assert with_5 == with_50
    assert with_50 == LIST_QUERIES
