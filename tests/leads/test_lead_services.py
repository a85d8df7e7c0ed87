"""Intent leads as the services keep them: made from the register, moved only by contacts, closed as ordered
or (with the manager's approval) lost, handed between consultants, and protected against stale edits."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from dealer_crm.core.versioning import StaleError
from leads.models import OPEN_GRADES, Contact, Lead, LeadEvent, LostRequest, OwnershipClash, Visit
from leads.selectors.tracker import open_clashes, pending_lost_requests
from leads.services.tracker import (
    clash_resolve,
    contact_record,
    lead_decide_lost,
    lead_reassign,
    lead_request_lost,
    lead_update_details,
)
from tests.conftest import CURRENT_TIME, SHANGHAI, TODAY
from tests.factories import UserFactory

YESTERDAY = TODAY - timedelta(days=1)
# A contact an hour ago: in the past for the service, on the showroom's today.
AN_HOUR_AGO = CURRENT_TIME - timedelta(hours=1)
DEFAULT_INTERVALS = {"H": 1, "A": 3, "B": 7, "C": 15}


def at(day: date, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def record(lead: Lead, by, **fields) -> Contact:
    """contact_record with a phone call an hour ago unless the test says otherwise."""
    values = {
        "kind": "phone_call",
        "occurred_at": AN_HOUR_AGO,
        "grade_after": lead.grade,
        "expected_version": lead.version,
    }
    values.update(fields)
    return contact_record(lead=lead, by=by, **values)


def errors_of(excinfo) -> list[str]:
    return sorted(excinfo.value.message_dict)


def event_kinds(lead: Lead) -> list[str]:
    return [event.kind for event in lead.events.all()]


# --- Leads from the register --------------------------------------------------------------------------------


def test_entry_with_a_phone_creates_a_lead_owned_by_the_receiving_consultant(make_visit, consultant, car_model):
    visit = make_visit(
        consultant=consultant, phone="138 0013 8000", grade="A", car_model=car_model, customer_name="王先生", gender="m"
    )

    lead = Lead.objects.get()
    assert (lead.showroom, lead.phone, lead.customer_name, lead.gender) == (
        consultant.showroom,
        "13800138000",
        "王先生",
        "m",
    )
    assert (lead.owner, lead.grade, lead.status, lead.channel) == (consultant, "A", "open", "walk_in")
    assert list(lead.car_models.all()) == [car_model]
    assert (lead.last_contact_at, lead.next_follow_up) == (visit.left_at, TODAY + timedelta(days=3))
    first = lead.contacts.get()
    assert (first.visit, first.kind, first.consultant, first.contact_date) == (
        visit,
        "showroom_visit",
        consultant,
        TODAY,
    )
    # A new lead had no grade before its first contact: its creation is not an upgrade from anything.
    assert (first.grade_before, first.grade_after) == ("", "A")
    assert event_kinds(lead) == ["created", "contact"]
    assert lead.events.get(kind="created").visit == visit


@pytest.mark.parametrize(
    ("entry_kind", "channel", "contact_kind"),
    [("walk_in", "walk_in", "showroom_visit"), ("call", "call", "phone_call")],
    ids=["walk-in", "call"],
)
def test_lead_channel_and_first_contact_follow_the_entry_kind(
    make_visit, consultant, entry_kind, channel, contact_kind
):
    make_visit(consultant=consultant, kind=entry_kind, grade="B")

    lead = Lead.objects.get()
    assert lead.channel == channel
    assert lead.contacts.get().kind == contact_kind


def test_entry_without_a_grade_makes_a_grade_c_lead(make_visit, consultant):
    make_visit(consultant=consultant, grade="")

    lead = Lead.objects.get()
    assert (lead.grade, lead.next_follow_up) == ("C", TODAY + timedelta(days=15))
    assert lead.contacts.get().grade_after == "C"


def test_second_entry_for_the_same_number_becomes_a_contact_of_the_open_lead(make_visit, consultant):
    first = make_visit(consultant=consultant, phone="13800138000", grade="B", start="09:00")
    second = make_visit(consultant=consultant, phone="+86 138-0013-8000", grade="A", start="11:00")

    lead = Lead.objects.get()
    assert second.phone == "13800138000"
    contacts = list(lead.contacts.order_by("occurred_at"))
    assert [contact.visit for contact in contacts] == [first, second]
    assert (contacts[1].grade_before, contacts[1].grade_after) == ("B", "A")
    assert (lead.grade, lead.owner) == ("A", consultant)
    assert event_kinds(lead) == ["created", "contact", "contact"]
    assert not OwnershipClash.objects.exists()


def test_entry_without_a_phone_creates_no_lead(make_visit, consultant):
    visit = make_visit(consultant=consultant, phone="", no_phone=True)

    assert Visit.objects.live().get() == visit
    assert not Lead.objects.exists()
    assert not Contact.objects.exists()


def test_database_refuses_a_second_open_lead_for_the_same_phone(make_lead, consultant, other_consultant):
    lead = make_lead(consultant=consultant)

    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.create(
            showroom=lead.showroom, phone=lead.phone, customer_name="王先生", owner=other_consultant, grade="B"
        )
    assert Lead.objects.count() == 1


def test_same_phone_in_another_showroom_is_another_lead(make_visit, consultant, showroom, other_showroom):
    far_consultant = UserFactory(username="wu", last_name="吴", first_name="刚", showroom=other_showroom)

    make_visit(consultant=consultant, grade="B")
    make_visit(consultant=far_consultant, grade="H")

    leads = Lead.objects.order_by("showroom__code")
    assert [(lead.showroom, lead.owner, lead.grade, lead.status) for lead in leads] == [
        (showroom, consultant, "B", "open"),
        (other_showroom, far_consultant, "H", "open"),
    ]
    assert not OwnershipClash.objects.exists()


def test_customer_who_ordered_comes_back_as_a_new_repeat_lead(make_visit, consultant):
    make_visit(consultant=consultant, grade="O", start="09:00")  # deposit on the spot
    make_visit(consultant=consultant, grade="", start="11:00")

    ordered, repeat = Lead.objects.order_by("pk")
    assert (ordered.status, ordered.grade, ordered.next_follow_up) == ("ordered", "O", None)
    assert ordered.contacts.count() == 1
    assert (repeat.status, repeat.grade, repeat.channel, repeat.owner) == ("open", "C", "repeat", consultant)


def test_lost_customer_who_returns_reopens_the_same_lead_with_its_history(
    make_lead, make_visit, consultant, manager, frozen_clock
):
    frozen_clock.move_to(at(YESTERDAY, "16:00"))
    lead = make_lead(consultant=consultant, day=YESTERDAY, grade="B")
    request = lead_request_lost(lead=lead, by=consultant, reason="price")
    lead_decide_lost(request=request, by=manager, approve=True)
    frozen_clock.move_to(CURRENT_TIME)

    visit = make_visit(consultant=consultant, grade="A", start="10:00")

    reopened = Lead.objects.get()
    assert reopened.pk == lead.pk
    assert (reopened.status, reopened.grade, reopened.next_follow_up) == ("open", "A", TODAY + timedelta(days=3))
    # Its history is kept, in the order it happened: the reopening comes before the visit that caused it.
    assert event_kinds(reopened) == ["created", "contact", "lost_requested", "lost_approved", "reopened", "contact"]
    assert reopened.events.get(kind="reopened").visit == visit
    assert reopened.events.last().grade == "A"
    assert reopened.contacts.count() == 2
    assert LostRequest.objects.get().state == "approved"


# --- Ownership clash ------------------------------------------------------------------------------------------


@pytest.fixture
def clash(make_lead, make_visit, consultant, other_consultant):
    """张's B lead; 李 then receives the same customer at 11:00 and grades them A."""
    make_lead(consultant=consultant, grade="B", start="09:00")
    make_visit(consultant=other_consultant, grade="A", start="11:00")
    return OwnershipClash.objects.get()


def test_customer_met_by_another_consultant_becomes_a_clash_for_the_manager(
    make_lead, make_visit, consultant, other_consultant, manager
):
    lead = make_lead(consultant=consultant, grade="B", start="09:00")

    visit = make_visit(consultant=other_consultant, grade="A", start="11:00")

    # The visit counts for the register, under the consultant who received the customer.
    assert list(Visit.objects.live().filter(consultant=other_consultant)) == [visit]
    lead.refresh_from_db()
    assert Lead.objects.count() == 1
    assert (lead.owner, lead.grade) == (consultant, "A")
    contact = lead.contacts.get(visit=visit)
    assert (contact.consultant, contact.grade_before, contact.grade_after) == (other_consultant, "B", "A")
    clash = OwnershipClash.objects.get()
    assert (clash.lead, clash.visit, clash.met_by, clash.resolved_at) == (lead, visit, other_consultant, None)
    event = lead.events.get(kind="clash")
    assert (event.by, event.owner, event.visit, event.grade) == (other_consultant, consultant, visit, "A")
    assert list(open_clashes(manager)) == [clash]


def test_manager_keeps_a_clashed_lead_with_its_owner(clash, manager, consultant):
    clash_resolve(clash=clash, by=manager, keep=consultant)

    clash.refresh_from_db()
    assert (clash.resolved_by, clash.kept_by, clash.resolved_at) == (manager, consultant, CURRENT_TIME)
    assert Lead.objects.get().owner == consultant
    assert not LeadEvent.objects.filter(kind="reassigned").exists()
    assert not open_clashes(manager).exists()


def test_manager_gives_a_clashed_lead_to_the_consultant_who_met_the_customer(
    clash, manager, consultant, other_consultant
):
    clash_resolve(clash=clash, by=manager, keep=other_consultant)

    clash.refresh_from_db()
    assert (clash.resolved_by, clash.kept_by) == (manager, other_consultant)
    lead = Lead.objects.get()
    assert lead.owner == other_consultant
    event = lead.events.get(kind="reassigned")
    assert (event.by, event.owner, event.at) == (manager, other_consultant, CURRENT_TIME)
    assert event.details == {"from": "张伟", "to": "李娜"}


@pytest.mark.parametrize("resolver", ["consultant", "other_consultant", "other_manager"])
def test_only_a_manager_of_the_showroom_resolves_a_clash(request, clash, consultant, resolver):
    with pytest.raises(PermissionDenied):
        clash_resolve(clash=clash, by=request.getfixturevalue(resolver), keep=consultant)

    clash.refresh_from_db()
    assert clash.resolved_at is None


def test_clashed_lead_cannot_go_to_a_third_consultant(clash, manager):
    third = UserFactory(username="zhao", showroom=manager.showroom)

    with pytest.raises(ValidationError):
        clash_resolve(clash=clash, by=manager, keep=third)

    clash.refresh_from_db()
    assert clash.resolved_at is None


# --- Grades move through contacts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [(before, after) for before in OPEN_GRADES for after in OPEN_GRADES],
    ids=[f"{before}->{after}" for before in OPEN_GRADES for after in OPEN_GRADES],
)
def test_contact_moves_the_grade_and_records_before_and_after(make_lead, consultant, before, after):
    lead = make_lead(consultant=consultant, grade=before)

    contact = record(lead, consultant, grade_after=after)

    lead.refresh_from_db()
    assert (lead.grade, lead.status) == (after, "open")
    assert (lead.last_contact_at, lead.next_follow_up) == (AN_HOUR_AGO, TODAY + timedelta(DEFAULT_INTERVALS[after]))
    contact.refresh_from_db()
    assert (contact.grade_before, contact.grade_after, contact.contact_date) == (before, after, TODAY)
    event = contact.event
    assert (event.kind, event.grade, event.status, event.owner, event.by, event.at) == (
        "contact",
        after,
        "open",
        consultant,
        consultant,
        AN_HOUR_AGO,
    )


@pytest.mark.parametrize("kind", ["phone_call", "message", "invitation", "showroom_visit"])
def test_reaching_the_customer_meets_the_first_response_deadline(make_lead, consultant, kind):
    lead = make_lead(consultant=consultant, grade="H")
    Lead.objects.filter(pk=lead.pk).update(response_due_at=CURRENT_TIME + timedelta(minutes=15))
    lead.refresh_from_db()

    record(lead, consultant, kind=kind)

    lead.refresh_from_db()
    assert lead.response_due_at is None


def test_a_quotation_alone_does_not_answer_an_online_inquiry(make_lead, consultant):
    due = CURRENT_TIME + timedelta(minutes=15)
    lead = make_lead(consultant=consultant, grade="H")
    Lead.objects.filter(pk=lead.pk).update(response_due_at=due)
    lead.refresh_from_db()

    record(lead, consultant, kind="quotation")

    lead.refresh_from_db()
    assert lead.response_due_at == due


@pytest.mark.parametrize("before", OPEN_GRADES)
def test_order_contact_makes_the_lead_ordered_and_ends_its_follow_ups(make_lead, consultant, before):
    lead = make_lead(consultant=consultant, grade=before)

    # The kind decides: an order is grade O whatever grade the form still shows.
    contact = record(lead, consultant, kind="order", grade_after=before, next_follow_up=TODAY + timedelta(days=1))

    lead.refresh_from_db()
    assert (lead.grade, lead.status, lead.next_follow_up) == ("O", "ordered", None)
    assert (contact.grade_before, contact.grade_after, contact.next_follow_up) == (before, "O", None)
    assert (contact.event.grade, contact.event.status) == ("O", "ordered")


def test_contact_cannot_set_grade_f(make_lead, consultant):
    lead = make_lead(consultant=consultant, grade="B")

    with pytest.raises(ValidationError) as excinfo:
        record(lead, consultant, grade_after="F")

    assert errors_of(excinfo) == ["grade_after"]
    lead.refresh_from_db()
    assert (lead.grade, lead.status) == ("B", "open")
    assert lead.contacts.count() == 1


@pytest.mark.parametrize("closing", ["order", "lost"])
def test_closed_lead_refuses_contacts(make_lead, consultant, manager, closing):
    lead = make_lead(consultant=consultant, grade="B")
    if closing == "order":
        record(lead, consultant, kind="order")
    else:
        lead_decide_lost(
            request=lead_request_lost(lead=lead, by=consultant, reason="no_need"), by=manager, approve=True
        )
    lead.refresh_from_db()
    contacts_before = lead.contacts.count()

    with pytest.raises(ValidationError) as excinfo:
        record(lead, consultant, grade_after="A")

    assert errors_of(excinfo) == ["__all__"]
    assert lead.contacts.count() == contacts_before


# --- Next contact date --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("grade", "days"), DEFAULT_INTERVALS.items(), ids=DEFAULT_INTERVALS)
def test_next_contact_defaults_to_the_grade_interval(make_lead, consultant, grade, days):
    lead = make_lead(consultant=consultant, grade="B")

    contact = record(lead, consultant, grade_after=grade)

    lead.refresh_from_db()
    assert contact.next_follow_up == lead.next_follow_up == TODAY + timedelta(days=days)


@pytest.mark.parametrize(("grade", "days"), [("H", 2), ("A", 5), ("B", 10), ("C", 30)], ids=["H", "A", "B", "C"])
def test_next_contact_default_follows_the_showrooms_intervals(make_lead, consultant, showroom, grade, days):
    showroom.follow_up_days_h, showroom.follow_up_days_a = 2, 5
    showroom.follow_up_days_b, showroom.follow_up_days_c = 10, 30
    showroom.save()
    lead = make_lead(consultant=consultant, grade="B")

    contact = record(lead, consultant, grade_after=grade)

    assert contact.next_follow_up == TODAY + timedelta(days=days)


def test_earlier_next_contact_is_accepted_without_a_reason(make_lead, consultant):
    lead = make_lead(consultant=consultant, grade="B")

    record(lead, consultant, grade_after="B", next_follow_up=TODAY + timedelta(days=2))

    lead.refresh_from_db()
    assert lead.next_follow_up == TODAY + timedelta(days=2)


def test_later_next_contact_needs_a_reason(make_lead, consultant):
    lead = make_lead(consultant=consultant, grade="B")

    with pytest.raises(ValidationError) as excinfo:
        record(lead, consultant, grade_after="B", next_follow_up=TODAY + timedelta(days=8), late_reason="  ")

    assert errors_of(excinfo) == ["late_reason"]
    lead.refresh_from_db()
    assert (lead.next_follow_up, lead.contacts.count()) == (TODAY + timedelta(days=7), 1)


def test_later_next_contact_with_a_reason_is_kept(make_lead, consultant):
    lead = make_lead(consultant=consultant, grade="B")

    contact = record(lead, consultant, grade_after="B", next_follow_up=TODAY + timedelta(days=20), late_reason="出差")

    lead.refresh_from_db()
    assert (contact.late_reason, lead.next_follow_up) == ("出差", TODAY + timedelta(days=20))


def test_next_contact_before_the_contact_date_is_refused(make_lead, consultant):
    lead = make_lead(consultant=consultant, grade="B")

    with pytest.raises(ValidationError) as excinfo:
        record(lead, consultant, grade_after="B", next_follow_up=YESTERDAY)

    assert errors_of(excinfo) == ["next_follow_up"]


@pytest.mark.parametrize(
    ("occurred_at", "local_date"),
    [
        (datetime(2026, 11, 20, 23, 30, tzinfo=SHANGHAI), date(2026, 11, 20)),
        # 07:30 in Shanghai is still 23:30 of the 20th in UTC: the showroom's date is the 21st.
        (datetime(2026, 11, 21, 7, 30, tzinfo=SHANGHAI), date(2026, 11, 21)),
    ],
    ids=["23:30-shanghai", "07:30-shanghai-previous-day-in-utc"],
)
def test_contact_date_and_next_contact_count_from_the_showrooms_local_date(
    make_lead, consultant, occurred_at, local_date
):
    lead = make_lead(consultant=consultant, grade="B", day=YESTERDAY, start="10:00")

    contact = record(lead, consultant, grade_after="B", occurred_at=occurred_at)

    assert (contact.contact_date, contact.next_follow_up) == (local_date, local_date + timedelta(days=7))


# --- Grade assistant and test drives -------------------------------------------------------------------------


def test_grade_above_the_suggestion_needs_a_reason(make_lead, consultant):
    lead = make_lead(consultant=consultant, grade="B")

    with pytest.raises(ValidationError) as excinfo:
        record(lead, consultant, grade_after="H", suggested_grade="A")

    assert errors_of(excinfo) == ["grade_reason"]
    assert lead.contacts.count() == 1


def test_grade_above_the_suggestion_is_kept_with_its_reason(make_lead, consultant):
    lead = make_lead(consultant=consultant, grade="B")

    contact = record(lead, consultant, grade_after="H", suggested_grade="A", grade_reason="客户明天来交定金")

    contact.refresh_from_db()
    assert (contact.grade_after, contact.suggested_grade, contact.grade_reason) == ("H", "A", "客户明天来交定金")


@pytest.mark.parametrize(("grade", "suggested"), [("B", "A"), ("C", "H"), ("H", "")])
def test_grade_below_the_suggestion_or_without_one_needs_no_reason(make_lead, consultant, grade, suggested):
    lead = make_lead(consultant=consultant, grade="B")

    contact = record(lead, consultant, grade_after=grade, suggested_grade=suggested)

    assert (contact.grade_after, contact.suggested_grade, contact.grade_reason) == (grade, suggested, "")


def test_grade_that_follows_the_suggestion_needs_no_reason(make_lead, consultant):
    lead = make_lead(consultant=consultant, grade="B")

    contact = record(lead, consultant, grade_after="A", suggested_grade="A")

    assert (contact.grade_after, contact.grade_reason) == ("A", "")


@pytest.mark.parametrize("missing", ["model_driven", "licence_number", "agreement_signed"])
def test_test_drive_needs_the_model_licence_and_signed_agreement(make_lead, consultant, car_model, missing):
    lead = make_lead(consultant=consultant, grade="A")
    details = {"model_driven": car_model, "licence_number": "110101199001011234", "agreement_signed": True}
    details[missing] = {"model_driven": None, "licence_number": " ", "agreement_signed": False}[missing]

    with pytest.raises(ValidationError) as excinfo:
        record(lead, consultant, kind="test_drive", grade_after="A", **details)

    assert errors_of(excinfo) == [missing]
    assert not lead.contacts.filter(kind="test_drive").exists()


def test_test_drive_with_model_licence_and_agreement_is_recorded(make_lead, consultant, car_model):
    lead = make_lead(consultant=consultant, grade="A")

    contact = record(
        lead,
        consultant,
        kind="test_drive",
        grade_after="H",
        model_driven=car_model,
        licence_number="110101199001011234",
        agreement_signed=True,
        impression="很满意",
    )

    contact.refresh_from_db()
    assert (contact.kind, contact.model_driven, contact.licence_number, contact.agreement_signed) == (
        "test_drive",
        car_model,
        "110101199001011234",
        True,
    )
    assert (contact.impression, contact.grade_after) == ("很满意", "H")


# --- Lost leads ----------------------------------------------------------------------------------------------


def test_lost_request_needs_a_reason(make_lead, consultant):
    lead = make_lead(consultant=consultant)

    with pytest.raises(ValidationError) as excinfo:
        lead_request_lost(lead=lead, by=consultant, reason="")

    assert errors_of(excinfo) == ["reason"]
    assert not LostRequest.objects.exists()


def test_lost_to_a_competitor_needs_the_brand(make_lead, consultant):
    lead = make_lead(consultant=consultant)

    with pytest.raises(ValidationError) as excinfo:
        lead_request_lost(lead=lead, by=consultant, reason="competitor", competitor_brand="  ")

    assert errors_of(excinfo) == ["competitor_brand"]
    assert not LostRequest.objects.exists()


def test_lost_request_keeps_the_lead_open_until_the_manager_decides(make_lead, consultant, manager):
    lead = make_lead(consultant=consultant, grade="B")

    request = lead_request_lost(
        lead=lead, by=consultant, reason="competitor", competitor_brand=" 比亚迪 ", competitor_model="汉", note="已提车"
    )

    request.refresh_from_db()
    assert (request.state, request.reason, request.competitor_brand, request.competitor_model) == (
        "pending",
        "competitor",
        "比亚迪",
        "汉",
    )
    assert (request.requested_by, request.requested_at) == (consultant, CURRENT_TIME)
    lead.refresh_from_db()
    assert (lead.status, lead.grade, lead.next_follow_up) == ("open", "B", TODAY + timedelta(days=7))
    event = lead.events.get(kind="lost_requested")
    assert (event.by, event.grade, event.status, event.details) == (consultant, "B", "open", {"reason": "competitor"})
    assert list(pending_lost_requests(manager)) == [request]


def test_only_one_lost_request_may_wait_per_lead(make_lead, consultant, manager):
    lead = make_lead(consultant=consultant)
    lead_request_lost(lead=lead, by=consultant, reason="price")

    with pytest.raises(ValidationError) as excinfo:
        lead_request_lost(lead=lead, by=manager, reason="no_need")

    assert errors_of(excinfo) == ["__all__"]
    assert LostRequest.objects.count() == 1


def test_manager_may_ask_to_close_a_consultants_lead_as_lost(make_lead, consultant, manager):
    lead = make_lead(consultant=consultant)

    request = lead_request_lost(lead=lead, by=manager, reason="unreachable")

    assert (request.state, request.requested_by) == ("pending", manager)


@pytest.mark.parametrize("requester", ["other_consultant", "other_manager"])
def test_only_the_owner_or_a_manager_of_the_showroom_asks_to_close_a_lead_as_lost(
    request, make_lead, consultant, requester
):
    lead = make_lead(consultant=consultant)

    with pytest.raises(PermissionDenied):
        lead_request_lost(lead=lead, by=request.getfixturevalue(requester), reason="price")

    assert not LostRequest.objects.exists()


def test_manager_approval_closes_the_lead_as_lost(make_lead, consultant, manager, frozen_clock):
    lead = make_lead(consultant=consultant, grade="A")
    request = lead_request_lost(lead=lead, by=consultant, reason="price")
    frozen_clock.move_to(CURRENT_TIME + timedelta(hours=1))

    lead_decide_lost(request=request, by=manager, approve=True, comment="同意")

    request.refresh_from_db()
    assert (request.state, request.decided_by, request.decided_at, request.comment) == (
        "approved",
        manager,
        CURRENT_TIME + timedelta(hours=1),
        "同意",
    )
    lead.refresh_from_db()
    assert (lead.status, lead.grade, lead.next_follow_up) == ("lost", "F", None)
    event = lead.events.last()
    assert (event.kind, event.by, event.grade, event.status, event.owner) == (
        "lost_approved",
        manager,
        "F",
        "lost",
        consultant,
    )
    assert not pending_lost_requests(manager).exists()


def test_manager_sends_a_lost_request_back_and_the_consultant_may_ask_again(make_lead, consultant, manager):
    lead = make_lead(consultant=consultant, grade="B")
    request = lead_request_lost(lead=lead, by=consultant, reason="unreachable")

    lead_decide_lost(request=request, by=manager, approve=False, comment="再打两次电话")

    request.refresh_from_db()
    assert (request.state, request.decided_by, request.comment) == ("returned", manager, "再打两次电话")
    lead.refresh_from_db()
    assert (lead.status, lead.grade, lead.next_follow_up) == ("open", "B", TODAY + timedelta(days=7))
    event = lead.events.last()
    assert (event.kind, event.note, event.status) == ("lost_returned", "再打两次电话", "open")

    again = lead_request_lost(lead=lead, by=consultant, reason="unreachable", note="又打了两次")

    assert again.state == "pending"
    assert LostRequest.objects.count() == 2


def test_sending_a_lost_request_back_needs_a_comment(make_lead, consultant, manager):
    request = lead_request_lost(lead=make_lead(consultant=consultant), by=consultant, reason="price")

    with pytest.raises(ValidationError) as excinfo:
        lead_decide_lost(request=request, by=manager, approve=False, comment=" ")

    assert errors_of(excinfo) == ["comment"]
    request.refresh_from_db()
    assert request.state == "pending"


@pytest.mark.parametrize("decider", ["consultant", "other_manager"])
def test_only_a_manager_of_the_showroom_decides_a_lost_request(request, make_lead, consultant, decider):
    lead = make_lead(consultant=consultant)
    lost = lead_request_lost(lead=lead, by=consultant, reason="price")

    with pytest.raises(PermissionDenied):
        lead_decide_lost(request=lost, by=request.getfixturevalue(decider), approve=True)

    lost.refresh_from_db()
    lead.refresh_from_db()
    assert (lost.state, lead.status, lead.grade) == ("pending", "open", "B")


def test_decided_lost_request_cannot_be_decided_again(make_lead, consultant, manager):
    request = lead_request_lost(lead=make_lead(consultant=consultant), by=consultant, reason="price")
    lead_decide_lost(request=request, by=manager, approve=False, comment="再跟进")

    with pytest.raises(ValidationError):
        lead_decide_lost(request=request, by=manager, approve=True)

    request.refresh_from_db()
    assert (request.state, Lead.objects.get().status) == ("returned", "open")


def test_lost_request_cannot_be_approved_once_the_customer_has_ordered(make_lead, consultant, manager):
    lead = make_lead(consultant=consultant, grade="B")
    request = lead_request_lost(lead=lead, by=consultant, reason="price")
    record(lead, consultant, kind="order")  # the customer paid a deposit while the request waited

    with pytest.raises(ValidationError):
        lead_decide_lost(request=request, by=manager, approve=True)

    lead.refresh_from_db()
    assert (lead.status, lead.grade) == ("ordered", "O")


# --- Reassignment --------------------------------------------------------------------------------------------


def test_reassigning_a_lead_records_who_had_it_and_who_has_it(make_lead, consultant, other_consultant, manager):
    lead = make_lead(consultant=consultant, grade="H")

    moved = lead_reassign(leads=[lead], to=other_consultant, by=manager, reason="张伟休假")

    assert moved == 1
    version = lead.version
    lead.refresh_from_db()
    assert (lead.owner, lead.version) == (other_consultant, version + 1)
    event = lead.events.last()
    assert (event.kind, event.by, event.owner, event.grade, event.status, event.at, event.note) == (
        "reassigned",
        manager,
        other_consultant,
        "H",
        "open",
        CURRENT_TIME,
        "张伟休假",
    )
    assert event.details == {"from": "张伟", "to": "李娜"}


def test_reassigning_many_leads_leaves_those_the_target_already_owns_alone(
    make_lead, consultant, other_consultant, manager
):
    mine = [make_lead(consultant=consultant, phone=f"1380013800{n}") for n in (1, 2)]
    theirs = make_lead(consultant=other_consultant, phone="13800138003")

    moved = lead_reassign(leads=[*mine, theirs], to=other_consultant, by=manager, reason="张伟离职")

    assert moved == 2
    assert set(Lead.objects.values_list("owner", flat=True)) == {other_consultant.pk}
    for lead in mine:
        event = lead.events.get(kind="reassigned")
        assert (event.owner, event.details) == (other_consultant, {"from": "张伟", "to": "李娜"})
    assert not theirs.events.filter(kind="reassigned").exists()
    untouched = theirs.version
    theirs.refresh_from_db()
    assert theirs.version == untouched


def test_consultant_cannot_reassign_leads(make_lead, consultant, other_consultant):
    lead = make_lead(consultant=consultant)

    with pytest.raises(PermissionDenied):
        lead_reassign(leads=[lead], to=other_consultant, by=consultant)

    lead.refresh_from_db()
    assert lead.owner == consultant
    assert not lead.events.filter(kind="reassigned").exists()


def test_leads_cannot_be_reassigned_across_showrooms(make_lead, consultant, other_consultant, manager, other_manager):
    far_consultant = UserFactory(username="wu", showroom=other_manager.showroom)
    lead = make_lead(consultant=consultant)

    with pytest.raises(PermissionDenied):
        lead_reassign(leads=[lead], to=far_consultant, by=manager)
    with pytest.raises(PermissionDenied):
        lead_reassign(leads=[lead], to=far_consultant, by=other_manager)

    lead.refresh_from_db()
    assert lead.owner == consultant
    assert not lead.events.filter(kind="reassigned").exists()


# --- Concurrent edits ----------------------------------------------------------------------------------------


def test_contact_on_a_stale_version_is_refused_and_writes_nothing(make_lead, consultant, other_consultant):
    lead = make_lead(consultant=consultant, grade="B")
    # Two people opened the lead's contact form at the same version; the first one saves.
    mine, theirs = Lead.objects.get(pk=lead.pk), Lead.objects.get(pk=lead.pk)
    record(mine, consultant, grade_after="A", expected_version=lead.version)

    with pytest.raises(StaleError):
        record(theirs, other_consultant, grade_after="C", expected_version=lead.version)

    lead.refresh_from_db()
    assert (lead.grade, lead.version) == ("A", mine.version)
    assert lead.contacts.count() == 2  # the visit's and the first save's
    assert event_kinds(lead) == ["created", "contact", "contact"]


def test_details_edit_on_a_stale_version_is_refused_and_writes_nothing(make_lead, consultant, car_model):
    lead = make_lead(consultant=consultant, grade="B")
    opened = lead.version
    mine, theirs = Lead.objects.get(pk=lead.pk), Lead.objects.get(pk=lead.pk)
    lead_update_details(lead=mine, by=consultant, expected_version=opened, budget="20万")

    with pytest.raises(StaleError):
        lead_update_details(lead=theirs, by=consultant, expected_version=opened, budget="30万", car_models=[car_model])

    lead.refresh_from_db()
    assert (lead.budget, lead.version) == ("20万", opened + 1)
    assert not lead.car_models.exists()
    edited = lead.events.get(kind="edited")
    assert edited.details == {"budget": ["", "20万"]}
