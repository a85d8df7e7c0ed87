"""The integrity page: what the app cannot produce, made here directly in the database (as an import, an admin
edit or a hand-written UPDATE would), and found; on data made through the app, nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse

from leads.models import Contact, Lead, LeadEvent, Visit
from leads.services.tracker import contact_record
from reports.analytics import selectors
from reports.models import ReportSettings
from tests.conftest import CURRENT_TIME, TODAY
from tests.factories import visit_times
from tests.reports.conftest import at, nov

INTEGRITY_URL = reverse("reports:integrity")


@pytest.fixture
def boss(world, client_for):
    return client_for(world.manager)


def checks(client) -> dict[str, list]:
    response = client.get(INTEGRITY_URL)
    assert response.status_code == 200
    return {name: response.context[name] for name in ("grades", "entries", "orders")}


def test_data_made_through_the_app_passes_every_check(world, boss):
    response = boss.get(INTEGRITY_URL)

    assert checks(boss) == {"grades": [], "entries": [], "orders": []}
    assert response.context["all_clear"]
    assert 'id="all-clear"' in response.content.decode()


def test_a_grade_written_straight_into_the_lead_is_found(world, boss):
    lead = world.leads["L1"]
    Lead.objects.filter(pk=lead.pk).update(grade="H")  # the admin, an import: no contact, no history

    (change,) = checks(boss)["grades"]
    assert (change.lead_id, change.owner, change.at, change.before, change.after, change.kind) == (
        lead.pk,
        "张伟",
        None,  # no event carries the change
        "A",  # the grade its history ends with (the call of 11-13)
        "H",
        "",
    )
    assert f'data-lead="{lead.pk}"' in boss.get(INTEGRITY_URL).content.decode()


def test_a_history_event_that_changes_the_grade_without_a_contact_is_found(world, boss):
    lead = world.leads["L3"]
    # A "details changed" event that moves the grade from B to H — and the lead with it, so the lead agrees
    # with its history and only the event is wrong.
    LeadEvent.objects.create(
        lead=lead, kind="edited", at=at(11, 21, 14), by=world.manager, grade="H", status="open", owner=world.zhang
    )
    Lead.objects.filter(pk=lead.pk).update(grade="H")

    (change,) = checks(boss)["grades"]
    assert (change.lead_id, change.at, change.before, change.after, change.kind) == (
        lead.pk,
        at(11, 21, 14),
        "B",
        "H",
        "edited",
    )


def test_a_contact_event_whose_grade_is_not_its_contacts_is_found(world, boss):
    lead = world.leads["L1"]
    event = LeadEvent.objects.get(contact__lead=lead, contact__occurred_at=at(11, 9, 16))  # the B→A call
    LeadEvent.objects.filter(pk=event.pk).update(grade="H")  # history says H, the contact says A

    (change,) = checks(boss)["grades"]
    # The contact moved the grade from B to A; no history event says so.
    assert (change.lead_id, change.at, change.before, change.after, change.kind) == (
        lead.pk,
        at(11, 9, 16),
        "B",
        "A",
        "contact",
    )


def test_a_lead_whose_grade_is_not_its_latest_events_is_found(world, boss):
    lead = world.leads["L1"]
    event = LeadEvent.objects.get(contact__lead=lead, contact__occurred_at=at(11, 13, 10))  # the A→A call, last
    LeadEvent.objects.filter(pk=event.pk).update(grade="H")

    (change,) = checks(boss)["grades"]
    assert (change.lead_id, change.at, change.before, change.after, change.kind) == (lead.pk, None, "H", "A", "")


def test_a_contact_event_without_its_contact_that_moves_the_grade_is_found(world, boss):
    lead = world.leads["L3"]  # B since the invitation of 11-20
    LeadEvent.objects.create(
        lead=lead, kind="contact", at=at(11, 21, 14), by=world.zhang, grade="H", status="open", owner=world.zhang
    )
    Lead.objects.filter(pk=lead.pk).update(grade="H")

    (change,) = checks(boss)["grades"]
    assert (change.lead_id, change.at, change.before, change.after, change.kind) == (
        lead.pk,
        at(11, 21, 14),
        "B",
        "H",
        "contact",
    )


def test_a_contact_moved_to_another_day_than_its_event_is_found(world, boss):
    lead = world.leads["L1"]
    contact = Contact.objects.get(lead=lead, occurred_at=at(11, 9, 16))  # B→A
    Contact.objects.filter(pk=contact.pk).update(occurred_at=at(11, 8, 16), contact_date=nov(8))

    (change,) = checks(boss)["grades"]
    # The contact now says the grade moved on the 8th; the history says the 9th.
    assert (change.lead_id, change.at, change.before, change.after, change.kind) == (
        lead.pk,
        at(11, 8, 16),
        "B",
        "A",
        "contact",
    )


def test_a_lead_without_any_history_is_found(world, boss):
    imported = Lead.objects.create(
        showroom=world.zhang.showroom, phone="13700000001", customer_name="导入客户", owner=world.zhang, grade="A"
    )

    (change,) = checks(boss)["grades"]
    assert (change.lead_id, change.before, change.after) == (imported.pk, "", "A")


def test_a_register_entry_with_a_phone_but_no_lead_is_found(world, boss):
    arrived, left = visit_times(world.zhang.showroom, TODAY, "14:00", 20)
    fields = dict(
        showroom=world.zhang.showroom,
        visit_date=TODAY,
        customer_name="导入",
        arrived_at=arrived,
        left_at=left,
        consultant=world.zhang,
        created_by=world.zhang,
    )
    orphan = Visit.objects.create(number=91, phone="13700000002", **fields)
    Visit.objects.create(number=92, no_phone=True, **fields)  # no phone: no lead expected
    Visit.objects.create(number=93, phone="13700000003", deleted_at=CURRENT_TIME, **fields)  # deleted: not counted

    assert [visit.pk for visit in checks(boss)["entries"]] == [orphan.pk]


def test_orders_without_a_delivery_after_the_showrooms_delay(world, boss, frozen_clock, make_lead):
    # L2 was delivered, L4 ordered today: fine. An order of 40 days ago with no delivery is not.
    frozen_clock.move_to(CURRENT_TIME - timedelta(days=40))
    old = make_lead(consultant=world.li, phone="13700000004", grade="A", day=(CURRENT_TIME - timedelta(days=40)).date())
    contact_record(
        lead=old,
        by=world.li,
        kind="order",
        occurred_at=CURRENT_TIME - timedelta(days=40),
        grade_after="O",
        expected_version=old.version,
    )
    frozen_clock.move_to(CURRENT_TIME - timedelta(days=20))
    recent = make_lead(
        consultant=world.li, phone="13700000005", grade="A", day=(CURRENT_TIME - timedelta(days=20)).date()
    )
    contact_record(
        lead=recent,
        by=world.li,
        kind="order",
        occurred_at=CURRENT_TIME - timedelta(days=20),
        grade_after="O",
        expected_version=recent.version,
    )
    frozen_clock.move_to(CURRENT_TIME)
    # Ordered by hand, with no order contact at all.
    Lead.objects.filter(pk=world.leads["L1"].pk).update(status="ordered", grade="O", next_follow_up=None)

    orders = checks(boss)["orders"]
    assert [lead.pk for lead in orders] == [world.leads["L1"].pk, old.pk]  # no order date first
    assert orders[1].ordered_at == CURRENT_TIME - timedelta(days=40)

    ReportSettings.objects.create(showroom=world.zhang.showroom, delivery_overdue_days=15)
    assert [lead.pk for lead in checks(boss)["orders"]] == [world.leads["L1"].pk, old.pk, recent.pk]


def test_only_managers_check_integrity_and_only_their_showroom(world, boss, client_for, other_manager):
    assert client_for(world.zhang).get(INTEGRITY_URL).status_code == 403
    Lead.objects.filter(pk=world.leads["L1"].pk).update(grade="H")

    assert len(checks(boss)["grades"]) == 1
    assert checks(client_for(other_manager))["grades"] == []


def test_the_checks_run_five_queries_however_much_data(world, request, showroom, django_assert_num_queries):
    with django_assert_num_queries(5):
        selectors.grade_changes_without_contact(showroom)
        selectors.entries_with_phone_without_lead(showroom)
        selectors.orders_without_delivery(showroom, days=30)
    request.getfixturevalue("busier")
    Lead.objects.filter(showroom=showroom, status="open").update(grade="H")
    with django_assert_num_queries(5):
        changes = selectors.grade_changes_without_contact(showroom)
        selectors.entries_with_phone_without_lead(showroom)
        selectors.orders_without_delivery(showroom, days=30)
    # The open leads whose history does not end at H: L1, L3, L6, and busier's six leads of today (A).
    assert len(changes) == 3 + 6


def test_the_page_names_the_event_in_the_users_language(world, boss):
    lead = world.leads["L3"]
    LeadEvent.objects.create(
        lead=lead, kind="reassigned", at=at(11, 21, 14), by=world.manager, grade="H", status="open", owner=world.zhang
    )
    Lead.objects.filter(pk=lead.pk).update(grade="H")

    html = boss.get(INTEGRITY_URL).content.decode()

    assert "历史记录“转移负责人”" in html  # the "reassigned" event, as the lead's timeline names it
