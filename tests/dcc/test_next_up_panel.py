"""The register's "next up" panel (dcc, through leads' registry): who is next for a walk-in now, taking the
customer and skipping a turn write the rotation's ledger and move "next up"; its cost is fixed."""

from datetime import time

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dcc.models import DutyShift, RotationTurn
from tests.conftest import TODAY
from tests.factories import UserFactory

REGISTER = reverse("leads:visit_list")


def on_shift(showroom, consultant, start="09:00", end="21:00", weight=1):
    return DutyShift.objects.create(
        showroom=showroom,
        consultant=consultant,
        day=TODAY,
        starts_at=time.fromisoformat(start),
        ends_at=time.fromisoformat(end),
        weight=weight,
    )


def next_up_on(response) -> list[str]:
    assert response.status_code == 200
    panel = dict(response.context["register_panels"]).get("dcc/register_next_up.html")
    return [person.consultant.username for person in panel["duty"]]


@pytest.fixture
def floor(frozen_clock, showroom, consultant, other_consultant):
    """15:30 on the suite's Saturday: 张伟 and 李娜 on shift, 王 off until the evening."""
    on_shift(showroom, consultant)
    on_shift(showroom, other_consultant)
    on_shift(showroom, UserFactory(username="wang", showroom=showroom), start="18:00")


def test_the_register_shows_who_is_next_up_and_taking_the_customer_moves_it(client_for, floor, consultant, manager):
    client = client_for(consultant)
    first = next_up_on(client.get(REGISTER))
    assert first == ["zhang", "li"]  # nobody has had a turn yet: the lower id first; 王 is not on shift yet
    html = client.get(REGISTER).content.decode()
    assert 'id="next-up"' in html and reverse("dcc:rotation_take") in html

    response = client.post(reverse("dcc:rotation_take"))

    turn = RotationTurn.objects.get()
    assert (turn.consultant.username, turn.kind, turn.skipped, turn.recorded_by) == (
        first[0],
        RotationTurn.Kind.WALK_IN,
        False,
        consultant,
    )
    assert response["Location"] == REGISTER
    [message] = get_messages(response.wsgi_request)
    assert str(turn.consultant) in str(message)
    assert next_up_on(client.get(REGISTER)) == first[::-1]


def test_skipping_needs_a_reason_and_moves_next_up(client_for, floor, consultant, manager):
    client = client_for(manager)
    first, second = next_up_on(client.get(REGISTER))
    assert first == consultant.username
    first_pk = consultant.pk
    skip = reverse("dcc:rotation_skip")

    client.post(skip, {"consultant": first_pk, "skip_reason": "  "})
    assert not RotationTurn.objects.exists()

    client.post(skip, {"consultant": first_pk, "skip_reason": "还在接待上一位客户"})
    turn = RotationTurn.objects.get()
    assert (turn.consultant.username, turn.skipped, turn.skip_reason) == (first, True, "还在接待上一位客户")
    assert next_up_on(client.get(REGISTER))[0] == second

    # The page showed `first`; since then the rotation moved on: a stale skip is refused, not given to `second`.
    client.post(skip, {"consultant": first_pk, "skip_reason": "午饭"})
    assert RotationTurn.objects.count() == 1


def test_nobody_on_shift_is_said_and_nobody_is_given_the_customer(client_for, frozen_clock, consultant):
    response = client_for(consultant).get(REGISTER)
    assert next_up_on(response) == []
    assert 'id="next-up-nobody"' in response.content.decode()
    assert client_for(consultant).post(reverse("dcc:rotation_take")).status_code == 302
    assert not RotationTurn.objects.exists()


def count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(REGISTER)
    assert response.status_code == 200
    return len(queries)


# The register's own with the panel's one query when nobody is on shift (tests/leads/test_visit_list.py,
# LIST_QUERIES = 15), and two more with people on shift: their turns today, their unanswered online leads.
PANEL_QUERIES = 15 + 2


def test_the_register_with_the_panel_runs_as_many_queries_for_many_on_shift_as_for_two(
    client_for, floor, showroom, consultant, manager, make_visit
):
    make_visit(consultant=consultant)
    client = client_for(manager)
    client.get(REGISTER)  # warm-up
    client.post(reverse("dcc:rotation_take"))
    two = count_queries(client)
    for n in range(6):
        on_shift(showroom, UserFactory(username=f"extra{n}", showroom=showroom))
    client.post(reverse("dcc:rotation_take"))
    many = count_queries(client)

    assert two == many == PANEL_QUERIES
