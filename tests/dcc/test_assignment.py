"""An online lead given to a consultant by hand: the service's refusals, the manager's and the clerk's way to it
(the intake page's list and the lead's page), the consultant's 403, and the rotation counting it as a turn."""

from datetime import time, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dcc.models import DutyShift, OnlineLead, RotationTurn, Via
from dcc.services.assignment import online_lead_assign
from dcc.services.intake import online_lead_receive
from dcc.services.roster import next_up
from leads.models import ContactKind, Lead, LeadEvent, LeadStatus, LostReason
from leads.services.tracker import contact_record, lead_decide_lost, lead_request_lost
from tests.conftest import CURRENT_TIME, TODAY
from tests.factories import UserFactory
from tests.i18n import zh

INTAKE = reverse("dcc:online_lead_create")


def receive(source, *, phone="13912345678", platform_lead_id="AH-1", name="赵女士"):
    return online_lead_receive(
        source=source, via=Via.API, platform_lead_id=platform_lead_id, customer_name=name, phone=phone
    )[0]


def assign_url(inquiry):
    return reverse("dcc:online_lead_assign", args=[inquiry.pk])


def on_shift(showroom, *consultants):
    for consultant in consultants:
        DutyShift.objects.create(
            showroom=showroom, consultant=consultant, day=TODAY, starts_at=time(9), ends_at=time(21)
        )


@pytest.fixture
def inquiry(frozen_clock, lead_source, manager, consultant):
    """An inquiry that arrived with 张伟 on shift, so the rotation gave him the new lead."""
    on_shift(lead_source.showroom, consultant)
    inquiry = receive(lead_source)
    assert inquiry.lead.owner == consultant
    return inquiry


@pytest.fixture
def clerk(showroom):
    """The DCC clerk: neither manager nor consultant, given the intake permission in the admin."""
    clerk = UserFactory(username="dcc", last_name="周", first_name="敏", showroom=showroom)
    clerk.groups.clear()
    clerk.user_permissions.add(Permission.objects.get(content_type__app_label="dcc", codename="add_onlinelead"))
    return clerk


def snapshot(inquiry):
    lead = Lead.objects.get(pk=inquiry.lead_id)
    fresh = OnlineLead.objects.get(pk=inquiry.pk)
    return (lead.owner_id, lead.version, fresh.assigned_to_id, lead.events.count(), RotationTurn.objects.count())


def test_every_refusal_is_listed_at_once_and_nothing_changes(inquiry, manager, other_showroom):
    lead_request_lost(lead=inquiry.lead, by=inquiry.lead.owner, reason=LostReason.PRICE)
    lead_decide_lost(request=inquiry.lead.lost_requests.get(), by=manager, approve=True)
    before = snapshot(inquiry)
    # A manager of another showroom who has left: another showroom's, inactive and no consultant, at once.
    stranger = UserFactory(username="gone", showroom=other_showroom, role="manager", is_active=False)
    with pytest.raises(ValidationError) as refused:
        online_lead_assign(inquiry=inquiry, to=stranger, by=manager)
    errors = refused.value.message_dict
    assert set(errors) == {"to", "__all__"}
    assert len(errors["to"]) == 3  # another showroom, inactive, not a consultant
    assert errors["__all__"] == [zh("This lead is no longer open; it cannot be assigned.")]
    assert snapshot(inquiry) == before


def test_the_current_owner_is_refused(inquiry, manager, consultant):
    before = snapshot(inquiry)
    with pytest.raises(ValidationError) as refused:
        online_lead_assign(inquiry=inquiry, to=consultant, by=manager)
    assert list(refused.value.message_dict) == ["to"]
    assert snapshot(inquiry) == before


def test_a_consultant_or_another_showrooms_manager_may_not_assign(inquiry, consultant, other_consultant, other_manager):
    before = snapshot(inquiry)
    for by in (consultant, other_manager):
        with pytest.raises(PermissionDenied):
            online_lead_assign(inquiry=inquiry, to=other_consultant, by=by)
    assert snapshot(inquiry) == before


def test_the_manager_assigns_from_the_intake_list(
    client_for, frozen_clock, inquiry, manager, consultant, other_consultant
):
    version = inquiry.lead.version
    frozen_clock.shift(timedelta(minutes=3))
    page = client_for(manager).get(INTAKE).content.decode()
    assert f'action="{assign_url(inquiry)}"' in page and f'<option value="{other_consultant.pk}">' in page
    assert f'<option value="{consultant.pk}">' not in page  # the owner is not offered his own lead

    response = client_for(manager).post(
        assign_url(inquiry), {"to": other_consultant.pk, "reason": "客户要求女顾问", "next": INTAKE}
    )
    assert response.status_code == 302 and response["Location"] == INTAKE
    lead = Lead.objects.get(pk=inquiry.lead_id)
    assert (lead.owner, lead.version) == (other_consultant, version + 1)
    inquiry.refresh_from_db()
    assert (inquiry.assigned_to, inquiry.assigned_at) == (other_consultant, CURRENT_TIME + timedelta(minutes=3))
    event = lead.events.filter(kind=LeadEvent.Kind.ASSIGNED).latest("id")
    assert (event.by, event.owner, event.note) == (manager, other_consultant, "客户要求女顾问")
    assert event.details == {
        "to": other_consultant.pk,
        "from": consultant.pk,
        "by_rotation": False,
        "by_hand": True,
        "inquiry": inquiry.pk,
    }
    turn = RotationTurn.objects.latest("id")
    assert (turn.consultant, turn.kind, turn.lead_id, turn.recorded_by) == (
        other_consultant,
        RotationTurn.Kind.ONLINE,
        lead.pk,
        manager,
    )


def test_the_clerk_assigns_from_the_intake_list(client_for, inquiry, clerk, other_consultant):
    client = client_for(clerk)
    assert f'action="{assign_url(inquiry)}"' in client.get(INTAKE).content.decode()
    response = client.post(assign_url(inquiry), {"to": other_consultant.pk, "next": INTAKE})
    assert response["Location"] == INTAKE
    assert Lead.objects.get(pk=inquiry.lead_id).owner == other_consultant
    assert LeadEvent.objects.filter(lead_id=inquiry.lead_id, kind=LeadEvent.Kind.ASSIGNED).latest("id").by == clerk


def test_the_manager_assigns_from_the_lead_page_and_returns_to_it(client_for, inquiry, manager, other_consultant):
    client = client_for(manager)
    lead_page = reverse("leads:lead_detail", args=[inquiry.lead_id])
    assert assign_url(inquiry) in client.get(lead_page).content.decode()
    form = client.get(assign_url(inquiry), {"next": lead_page})
    assert form.status_code == 200 and form.context["next"] == lead_page
    response = client.post(assign_url(inquiry), {"to": other_consultant.pk, "next": lead_page})
    assert response["Location"] == lead_page
    assert Lead.objects.get(pk=inquiry.lead_id).owner == other_consultant


def test_a_refusal_is_shown_next_to_the_field(client_for, inquiry, manager, consultant):
    before = snapshot(inquiry)
    response = client_for(manager).post(assign_url(inquiry), {"to": consultant.pk})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["to"]
    assert snapshot(inquiry) == before


def test_a_consultant_is_refused_and_nothing_changes(client_for, inquiry, consultant, other_consultant):
    before = snapshot(inquiry)
    client = client_for(consultant)
    assert client.post(assign_url(inquiry), {"to": other_consultant.pk}).status_code == 403
    assert client.get(assign_url(inquiry)).status_code == 403
    assert snapshot(inquiry) == before


def test_another_showrooms_inquiry_does_not_exist_for_the_manager(client_for, inquiry, other_manager):
    assert client_for(other_manager).get(assign_url(inquiry)).status_code == 404


def test_the_lead_page_offers_it_to_managers_only(
    client_for, inquiry, manager, consultant, make_lead, other_consultant
):
    # A clerk who is not a manager cannot open another's lead (leads' scope), so the clerk assigns from the intake
    # page; the lead page's button is the manager's.
    lead_page = reverse("leads:lead_detail", args=[inquiry.lead_id])
    assert 'id="lead-assign"' in client_for(manager).get(lead_page).content.decode()
    assert 'id="lead-assign"' not in client_for(consultant).get(lead_page).content.decode()  # his own lead
    # A lead that came from the register has no online inquiry: nothing to assign from here.
    walk_in = make_lead(consultant=other_consultant, phone="13700000001")
    page = client_for(manager).get(reverse("leads:lead_detail", args=[walk_in.pk])).content.decode()
    assert 'id="lead-assign"' not in page


def test_an_answered_inquiry_has_no_assign_control_on_the_intake_list(client_for, inquiry, manager, consultant):
    assert f'action="{assign_url(inquiry)}"' in client_for(manager).get(INTAKE).content.decode()
    lead = inquiry.lead
    contact_record(
        lead=lead,
        by=consultant,
        kind=ContactKind.PHONE_CALL,
        occurred_at=CURRENT_TIME,
        grade_after="B",
        expected_version=lead.version,
    )
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.OPEN
    assert f'action="{assign_url(inquiry)}"' not in client_for(manager).get(INTAKE).content.decode()


def test_a_hand_assignment_is_the_consultants_turn(frozen_clock, lead_source, manager, consultant, other_consultant):
    on_shift(lead_source.showroom, consultant, other_consultant)
    first = receive(lead_source)
    given_by_rotation = first.lead.owner
    other = other_consultant if given_by_rotation == consultant else consultant
    frozen_clock.shift(timedelta(minutes=1))
    online_lead_assign(inquiry=first, to=other, by=manager)
    # Both have had one online customer today; the one whose turn is older (the rotation's pick) is next up.
    # Without the hand assignment's turn, `other` would look idle and get the next customer too.
    frozen_clock.shift(timedelta(minutes=1))
    assert next_up(showroom=lead_source.showroom, at=CURRENT_TIME + timedelta(minutes=2)) == given_by_rotation
