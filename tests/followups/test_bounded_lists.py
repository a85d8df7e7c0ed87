"""Today and the overdue board show the first TODAY_GROUP_LIMIT leads of each group with the group's total, and
link to the rest in the tracker: their cost does not grow with a consultant's backlog."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from tests.conftest import TODAY
from tests.factories import UserFactory
from tests.followups.test_views import BOARD_QUERIES, BOARD_URL, TODAY_QUERIES, TODAY_URL, page_queries, today_rows

DAY = timedelta(days=1)
TRACKER_URL = reverse("leads:lead_list")


@pytest.fixture
def limit_3(settings):
    settings.TODAY_GROUP_LIMIT = 3


def group_header(html: str, grade: str) -> str:
    return re.search(rf'data-grade="{grade}">\s*<div class="card-header.*?</div>', html, re.S).group(0)


def tracker_leads(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr class="[^"]*" data-lead="(\d+)">', html)]


def test_today_shows_the_first_leads_of_each_grade_most_overdue_first_with_the_grades_total(
    limit_3, lead_due, client_for, consultant
):
    h_leads = [lead_due(consultant=consultant, due=TODAY - n * DAY, grade="H") for n in range(5)]
    b_leads = [lead_due(consultant=consultant, due=TODAY - n * DAY, grade="B") for n in (3, 1)]
    lead_due(consultant=consultant, due=TODAY + DAY, grade="H")  # not due yet: not counted

    html = client_for(consultant).get(TODAY_URL).content.decode()

    most_overdue_h = [lead.pk for lead in reversed(h_leads)][:3]
    assert list(today_rows(html)) == most_overdue_h + [lead.pk for lead in b_leads]
    assert "5 follow-ups" in group_header(html, "H")
    assert "2 follow-ups" in group_header(html, "B")
    # Only a group with more than it shows links to the rest.
    assert f'href="{TRACKER_URL}?grade=H&amp;due=true"' in group_header(html, "H")
    assert "today-all" not in group_header(html, "B")


def test_the_link_from_a_today_group_lists_every_lead_of_that_grade_due_by_today_in_the_tracker(
    limit_3, lead_due, client_for, consultant
):
    due = [lead_due(consultant=consultant, due=TODAY - n * DAY, grade="H") for n in range(5)]
    lead_due(consultant=consultant, due=TODAY + DAY, grade="H")  # not due yet
    lead_due(consultant=consultant, due=TODAY - DAY, grade="A")  # another grade

    response = client_for(consultant).get(TRACKER_URL, {"grade": "H", "due": "true"})

    assert tracker_leads(response.content.decode()) == [lead.pk for lead in reversed(due)]


def test_a_grade_with_more_due_leads_than_the_count_cap_says_more_than(
    limit_3, settings, lead_due, client_for, consultant
):
    settings.LIST_COUNT_CAP = 4
    for n in range(6):
        lead_due(consultant=consultant, due=TODAY - n * DAY, grade="H")

    html = client_for(consultant).get(TODAY_URL).content.decode()

    assert "More than 4 follow-ups" in group_header(html, "H")
    assert len(today_rows(html)) == 3


def test_today_costs_the_same_queries_below_and_far_above_the_group_limit(limit_3, lead_due, client_for, consultant):
    client = client_for(consultant)

    def with_due_leads(per_grade: int, *, shown: int) -> int:
        for grade in ("H", "A", "C"):
            for n in range(per_grade):
                lead_due(consultant=consultant, due=TODAY - n * DAY, grade=grade)
        assert len(today_rows(client.get(TODAY_URL).content.decode())) == shown
        return page_queries(client, TODAY_URL)

    assert with_due_leads(1, shown=3) == with_due_leads(6, shown=9) == TODAY_QUERIES


def test_the_overdue_board_shows_each_consultants_worst_leads_first_their_full_counts_and_a_link_to_the_rest(
    limit_3, lead_due, client_for, showroom, consultant, other_consultant, manager
):
    long_c = lead_due(consultant=consultant, due=TODAY - 20 * DAY, grade="C")
    h_leads = [lead_due(consultant=consultant, due=TODAY - n * DAY, grade="H") for n in (1, 4, 2)]
    lead_due(consultant=other_consultant, due=TODAY - DAY, grade="H")

    html = client_for(manager).get(BOARD_URL).content.decode()

    cards = html.split('class="card mb-3 overdue-consultant"')[1:]
    zhang = next(card for card in cards if "张伟" in card)
    li = next(card for card in cards if "李娜" in card)
    shown = [int(pk) for pk in re.findall(r'href="/leads/(\d+)/"', zhang)]
    assert shown == [h_leads[1].pk, h_leads[2].pk, h_leads[0].pk]  # H before C, the most overdue first
    assert long_c.pk not in shown
    assert "H overdue: 3" in zhang and "Others long overdue: 1" in zhang
    assert f'href="{TRACKER_URL}?owner={consultant.pk}&amp;overdue=true"' in zhang
    assert "overdue-all" not in li


def test_the_overdue_board_costs_the_same_queries_below_and_far_above_the_limit(
    limit_3, lead_due, client_for, showroom, manager
):
    consultants = UserFactory.create_batch(2, showroom=showroom)
    client = client_for(manager)

    def with_overdue_leads(per_consultant: int) -> int:
        for consultant in consultants:
            for n in range(per_consultant):
                lead_due(consultant=consultant, due=TODAY - (n + 1) * DAY, grade="H")
                lead_due(consultant=consultant, due=TODAY - (n + 20) * DAY, grade="B")
        return page_queries(client, BOARD_URL)

    assert with_overdue_leads(1) == with_overdue_leads(5) == BOARD_QUERIES


def test_the_overdue_board_says_at_least_when_a_consultant_has_more_than_the_count_cap(
    limit_3, settings, lead_due, client_for, consultant, manager
):
    settings.LIST_COUNT_CAP = 2
    for n in range(1, 5):
        lead_due(consultant=consultant, due=TODAY - n * DAY, grade="H")

    html = client_for(manager).get(BOARD_URL).content.decode()

    assert "H overdue: 2+" in html
    assert len(re.findall(r'href="/leads/\d+/"', html)) == 3


def test_the_navigation_count_says_more_than_the_cap_instead_of_counting_a_whole_backlog(
    settings, lead_due, client_for, consultant
):
    settings.LIST_COUNT_CAP = 2
    client = client_for(consultant)
    for n in range(2):
        lead_due(consultant=consultant, due=TODAY - n * DAY, grade="A")
    assert re.search(r'id="nav-due-count">2<', client.get(TODAY_URL).content.decode())

    lead_due(consultant=consultant, due=TODAY, grade="B")

    assert re.search(r'id="nav-due-count">2\+<', client.get(TODAY_URL).content.decode())
