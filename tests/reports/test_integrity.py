"""The integrity page: what the app cannot produce, made here directly in the database (as an import, an admin
edit or a hand-written UPDATE would), and found; on data made through the app, nothing."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dcc.models import DutyShift, LeadSource, Platform, Via
from dcc.services.appointments import appointments_settle_no_shows
from dcc.services.intake import online_lead_receive
from dealer_crm.core.models import Showroom
from leads.models import Contact, Lead, LeadEvent, Visit
from leads.services.appointments import appointment_book
from leads.services.tracker import contact_record
from reports import integrity_services, tasks
from reports.analytics import selectors
from reports.models import IntegrityCheck, ReportSettings
from tests.conftest import CURRENT_TIME, TODAY
from tests.factories import visit_times
from tests.reports.conftest import at, nov

INTEGRITY_URL = reverse("reports:integrity")


@pytest.fixture
def boss(world, client_for):
    return client_for(world.manager)


def page(client):
    """The page after a run of the checks (the nightly job's, for every showroom): it shows stored findings."""
    for showroom in Showroom.objects.all():
        integrity_services.integrity_recheck(showroom=showroom)
    return client.get(INTEGRITY_URL)


def checks(client) -> dict[str, list]:
    response = page(client)
    assert response.status_code == 200
    return {name: response.context[name] for name in ("grades", "entries", "orders", "unanswered", "unsettled")}


def test_data_made_through_the_app_passes_every_check(world, boss):
    response = page(boss)

    assert checks(boss) == {"grades": [], "entries": [], "orders": [], "unanswered": [], "unsettled": []}
    assert response.context["all_clear"]
    assert 'id="all-clear"' in response.content.decode()


def test_a_grade_written_straight_into_the_lead_is_found(world, boss):
    lead = world.leads["L1"]
    Lead.objects.filter(pk=lead.pk).update(grade="H")  # the admin, an import: no contact, no history

    (change,) = checks(boss)["grades"]
    assert (change.record_id, change.person, change.at, change.before, change.after, change.kind) == (
        lead.pk,
        "张伟",
        None,  # no event carries the change
        "A",  # the grade its history ends with (the call of 11-13)
        "H",
        "",
    )
    assert f'data-lead="{lead.pk}"' in page(boss).content.decode()


def test_a_history_event_that_changes_the_grade_without_a_contact_is_found(world, boss):
    lead = world.leads["L3"]
    # A "details changed" event that moves the grade from B to H — and the lead with it, so the lead agrees
    # with its history and only the event is wrong.
    LeadEvent.objects.create(
        lead=lead, kind="edited", at=at(11, 21, 14), by=world.manager, grade="H", status="open", owner=world.zhang
    )
    Lead.objects.filter(pk=lead.pk).update(grade="H")

    (change,) = checks(boss)["grades"]
    assert (change.record_id, change.at, change.before, change.after, change.kind) == (
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
    assert (change.record_id, change.at, change.before, change.after, change.kind) == (
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
    assert (change.record_id, change.at, change.before, change.after, change.kind) == (lead.pk, None, "H", "A", "")


def test_a_contact_event_without_its_contact_that_moves_the_grade_is_found(world, boss):
    lead = world.leads["L3"]  # B since the invitation of 11-20
    LeadEvent.objects.create(
        lead=lead, kind="contact", at=at(11, 21, 14), by=world.zhang, grade="H", status="open", owner=world.zhang
    )
    Lead.objects.filter(pk=lead.pk).update(grade="H")

    (change,) = checks(boss)["grades"]
    assert (change.record_id, change.at, change.before, change.after, change.kind) == (
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
    assert (change.record_id, change.at, change.before, change.after, change.kind) == (
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
    assert (change.record_id, change.before, change.after) == (imported.pk, "", "A")


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

    assert [visit.record_id for visit in checks(boss)["entries"]] == [orphan.pk]


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
    assert [lead.record_id for lead in orders] == [world.leads["L1"].pk, old.pk]  # no order date first
    assert orders[1].at == CURRENT_TIME - timedelta(days=40)

    ReportSettings.objects.create(showroom=world.zhang.showroom, delivery_overdue_days=15)
    assert [lead.record_id for lead in checks(boss)["orders"]] == [world.leads["L1"].pk, old.pk, recent.pk]


def test_an_online_lead_unanswered_and_an_appointment_unsettled_a_day_on_are_found(world, boss, frozen_clock):
    """The DCC desk's beat jobs chase the deadline and the no-show; a day later, what they left is a finding."""
    showroom = world.zhang.showroom
    DutyShift.objects.create(showroom=showroom, consultant=world.li, day=TODAY, starts_at=time(9), ends_at=time(21))
    source = LeadSource.objects.create(showroom=showroom, code="ah", name="汽车之家", platform=Platform.AUTOHOME)
    waiting, _new = online_lead_receive(
        source=source, via=Via.API, platform_lead_id="1", customer_name="赵", phone="13900000001"
    )
    answered_lead = world.leads["L3"]
    slot = CURRENT_TIME + timedelta(hours=1)
    appointment = appointment_book(
        lead=answered_lead, by=world.li, purpose="viewing", starts_at=slot, ends_at=slot + timedelta(hours=1)
    )

    frozen_clock.move_to(CURRENT_TIME + timedelta(hours=20))  # past both, but not a day past
    assert checks(boss)["unanswered"] == [] and checks(boss)["unsettled"] == []

    frozen_clock.move_to(CURRENT_TIME + timedelta(days=2))
    found = checks(boss)
    assert [(lead.record_id, lead.at) for lead in found["unanswered"]] == [(waiting.lead_id, waiting.response_due_at)]
    assert [(row.record_id, row.at) for row in found["unsettled"]] == [(answered_lead.pk, appointment.ends_at)]
    html = page(boss).content.decode()
    assert 'id="check-unanswered"' in html and f'data-lead="{waiting.lead_id}"' in html

    appointments_settle_no_shows()  # the beat job, back: the appointment is settled, the finding gone
    assert checks(boss)["unsettled"] == []


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

    html = page(boss).content.decode()

    assert "历史记录“转移负责人”" in html  # the "reassigned" event, as the lead's timeline names it


def _broken(world) -> None:
    """One finding of each check: a grade written into a lead, an entry with a phone and no lead, an order by hand."""
    Lead.objects.filter(pk=world.leads["L1"].pk).update(grade="H")
    arrived, left = visit_times(world.zhang.showroom, TODAY, "14:00", 20)
    Visit.objects.create(
        showroom=world.zhang.showroom, visit_date=TODAY, number=91, phone="13700000002", customer_name="导入",
        arrived_at=arrived, left_at=left, consultant=world.zhang, created_by=world.zhang,
    )  # fmt: skip
    Lead.objects.filter(pk=world.leads["L3"].pk).update(status="ordered", grade="O", next_follow_up=None)


def test_the_stored_findings_are_the_live_checks(world, showroom):
    _broken(world)
    integrity_services.integrity_recheck(showroom=showroom)
    _, stored = selectors.integrity_findings(showroom)

    live_grades = selectors.grade_changes_without_contact(showroom)
    live_entries = selectors.entries_with_phone_without_lead(showroom)
    live_orders = selectors.orders_without_delivery(showroom, days=30)
    assert [(f.record_id, f.person, f.at, f.before, f.after, f.kind) for f in stored["grades"]] == [
        (c.lead_id, c.owner, c.at, c.before, c.after, c.kind) for c in live_grades
    ]
    assert [(f.record_id, f.day, f.number) for f in stored["entries"]] == [
        (v.pk, v.visit_date, v.number) for v in live_entries
    ]
    assert [(f.record_id, f.at) for f in stored["orders"]] == [(lead.pk, lead.ordered_at) for lead in live_orders]
    assert {check: len(rows) for check, rows in stored.items()} == {
        "grades": 2,
        "entries": 1,
        "orders": 1,
        "unanswered": 0,
        "unsettled": 0,
    }


def test_the_page_reads_only_the_stored_findings_in_a_fixed_number_of_queries(
    world, boss, showroom, request, django_assert_num_queries
):
    integrity_services.integrity_recheck(showroom=showroom)
    boss.get(INTEGRITY_URL)  # the session and the user loaded once
    with CaptureQueriesContext(connection) as few:
        boss.get(INTEGRITY_URL)
    request.getfixturevalue("busier")
    _broken(world)
    Lead.objects.filter(showroom=showroom, status="open").update(grade="H")
    integrity_services.integrity_recheck(showroom=showroom)
    with django_assert_num_queries(len(few.captured_queries)):
        response = boss.get(INTEGRITY_URL)
    assert len(response.context["grades"]) > 5
    assert not any("leads_leadevent" in query["sql"] for query in few.captured_queries)


def test_the_page_says_as_of_when_and_before_the_first_run_that_nothing_was_checked(world, boss, showroom):
    before = boss.get(INTEGRITY_URL)
    assert 'id="not-checked"' in before.content.decode() and not before.context["all_clear"]

    integrity_services.integrity_recheck(showroom=showroom)
    html = boss.get(INTEGRITY_URL).content.decode()
    assert 'id="as-of"' in html and CURRENT_TIME.strftime("%Y-%m-%d %H:%M") in html


def test_re_check_now_is_queued_on_commit_and_its_run_answers_it_once(
    world, boss, showroom, django_capture_on_commit_callbacks, frozen_clock
):
    integrity_services.integrity_recheck(showroom=showroom)
    _broken(world)
    frozen_clock.shift(timedelta(minutes=10))  # the manager looks later and asks again
    with django_capture_on_commit_callbacks() as queued:
        assert boss.post(reverse("reports:integrity_recheck")).status_code == 302
    assert len(queued) == 1
    state = IntegrityCheck.objects.get(showroom=showroom)
    assert 'id="recheck-pending"' in boss.get(INTEGRITY_URL).content.decode()
    assert boss.get(INTEGRITY_URL).context["grades"] == []  # the old run's findings until the new one is in

    frozen_clock.shift(timedelta(seconds=5))  # the worker takes it
    assert tasks.recheck_integrity(showroom.pk, state.requested_at.isoformat())
    assert not tasks.recheck_integrity(showroom.pk, state.requested_at.isoformat())  # a duplicate does nothing
    page_after = boss.get(INTEGRITY_URL)
    assert len(page_after.context["grades"]) == 2 and page_after.context["state"].requested_at is None


def test_the_nightly_job_checks_each_showroom_once_a_night(world, showroom, other_showroom, frozen_clock):
    showrooms = Showroom.objects.count()
    assert showrooms >= 2
    assert tasks.check_integrity() == showrooms
    assert tasks.check_integrity() == 0  # the beat fired twice, or a retry: nothing runs again
    frozen_clock.shift(timedelta(days=1))
    assert tasks.check_integrity() == showrooms


def test_a_consultant_cannot_ask_for_a_re_check(world, client_for):
    assert client_for(world.zhang).post(reverse("reports:integrity_recheck")).status_code == 403
    assert not IntegrityCheck.objects.exists()
