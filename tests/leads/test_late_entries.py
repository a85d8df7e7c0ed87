"""One sign-off for the register's day (dealer_crm.core.signoff), what a signed day keeps, and late entries (补登):
filed by the consultant with a reason, approved or declined by the manager, never lost either way."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from dealer_crm.core.history import Revision
from dealer_crm.core.versioning import STALE_MESSAGE, StaleError
from leads.models import LateEntry, Lead, RegisterDay, Visit
from leads.selectors import register as selectors
from leads.services import register as services
from tests.conftest import CURRENT_TIME, TODAY
from tests.factories import visit_times
from tests.i18n import zh
from tests.leads.form_data import create_form_data
from tests.signing import day_version, sign_off_day

YESTERDAY = TODAY - timedelta(days=1)
LATE_REASON = "客户19:40到店，经理已签核"


@pytest.fixture
def signed_day(make_visit, consultant, manager):
    """张伟's two entries of today, signed off by the manager at 15:30."""
    make_visit(consultant=consultant, customer_name="王先生", start="10:00")
    make_visit(consultant=consultant, customer_name="李女士", start="11:00", phone="", no_phone=True)
    return sign_off_day(showroom=manager.showroom, day=TODAY, by=manager)


def file_late(consultant, *, reason=LATE_REASON, customer_name="晚到的客户", start="15:00", **fields):
    arrived_at, left_at = visit_times(consultant.showroom, TODAY, start, 20)
    values = {
        "kind": "walk_in",
        "customer_name": customer_name,
        "phone": "13911112222",
        "no_phone": False,
        "arrived_at": arrived_at,
        "left_at": left_at,
        "summary": "下班前来看车，约了周末试驾",
        "grade": "A",
        "consultant": consultant,
        **fields,
    }
    return services.late_entry_file(
        showroom=consultant.showroom, filed_by=consultant, visit_date=TODAY, reason=reason, **values
    )


# --- The one sign-off: version, idempotence, the database's check ------------------------------------------------


def test_sign_off_without_the_pages_version_or_with_a_stale_one_is_refused(make_visit, consultant, manager):
    make_visit(consultant=consultant)
    for version in (None, 7):
        with pytest.raises(StaleError):
            services.register_day_sign_off(showroom=manager.showroom, day=TODAY, by=manager, expected_version=version)
    assert not RegisterDay.objects.get(date=TODAY).is_signed_off
    assert not RegisterDay.objects.get(date=TODAY).revisions.exists()


def test_the_sign_off_button_without_a_version_shows_the_conflict_message(make_visit, consultant, manager, client_for):
    make_visit(consultant=consultant)
    response = client_for(manager).post(reverse("leads:register_sign_off", kwargs={"day": TODAY}), follow=True)

    assert [str(message) for message in response.context["messages"]] == [zh(str(STALE_MESSAGE))]
    assert not RegisterDay.objects.get(date=TODAY).is_signed_off


def test_a_double_click_signs_off_once_even_with_the_older_version(signed_day, manager):
    again = services.register_day_sign_off(showroom=manager.showroom, day=TODAY, by=manager, expected_version=1)

    assert again.version == signed_day.version == 2
    assert Revision.objects.filter(action="signed_off").count() == 1


def test_reopen_with_a_stale_version_is_refused_and_needs_a_reason(signed_day, manager):
    with pytest.raises(StaleError):
        services.register_day_reopen(
            showroom=manager.showroom, day=TODAY, by=manager, reason="补登", expected_version=1
        )
    with pytest.raises(ValidationError):
        services.register_day_reopen(showroom=manager.showroom, day=TODAY, by=manager, reason=" ", expected_version=2)
    assert RegisterDay.objects.get(pk=signed_day.pk).is_signed_off


def test_the_database_refuses_a_day_signed_off_by_nobody(signed_day):
    with pytest.raises(IntegrityError), transaction.atomic():
        RegisterDay.objects.filter(pk=signed_day.pk).update(signed_off_by=None)


def test_the_sign_off_keeps_the_days_entries_and_totals_as_signed(signed_day):
    entries = list(Visit.objects.order_by("number").values_list("pk", "version"))

    assert signed_day.snapshot["entries"] == [list(pair) for pair in entries]
    assert signed_day.snapshot["totals"] == {
        "entries": 2,
        "walk_ins": 2,
        "calls": 0,
        "without_phone": 1,
        "last_number": 2,
    }
    assert signed_day.signed_off_at == CURRENT_TIME


def test_the_month_reads_a_signed_day_as_signed_even_when_an_entry_vanished_past_the_locks(signed_day, consultant):
    # A deletion written past the services (SQL, the admin): the signed register still has the entry.
    Visit.objects.filter(customer_name="李女士").update(deleted_at=timezone.now())

    as_signed = selectors.register_as_signed(showroom=consultant.showroom, start=TODAY, end=TODAY)
    assert sorted(as_signed.values_list("customer_name", flat=True)) == ["李女士", "王先生"]


# --- Late entries ---------------------------------------------------------------------------------------------


def test_the_form_says_the_day_is_signed_off_before_anything_is_typed(signed_day, consultant, client_for):
    html = client_for(consultant).get(reverse("leads:visit_create")).content.decode()

    assert 'id="late-entry" class="alert alert-warning"' in html
    assert 'id="late-entry" class="alert alert-warning" data-day-status-url="/register/day-status/" hidden' not in html
    assert zh("Why is this entry late?") in html


def test_the_form_of_an_open_day_hides_the_notice_and_the_date_check_answers(signed_day, consultant, client_for):
    client = client_for(consultant)
    url = reverse("leads:register_day_status")

    assert client.get(url, {"date": TODAY.isoformat()}).json()["signed_off"] is True
    assert client.get(url, {"date": YESTERDAY.isoformat()}).json() == {"signed_off": False, "message": ""}
    html = client.get(reverse("leads:visit_create")).content.decode()
    RegisterDay.objects.filter(pk=signed_day.pk).update(signed_off_at=None, signed_off_by=None)
    reopened = client.get(reverse("leads:visit_create")).content.decode()
    assert " hidden>" not in html.split('id="late-entry"')[1][:200]
    assert " hidden>" in reopened.split('id="late-entry"')[1][:200]


def test_the_consultant_files_a_late_entry_from_the_form_and_nothing_joins_the_register_yet(
    signed_day, consultant, client_for
):
    data = create_form_data(customer_name="晚到的客户", late_reason=LATE_REASON)
    response = client_for(consultant).post(reverse("leads:visit_create"), data)

    assert response.status_code == 302
    late_entry = LateEntry.objects.get()
    assert (late_entry.state, late_entry.reason, late_entry.customer_name) == ("pending", LATE_REASON, "晚到的客户")
    assert late_entry.filed_at == CURRENT_TIME
    assert Visit.objects.count() == 2


def test_a_late_entry_is_checked_by_the_register_rules_all_at_once(signed_day, consultant):
    with pytest.raises(ValidationError) as excinfo:
        file_late(consultant, reason="", phone="", no_phone=False, customer_name="")

    assert set(excinfo.value.message_dict) >= {"late_reason", "phone", "customer_name"}
    assert not LateEntry.objects.exists()


def test_the_manager_approves_a_late_entry_it_joins_the_register_marked_late_and_the_sign_off_records_it(
    signed_day, consultant, manager, frozen_clock
):
    late_entry = file_late(consultant)
    frozen_clock.shift(timedelta(minutes=10))

    visit = services.late_entry_approve(late_entry=late_entry, by=manager, expected_version=late_entry.version)

    assert (visit.number, visit.late, visit.customer_name, visit.visit_date) == (3, True, "晚到的客户", TODAY)
    assert Lead.objects.get(phone="13911112222").grade == "A"  # it feeds the tracker like any entry
    late_entry.refresh_from_db()
    assert (late_entry.state, late_entry.visit, late_entry.decided_by) == ("approved", visit, manager)
    day = RegisterDay.objects.get(pk=signed_day.pk)
    assert day.is_signed_off  # the day stays signed: the amendment is recorded in its sign-off
    assert day.snapshot["amendments"] == [
        {"late_entry": late_entry.pk, "visit": visit.pk, "at": late_entry.decided_at.isoformat(), "by": manager.pk}
    ]
    assert day.snapshot["totals"]["entries"] == 2  # what was signed does not move
    assert [event.action for event in day.revisions.all()] == ["signed_off", "amended"]
    totals = selectors.register_day_totals(showroom=manager.showroom, day=TODAY)
    assert selectors.register_day_changes(day, totals) == ["登记 +1", "来店 +1"]  # "since sign-off: +1 entries, …"
    as_signed = selectors.register_as_signed(showroom=manager.showroom, start=TODAY, end=TODAY)
    assert as_signed.count() == 3


def test_a_late_entry_is_decided_once_and_with_the_version_seen(signed_day, consultant, manager):
    late_entry = file_late(consultant)
    with pytest.raises(StaleError):
        services.late_entry_approve(late_entry=late_entry, by=manager, expected_version=None)
    assert not Visit.objects.filter(late=True).exists()

    services.late_entry_approve(late_entry=late_entry, by=manager, expected_version=1)
    with pytest.raises(ValidationError):
        services.late_entry_decline(late_entry=late_entry, by=manager, reason="重复", expected_version=2)
    assert Visit.objects.filter(late=True).count() == 1


def test_the_manager_declines_with_a_reason_and_the_entry_stays_visible_with_its_decision(
    signed_day, consultant, manager, client_for
):
    late_entry = file_late(consultant)
    with pytest.raises(ValidationError):
        services.late_entry_decline(late_entry=late_entry, by=manager, reason="  ", expected_version=1)

    services.late_entry_decline(late_entry=late_entry, by=manager, reason="同一客户已登记为2号", expected_version=1)

    late_entry.refresh_from_db()
    assert (late_entry.state, late_entry.decision_reason, late_entry.visit) == ("declined", "同一客户已登记为2号", None)
    assert late_entry.fields["customer_name"] == "晚到的客户"  # what was typed is kept
    assert Visit.objects.count() == 2
    html = client_for(manager).get(reverse("leads:register_review")).content.decode()
    assert "同一客户已登记为2号" in html and "晚到的客户" in html


def test_only_the_showrooms_manager_decides(signed_day, consultant, other_manager, client_for):
    late_entry = file_late(consultant)
    with pytest.raises(PermissionDenied):
        services.late_entry_approve(late_entry=late_entry, by=consultant, expected_version=1)
    with pytest.raises(PermissionDenied):
        services.late_entry_approve(late_entry=late_entry, by=other_manager, expected_version=1)
    url = reverse("leads:late_entry_decide", kwargs={"pk": late_entry.pk})
    assert client_for(consultant).post(url, {"decision": "approve", "version": 1}).status_code == 403
    assert client_for(other_manager).post(url, {"decision": "approve", "version": 1}).status_code == 404
    assert LateEntry.objects.get().state == "pending"


def test_the_queue_on_the_review_page_approves_and_the_register_shows_the_entry_as_late(
    signed_day, consultant, manager, client_for
):
    late_entry = file_late(consultant)
    boss = client_for(manager)
    review = boss.get(reverse("leads:register_review_day", kwargs={"day": YESTERDAY}))
    assert [entry.pk for entry in review.context["late_queue"]] == [late_entry.pk]  # from whichever day is shown

    response = boss.post(
        reverse("leads:late_entry_decide", kwargs={"pk": late_entry.pk}), {"decision": "approve", "version": 1}
    )

    assert response.status_code == 302
    rows = client_for(consultant).get(reverse("leads:visit_list")).context["object_list"]
    assert [(visit.customer_name, visit.late) for visit in rows][0] == ("晚到的客户", True)
    assert day_version(manager.showroom, TODAY) == 3  # signed (2), then amended (3)
