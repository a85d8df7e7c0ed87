"""The tracker's page is read off an index in its own order: PostgreSQL's plan for it has no sort of the open
leads, and the pending lost requests are looked up per shown row."""

import pytest
from django.db import connection

from leads.selectors.tracker import leads_visible_to, tracker_rows
from tests.conftest import TODAY
from tests.leads.test_lead_views import make_leads

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL plan")


def page_plan(user) -> str:
    page = tracker_rows(leads_visible_to(user), today=TODAY)[:25]
    with connection.cursor() as cursor:
        # A handful of test rows would be read sequentially and sorted whatever the indexes: ask the planner for
        # what it does when the table is too big for that (as in the benchmarks).
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = page.explain()
        cursor.execute("SET LOCAL enable_seqscan = on")
    return plan


@pytest.mark.parametrize("role", ["manager", "consultant"])
def test_the_trackers_page_comes_off_the_due_date_index_without_sorting_the_open_leads(
    request, make_visit, consultant, role
):
    make_leads(make_visit, consultant, 5)

    plan = page_plan(request.getfixturevalue(role))

    # lead_open_due (showroom, owner, ...) or lead_open_due_all (showroom, ...): both hold the tracker's order.
    assert "Index Scan using lead_open_due" in plan, plan
    assert "Sort" not in plan.replace("Incremental Sort", ""), plan
    assert "GroupAggregate" not in plan and "HashAggregate" not in plan, plan
