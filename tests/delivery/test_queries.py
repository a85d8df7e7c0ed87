"""Every list makes a fixed number of queries, however many rows it shows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delivery import services
from delivery.models import Callback, Complaint, Contract, Delivery
from tests.conftest import TODAY
from tests.delivery.conftest import TOMORROW, at

NEXT_MONDAY = TOMORROW + timedelta(days=1)  # the suite's today is Saturday 21 November 2026


def page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# Session, user, savepoint, showroom, the user's and the groups' permissions, settings, the week's deliveries
# with customer, car and consultant, the navigation's due count, release.
WEEK_QUERIES = 10


@pytest.mark.parametrize("role", ["consultant", "manager"])
def test_the_week_view_makes_the_same_fixed_number_of_queries_for_2_and_20_deliveries(
    request, frozen_clock, signed, book, client_for, consultant, other_consultant, role
):
    client = client_for(request.getfixturevalue(role))
    showroom = consultant.showroom

    def with_deliveries(n: int) -> int:
        while Delivery.objects.count() < n:
            k = Delivery.objects.count()
            owner = consultant if k % 2 else other_consultant
            book(
                signed(consultant=owner),
                starts_at=at(showroom, NEXT_MONDAY + timedelta(days=k // 9), f"{9 + k % 9}:00"),
            )
        return page_queries(client, reverse("delivery:week_of", args=[NEXT_MONDAY]))

    few, many = with_deliveries(2), with_deliveries(20)
    assert few == many == WEEK_QUERIES


# Session, user, savepoint, permissions (2), showroom, the count (capped), the page of callbacks with customer,
# car and consultant, the tabs' counts per state, release, the navigation's due count; a manager's page also lists
# the consultants to filter by.
CALLBACK_LIST_QUERIES = {"consultant": 11, "manager": 12}


@pytest.mark.parametrize("role", ["consultant", "manager"])
def test_the_callback_list_makes_the_same_fixed_number_of_queries_for_2_and_20_callbacks(
    request, frozen_clock, delivered, client_for, role
):
    client = client_for(request.getfixturevalue(role))

    def with_due_callbacks(n: int) -> int:
        while Callback.objects.filter(due_date__lte=TODAY).count() < n:
            callback = delivered().callbacks.get(step=1)
            Callback.objects.filter(pk=callback.pk).update(due_date=TODAY)
        return page_queries(client, reverse("delivery:callback_list"))

    few, many = with_due_callbacks(2), with_due_callbacks(20)
    assert few == many == CALLBACK_LIST_QUERIES[role]


# Session, user, savepoint, permissions (2), showroom, the count (capped), the page of complaints with owner,
# customer and car, release, the navigation's due count; a manager's page also lists the owners to filter by.
COMPLAINT_LIST_QUERIES = {"consultant": 10, "manager": 11}


@pytest.mark.parametrize("role", ["consultant", "manager"])
def test_the_complaint_list_makes_the_same_fixed_number_of_queries_for_2_and_20_complaints(
    request, frozen_clock, delivered, client_for, role
):
    client = client_for(request.getfixturevalue(role))

    def with_complaints(n: int) -> int:
        while Complaint.objects.count() < n:
            delivery = delivered()
            services.complaint_open(delivery=delivery, by=delivery.consultant, description="异响")
        return page_queries(client, reverse("delivery:complaint_list"))

    assert with_complaints(2) == with_complaints(20) == COMPLAINT_LIST_QUERIES[role]


# Session, user, savepoint, permissions (2), the count (capped), release, showroom and due count for the
# navigation, the page of contracts with customer, car, consultant and delivery (the response renders after the
# view's transaction); a manager's page also lists the consultants to filter by.
CONTRACT_LIST_QUERIES = {"consultant": 10, "manager": 11}


@pytest.mark.parametrize("role", ["consultant", "manager"])
def test_the_contract_list_makes_the_same_fixed_number_of_queries_for_2_and_20_contracts(
    request, frozen_clock, signed, book, client_for, role
):
    client = client_for(request.getfixturevalue(role))

    def with_contracts(n: int) -> int:
        while Contract.objects.count() < n:
            contract = signed()
            if Contract.objects.count() % 2:
                book(contract)
        return page_queries(client, reverse("delivery:contract_list"))

    few, many = with_contracts(2), with_contracts(20)
    assert few == many == CONTRACT_LIST_QUERIES[role]


def history_page_queries(client, url: str) -> tuple[int, int]:
    """All the page's queries, and those that read the history (core_revision)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), sum('"core_revision"' in query["sql"] for query in queries.captured_queries)


def test_the_delivery_day_page_reads_its_history_in_one_query_however_long(
    frozen_clock, signed, book, client_for, consultant
):
    delivery = book(signed())
    client = client_for(consultant)
    url = reverse("delivery:delivery_day", args=[delivery.pk])
    client.get(url)  # the content types and the session, once

    short = history_page_queries(client, url)
    for note in ("上午", "下午", "傍晚"):
        delivery = services.delivery_book(
            contract=delivery.contract,
            by=consultant,
            starts_at=delivery.starts_at,
            consultant=consultant,
            service_advisor="孙师傅",
            notes=note,
            expected_version=delivery.version,
        )
    assert delivery.revisions.count() == 4

    assert history_page_queries(client, url) == short
    assert short[1] == 1


def test_the_complaint_page_reads_its_history_in_one_query_however_long(
    frozen_clock, delivered, client_for, consultant
):
    complaint = services.complaint_open(delivery=delivered(), by=consultant, description="异响")
    client = client_for(consultant)
    url = reverse("delivery:complaint_detail", args=[complaint.pk])
    client.get(url)

    short = history_page_queries(client, url)
    for step in ("电话致歉", "约到店", "已检查"):
        services.complaint_add_action(complaint=complaint, by=consultant, taken_on=TODAY, description=step)
    assert complaint.revisions.count() == 4

    # One more action is one more row in the same query of actions; the history stays one query.
    assert history_page_queries(client, url) == short
    assert short[1] == 1


def test_the_callback_page_reads_its_history_in_one_query(frozen_clock, delivered, client_for, consultant):
    callback = delivered().callbacks.get(step=1)
    services.callback_record(callback=callback, by=consultant, reached=True, satisfaction=5)
    client = client_for(consultant)
    url = reverse("delivery:callback_record", args=[callback.pk])
    client.get(url)

    assert history_page_queries(client, url)[1] == 1
