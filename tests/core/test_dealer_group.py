"""The dealer group's read-only role (集团/总经理): every showroom of its group, one at a time, and no writes."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from dealer_crm.core.models import Role
from dealer_crm.core.selectors import showrooms_visible_to
from leads.models import Lead
from leads.services import tracker as lead_services
from tests.factories import DealerGroupFactory, ShowroomFactory, UserFactory

PHONE = "13912345678"


@pytest.fixture
def dealer_group(showroom, other_showroom):
    group = DealerGroupFactory(code="hx", name="华信集团")
    for member in (showroom, other_showroom):
        member.dealer_group = group
        member.save(update_fields=["dealer_group"])
    return group


@pytest.fixture
def group_user(dealer_group):
    return UserFactory(username="gm", showroom=None, dealer_group=dealer_group, role=Role.GROUP)


@pytest.fixture
def third_showroom(db):
    """A showroom of another dealer group."""
    return ShowroomFactory(code="gz01", name="广州一店", dealer_group=DealerGroupFactory(code="other"))


@pytest.fixture
def leads_everywhere(make_lead, showroom, other_showroom, third_showroom):
    """One lead in each of the three showrooms, each owned by a consultant of its own showroom."""
    return {
        place.code: make_lead(consultant=UserFactory(showroom=place), phone=PHONE, customer_name=f"客户{place.code}")
        for place in (showroom, other_showroom, third_showroom)
    }


def view(client, showroom):
    response = client.post(reverse("view_showroom"), {"showroom": showroom.pk, "next": "/leads/"})
    assert response.status_code == 302
    return response


def test_group_role_has_the_view_permissions_and_no_other(group_user):
    assert group_user.role == Role.GROUP
    assert group_user.has_perm("leads.view_lead") and group_user.has_perm("delivery.view_delivery")
    assert group_user.has_perm("reports.export_showroom")
    for write in (
        "leads.change_lead",
        "leads.add_visit",
        "leads.view_all_phones",
        "delivery.change_contract",
        "reports.review_dailyreport",
        "core.oversee_showroom",
        "core.change_user",
    ):
        assert not group_user.has_perm(write), write
    assert not group_user.manages_showroom
    assert group_user.sees_whole_showroom


def test_showrooms_visible_to_is_the_group_for_the_group_role_and_one_for_staff(
    group_user, showroom, other_showroom, third_showroom, consultant
):
    assert set(showrooms_visible_to(group_user)) == {showroom, other_showroom}
    assert list(showrooms_visible_to(consultant)) == [showroom]


def test_group_user_sees_both_showrooms_of_the_group_and_not_a_third(
    client, group_user, leads_everywhere, showroom, other_showroom, third_showroom
):
    client.force_login(group_user)
    seen = {}
    for place in (showroom, other_showroom):
        view(client, place)
        page = client.get(reverse("leads:lead_list"))
        assert page.status_code == 200
        seen[place.code] = {lead.pk for lead in page.context["object_list"]}
        lead = leads_everywhere[place.code]
        assert client.get(reverse("leads:lead_detail", args=[lead.pk])).status_code == 200
        assert client.get(reverse("leads:visit_list")).status_code == 200
        # The lead of the other group's showroom stays out of reach whichever showroom is viewed.
        assert client.get(reverse("leads:lead_detail", args=[leads_everywhere["gz01"].pk])).status_code == 404

    assert seen == {"bj01": {leads_everywhere["bj01"].pk}, "sh01": {leads_everywhere["sh01"].pk}}
    assert client.post(reverse("view_showroom"), {"showroom": third_showroom.pk}).status_code == 404
    group_user.refresh_from_db()
    assert group_user.showroom_id is None  # the viewed showroom lives in the session only


def test_group_user_reads_the_managers_pages_of_the_viewed_showroom(
    client, group_user, leads_everywhere, other_showroom
):
    client.force_login(group_user)
    view(client, other_showroom)
    for name in (
        "reports:dashboard",
        "reports:daily_review",
        "reports:integrity",
        "leads:register_review",
        "leads:lost_list",
        "followups:overdue_board",
        "delivery:contract_list",
        "delivery:week",
        "reports:export_page",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
    dashboard = client.get(reverse("reports:dashboard"))
    assert dashboard.context["scope"].showroom == other_showroom
    assert dashboard.context["scope"].consultant is None  # the whole showroom, as a manager sees it


def test_group_user_sees_phones_masked(client, group_user, leads_everywhere, showroom):
    client.force_login(group_user)
    view(client, showroom)
    lead = leads_everywhere["bj01"]
    for url in (reverse("leads:lead_list"), reverse("leads:lead_detail", args=[lead.pk]), reverse("leads:visit_list")):
        body = client.get(url).content.decode()
        assert PHONE not in body, url
        assert "139****5678" in body, url


def test_every_write_is_refused_to_the_group_user(client, group_user, leads_everywhere, showroom):
    client.force_login(group_user)
    view(client, showroom)
    lead = leads_everywhere["bj01"]
    posts = [
        reverse("leads:visit_create"),
        reverse("leads:lead_update", args=[lead.pk]),
        reverse("leads:contact_create", args=[lead.pk]),
        reverse("leads:lost_request", args=[lead.pk]),
        reverse("leads:lead_reassign"),
        reverse("delivery:contract_create", args=[lead.pk]),
        reverse("reports:daily_report"),
        reverse("reports:import_upload"),
    ]
    for url in posts:
        assert client.post(url, {"customer_name": "x"}).status_code == 403, url
    assert Lead.objects.get(pk=lead.pk).version == lead.version


def test_services_refuse_the_group_user_too(group_user, leads_everywhere, showroom):
    """The views are not the only guard: the services check the role's permissions themselves."""
    group_user.showroom = showroom  # as the middleware sets it for the request
    lead = leads_everywhere["bj01"]
    with pytest.raises(PermissionDenied):
        lead_services.lead_reassign(leads=[lead], to=lead.owner, by=group_user)


def test_group_user_has_no_django_admin(client, group_user):
    client.force_login(group_user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_password_change_never_stores_the_viewed_showroom(client, group_user, showroom):
    client.force_login(group_user)
    view(client, showroom)
    response = client.post(
        reverse("password_change"),
        {"old_password": "pass-1234!", "new_password1": "Ein-neues-Pass-42", "new_password2": "Ein-neues-Pass-42"},
    )
    assert response.status_code == 302
    group_user.refresh_from_db()
    assert group_user.check_password("Ein-neues-Pass-42")
    assert group_user.showroom_id is None


def test_home_is_the_dashboard_for_the_group_user(client, group_user):
    client.force_login(group_user)
    assert client.get("/")["Location"] == reverse("reports:dashboard")
