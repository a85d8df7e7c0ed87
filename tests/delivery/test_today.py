"""Callbacks on the consultant's Today list, in the navigation's count and in the morning digest, through
followups' registry (delivery registers them; followups never imports delivery)."""

import re
from datetime import datetime, timedelta

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delivery import services
from delivery.models import Callback
from followups.services import digests_send
from followups.today import due_counts, registered_sections
from tests.conftest import SHANGHAI, TODAY
from tests.followups.conftest import next_phone

TODAY_URL = reverse("followups:today")
DAY = timedelta(days=1)


def today_callbacks(html: str) -> dict[int, bool]:
    """{callback id: marked overdue} of the Today page's callbacks section, in page order."""
    rows = re.findall(r'<li class="([^"]*\btoday-callback\b[^"]*)" data-callback="(\d+)">', html)
    return {int(pk): "list-group-item-danger" in classes for classes, pk in rows}


def make_due(callback, day):
    Callback.objects.filter(pk=callback.pk).update(due_date=day)


def test_delivery_registers_its_callbacks_section_with_followups():
    assert "callbacks" in [section.key for section in registered_sections()]


def test_today_lists_the_callbacks_due_and_overdue(frozen_clock, delivered, client_for, consultant, other_consultant):
    mine = delivered()
    late, due, later = (mine.callbacks.get(step=step) for step in (1, 2, 3))
    make_due(late, TODAY - 2 * DAY)
    make_due(due, TODAY)
    done = delivered().callbacks.get(step=1)
    make_due(done, TODAY)
    services.callback_record(callback=done, by=consultant, reached=True, satisfaction=5)
    colleagues = delivered(consultant=other_consultant).callbacks.get(step=1)
    make_due(colleagues, TODAY)

    html = client_for(consultant).get(TODAY_URL).content.decode()

    assert today_callbacks(html) == {late.pk: True, due.pk: False}
    assert "2 days overdue" in html and "3 weeks after delivery" in html
    record_url = reverse("delivery:callback_record", args=[late.pk])
    assert f"{record_url}?next=/today/" in html
    assert 'id="today-empty"' not in html
    assert later.pk not in today_callbacks(html)


def test_the_first_callback_is_due_three_days_after_delivery(frozen_clock, delivered, client_for, consultant):
    callback = delivered().callbacks.get(step=1)
    client = client_for(consultant)
    assert today_callbacks(client.get(TODAY_URL).content.decode()) == {}

    frozen_clock.move_to(datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI))

    assert today_callbacks(client.get(TODAY_URL).content.decode()) == {callback.pk: False}


def test_the_navigation_counts_due_leads_and_due_callbacks_in_one_query(
    frozen_clock, delivered, new_lead, client_for, consultant
):
    make_due(delivered().callbacks.get(step=1), TODAY)
    make_due(delivered().callbacks.get(step=2), TODAY - DAY)
    lead = new_lead(consultant=consultant, grade="H", phone=next_phone())
    lead.__class__.objects.filter(pk=lead.pk).update(next_follow_up=TODAY)

    with CaptureQueriesContext(connection) as queries:
        counts = due_counts(consultant, today=TODAY)

    assert (counts["leads"], counts["callbacks"]) == (1, 2)
    assert len(queries) == 1
    response = client_for(consultant).get(reverse("delivery:contract_list"))
    assert response.context["due_follow_up_count"]() == 3
    assert re.search(r'id="nav-due-count">3<', response.content.decode())


def test_the_digest_lists_the_days_callbacks_even_without_due_leads(frozen_clock, delivered, consultant):
    consultant.email = "zhang@example.com"
    consultant.language = "en"
    consultant.save()
    delivery = delivered()
    make_due(delivery.callbacks.get(step=1), TODAY)

    assert digests_send() == 1

    (message,) = mail.outbox
    assert message.subject == "2026-11-21: 1 follow-up due"
    assert "Callbacks to new owners due today:" in message.body
    assert delivery.contract.lead.customer_name in message.body and "3 days after delivery" in message.body
    assert "These customers are waiting for your call today:" not in message.body


# Session, user, savepoint, showroom, the due counts (leads and callbacks, one query), the grades' totals, the
# first due leads of each grade, their car models, the user's and the groups' permissions, the due callbacks with
# customer and car, release.
TODAY_WITH_CALLBACKS_QUERIES = 12


def test_the_today_page_makes_the_same_fixed_number_of_queries_for_3_and_30_due_callbacks(
    frozen_clock, delivered, new_lead, client_for, consultant, car_model
):
    for _ in range(2):
        lead = new_lead(consultant=consultant, grade="H", phone=next_phone())
        lead.car_models.add(car_model)
        lead.__class__.objects.filter(pk=lead.pk).update(next_follow_up=TODAY)
    client = client_for(consultant)

    def with_due_callbacks(n: int) -> int:
        while Callback.objects.filter(due_date__lte=TODAY).count() < n:
            make_due(delivered().callbacks.get(step=1), TODAY)
        assert len(today_callbacks(client.get(TODAY_URL).content.decode())) == n
        with CaptureQueriesContext(connection) as queries:
            assert client.get(TODAY_URL).status_code == 200
        return len(queries)

    few, many = with_due_callbacks(3), with_due_callbacks(30)

    assert few == many == TODAY_WITH_CALLBACKS_QUERIES
