"""The Today list's registry (followups.today): other apps add sections without followups importing them. A
stand-in section here ("ordered leads to thank") shows how any app's section joins the page, the count and the
digest, and that a section with nothing due costs no query."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from followups import today as registry
from followups.services import digests_send
from leads.models import Lead
from tests.conftest import TODAY
from tests.followups.test_views import TODAY_QUERIES

TODAY_URL = reverse("followups:today")
CALLS = []


def thank_due(user, day):
    return Lead.objects.filter(owner=user, status="ordered")


def thank_items(user, day):
    CALLS.append(user.pk)
    return list(thank_due(user, day).order_by("pk"))


@pytest.fixture
def thank_section(tmp_path, settings):
    """The stand-in section with its two templates, registered for the test only (the real ones put back)."""
    (tmp_path / "thank.html").write_text(
        '<div id="thank">{% for lead in items %}<span class="thank" data-lead="{{ lead.pk }}">{{ lead.customer_name }}'
        "</span>{% endfor %}</div>",
        encoding="utf-8",
    )
    (tmp_path / "thank.txt").write_text("{% for lead in items %}\nTHANK {{ lead.customer_name }}{% endfor %}\n")
    templates = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    saved = dict(registry._sections)
    registry._sections.clear()
    section = registry.TodaySection(
        key="thank", due=thank_due, items=thank_items, template="thank.html", digest_template="thank.txt"
    )
    registry.register_section(section)
    CALLS.clear()
    with override_settings(TEMPLATES=templates):
        yield section
    registry._sections.clear()
    registry._sections.update(saved)


def test_the_leads_key_is_followups_own():
    with pytest.raises(ValueError):
        registry.register_section(
            registry.TodaySection(key="leads", due=thank_due, items=thank_items, template="", digest_template="")
        )


def test_a_registered_section_shows_after_the_due_leads(
    thank_section, lead_due, record_contact, client_for, consultant
):
    due = lead_due(consultant=consultant, due=TODAY, grade="A", name="赵先生")
    ordered = lead_due(consultant=consultant, due=TODAY, grade="B", name="钱女士")
    record_contact(ordered, grade="O", kind="order")

    html = client_for(consultant).get(TODAY_URL).content.decode()

    assert html.index(f'data-lead="{due.pk}"') < html.index('id="thank"')
    assert re.findall(r'class="thank" data-lead="(\d+)"', html) == [str(ordered.pk)]


def test_every_kinds_count_is_one_query_and_the_navigation_adds_them_up(
    thank_section, lead_due, record_contact, client_for, consultant
):
    lead_due(consultant=consultant, due=TODAY, grade="A")
    record_contact(lead_due(consultant=consultant, due=TODAY, grade="B"), grade="O", kind="order")
    record_contact(lead_due(consultant=consultant, due=TODAY, grade="B"), grade="O", kind="order")

    with CaptureQueriesContext(connection) as queries:
        counts = registry.due_counts(consultant, today=TODAY)

    assert (counts, len(queries)) == ({"leads": 1, "thank": 2}, 1)
    assert client_for(consultant).get(TODAY_URL).context["due_follow_up_count"]() == 3


def test_a_section_with_nothing_due_is_not_queried_and_the_page_costs_what_it_did(
    thank_section, lead_due, client_for, consultant
):
    lead_due(consultant=consultant, due=TODAY, grade="A")
    client = client_for(consultant)

    with CaptureQueriesContext(connection) as queries:
        html = client.get(TODAY_URL).content.decode()

    assert CALLS == []
    assert 'id="thank"' not in html
    assert len(queries) == TODAY_QUERIES


def test_the_digest_carries_the_sections_lines(thank_section, lead_due, record_contact, consultant):
    consultant.email = "zhang@example.com"
    consultant.save()
    record_contact(lead_due(consultant=consultant, due=TODAY, grade="B", name="孙先生"), grade="O", kind="order")

    assert digests_send() == 1
    assert "THANK 孙先生" in mail.outbox[0].body
