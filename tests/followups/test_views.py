"""The consultant's Today page, the count in the navigation, and the managers' overdue board."""

import re
from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leads.models import Lead
from tests.conftest import TODAY
from tests.factories import CarModelFactory, UserFactory
from tests.followups.conftest import local

DAY = timedelta(days=1)
TODAY_URL = reverse("followups:today")
BOARD_URL = reverse("followups:overdue_board")


def today_groups(html: str) -> list[str]:
    return re.findall(r'class="card mb-3 today-group" data-grade="(\w)"', html)


def today_rows(html: str) -> dict[int, tuple[bool, str]]:
    """{lead id: (marked overdue, the row's badge text)} in page order."""
    rows = re.findall(r'<li class="([^"]*\btoday-lead\b[^"]*)" data-lead="(\d+)">(.*?)</li>', html, re.S)
    return {
        int(pk): (
            "list-group-item-danger" in classes,
            re.search(r'<span class="badge[^"]*">(.*?)</span>', body).group(1),
        )
        for classes, pk, body in rows
    }


def board_rows(html: str) -> list[tuple[str, str, str]]:
    """(consultant, H badge, others badge) per consultant card, in page order."""
    return re.findall(
        r'<span class="fw-semibold me-auto">(.*?)</span>\s*'
        r'<span class="badge text-bg-danger">(.*?)</span>\s*<span class="badge text-bg-warning">(.*?)</span>',
        html,
    )


# --- Today ------------------------------------------------------------------------------------------------------


def test_today_lists_due_and_overdue_leads_grouped_by_grade_h_first_with_the_overdue_marked(
    lead_due, record_contact, client_for, consultant, other_consultant
):
    c_late = lead_due(consultant=consultant, due=TODAY - 20 * DAY, grade="C")
    a_today = lead_due(consultant=consultant, due=TODAY, grade="A")
    h_late = lead_due(consultant=consultant, due=TODAY - 2 * DAY, grade="H")
    h_today = lead_due(consultant=consultant, due=TODAY, grade="H")
    lead_due(consultant=consultant, due=TODAY + DAY, grade="H")  # tomorrow
    lead_due(consultant=other_consultant, due=TODAY, grade="H")  # someone else's
    ordered = lead_due(consultant=consultant, due=TODAY - DAY, grade="B")
    record_contact(ordered, grade="O", kind="order")

    response = client_for(consultant).get(TODAY_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert today_groups(html) == ["H", "A", "C"]
    assert today_rows(html) == {
        h_late.pk: (True, "2 days overdue"),
        h_today.pk: (False, "due today"),
        a_today.pk: (False, "due today"),
        c_late.pk: (True, "20 days overdue"),
    }
    assert list(today_rows(html)) == [h_late.pk, h_today.pk, a_today.pk, c_late.pk]
    assert reverse("leads:contact_create", args=[h_late.pk]) in html


def test_today_says_nothing_is_due_when_nothing_is(lead_due, client_for, consultant):
    lead_due(consultant=consultant, due=TODAY + DAY, grade="H")

    response = client_for(consultant).get(TODAY_URL)

    assert response.status_code == 200
    assert 'id="today-empty"' in response.content.decode()
    assert today_rows(response.content.decode()) == {}


def test_today_uses_the_showroom_local_date_just_after_midnight(lead_due, client_for, consultant, frozen_clock):
    lead = lead_due(consultant=consultant, due=TODAY + DAY, grade="H")
    frozen_clock.move_to(local(consultant.showroom, date(2026, 11, 22), 0, 5))  # still the 21st in UTC

    response = client_for(consultant).get(TODAY_URL)

    assert today_rows(response.content.decode()) == {lead.pk: (False, "due today")}


def test_today_needs_a_login(client_for, db):
    response = client_for(None).get(TODAY_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_navigation_count_is_the_users_due_and_overdue_leads(lead_due, client_for, consultant, other_consultant):
    lead_due(consultant=consultant, due=TODAY, grade="A")
    lead_due(consultant=consultant, due=TODAY - 3 * DAY, grade="H")
    lead_due(consultant=consultant, due=TODAY + DAY, grade="H")
    lead_due(consultant=other_consultant, due=TODAY, grade="H")

    response = client_for(consultant).get(TODAY_URL)

    assert response.context["due_follow_up_count"]() == 2


def nav_due_count(html: str) -> str | None:
    """The number in the navigation's Today link, if it shows one."""
    nav = html.split("<main")[0]
    link = re.search(rf'<a[^>]*href="{TODAY_URL}"[^>]*id="nav-today"[^>]*>(.*?)</a>', nav, re.S)
    assert link is not None, "no Today link in the navigation"
    badge = re.search(r'id="nav-due-count">(\d+)<', link.group(1))
    return badge.group(1) if badge else None


def test_the_navigation_shows_the_count_beside_today_on_every_page(lead_due, client_for, consultant):
    lead_due(consultant=consultant, due=TODAY, grade="A")
    lead_due(consultant=consultant, due=TODAY - 3 * DAY, grade="H")

    html = client_for(consultant).get(reverse("leads:visit_list")).content.decode()

    assert nav_due_count(html) == "2"


def test_the_navigation_shows_no_count_when_nothing_is_due(lead_due, client_for, consultant):
    lead_due(consultant=consultant, due=TODAY + DAY, grade="A")

    html = client_for(consultant).get(TODAY_URL).content.decode()

    assert nav_due_count(html) is None


def test_an_administrator_without_a_showroom_lands_on_an_empty_today_page(client_for, db):
    admin = UserFactory(showroom=None, role="admin")

    response = client_for(admin).get(reverse("home"), follow=True)

    assert response.redirect_chain == [(TODAY_URL, 302)]
    assert response.status_code == 200
    assert 'id="today-empty"' in response.content.decode()


# --- The overdue board ----------------------------------------------------------------------------------------------


def test_the_overdue_board_shows_each_consultants_seriously_overdue_leads_worst_first(
    lead_due, client_for, showroom, consultant, other_consultant, manager, other_manager, make_visit
):
    lead_due(consultant=other_consultant, due=TODAY - DAY, grade="H")
    lead_due(consultant=other_consultant, due=TODAY - 2 * DAY, grade="H")
    long_b = lead_due(consultant=consultant, due=TODAY - 8 * DAY, grade="B")
    in_time_b = lead_due(consultant=consultant, due=TODAY - 7 * DAY, grade="B")  # exactly one interval: not yet
    h_today = lead_due(consultant=consultant, due=TODAY, grade="H")  # due, not overdue

    html = client_for(manager).get(BOARD_URL).content.decode()

    assert board_rows(html) == [
        ("李娜", "H overdue: 2", "Others long overdue: 0"),
        ("张伟", "H overdue: 0", "Others long overdue: 1"),
    ]
    assert reverse("leads:lead_detail", args=[long_b.pk]) in html
    assert reverse("leads:lead_detail", args=[in_time_b.pk]) not in html
    assert reverse("leads:lead_detail", args=[h_today.pk]) not in html
    assert "8 days" in html
    assert board_rows(client_for(other_manager).get(BOARD_URL).content.decode()) == []


def test_the_overdue_board_is_for_managers_only(client_for, consultant, manager):
    assert client_for(consultant).get(BOARD_URL).status_code == 403
    assert client_for(manager).get(BOARD_URL).status_code == 200
    assert client_for(UserFactory(showroom=None, role="admin")).get(BOARD_URL).status_code == 200
    anonymous = client_for(None).get(BOARD_URL)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))


# --- Cost ------------------------------------------------------------------------------------------------------------


def page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# Session, user, savepoint, showroom, the grades' totals, the first due leads of each grade, their car models,
# the user's and the groups' permissions, the navigation's due count, release.
TODAY_QUERIES = 11
# Session, user, savepoint, permissions (2), showroom, counts per consultant, the leads, the consultants,
# the navigation's due count, release.
BOARD_QUERIES = 11


def test_the_today_page_makes_the_same_fixed_number_of_queries_for_3_and_30_due_leads(lead_due, client_for, consultant):
    client = client_for(consultant)
    car_model = CarModelFactory()

    def with_due_leads(n: int) -> int:
        while Lead.objects.filter(next_follow_up__lte=TODAY).count() < n:
            lead = lead_due(consultant=consultant, due=TODAY - DAY, grade="H")
            lead.car_models.add(car_model)
        html_rows = today_rows(client.get(TODAY_URL).content.decode())
        assert len(html_rows) == n
        return page_queries(client, TODAY_URL)

    few, many = with_due_leads(3), with_due_leads(30)

    assert few == many == TODAY_QUERIES


def test_the_overdue_board_makes_the_same_fixed_number_of_queries_for_3_and_30_overdue_leads(
    lead_due, client_for, showroom, manager
):
    consultants = UserFactory.create_batch(3, showroom=showroom)
    client = client_for(manager)

    def with_overdue_leads(n: int) -> int:
        while Lead.objects.count() < n:
            lead_due(consultant=consultants[Lead.objects.count() % 3], due=TODAY - DAY, grade="H")
        return page_queries(client, BOARD_URL)

    few, many = with_overdue_leads(3), with_overdue_leads(30)

    assert few == many == BOARD_QUERIES
