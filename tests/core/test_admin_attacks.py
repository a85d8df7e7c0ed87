"""The two attacks a showroom's administrator could make through the Django admin (issue 11): raising their own
rights, and reading or taking over another showroom. Each failed before the admin was scoped."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from delivery import services as delivery_services
from delivery.models import Callback
from reports.services import daily_report_submit
from tests.conftest import TODAY
from tests.delivery.conftest import ALL_REQUIRED, VIN, contract_fields, next_slot
from tests.factories import CarModelFactory, UserFactory

PASSWORD = "Taken-over-2026!"


@pytest.fixture
def showroom_admin(showroom):
    """The showroom's administrator as the demo makes them: the admin role, and Django admin access."""
    return UserFactory(username="demo_admin", showroom=showroom, role="admin", is_staff=True)


@pytest.fixture
def admin_client(client, showroom_admin):
    client.force_login(showroom_admin)
    return client


def test_a_showroom_admin_cannot_make_themselves_superuser(admin_client, showroom_admin):
    """They post their own user back with every right the stock form offered."""
    admin_group = Group.objects.get(name="admin")
    any_permission = Permission.objects.get(codename="delete_visit")

    admin_client.post(
        reverse("admin:core_user_change", args=[showroom_admin.pk]),
        {
            "username": showroom_admin.username,
            "first_name": showroom_admin.first_name,
            "last_name": showroom_admin.last_name,
            "email": "",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [admin_group.pk, Group.objects.get(name="manager").pk],
            "user_permissions": [any_permission.pk],
            "date_joined_0": "2026-11-01",
            "date_joined_1": "09:00:00",
            "showroom": showroom_admin.showroom_id,
            "language": "zh-hans",
            "role": "admin",
        },
    )

    showroom_admin.refresh_from_db()
    assert not showroom_admin.is_superuser
    assert list(showroom_admin.groups.values_list("name", flat=True)) == ["admin"]
    assert not showroom_admin.user_permissions.exists()


@pytest.fixture
def other_showroom_records(other_showroom, other_manager, make_lead):
    """One of each record kind the admin shows, all of 上海一店, made through the app's services."""
    consultant = UserFactory(username="sh_sc", showroom=other_showroom)
    lead = make_lead(consultant=consultant, phone="13912345678", grade="H", customer_name="赵女士")
    contract = delivery_services.contract_sign(
        lead=lead, by=consultant, **contract_fields(CarModelFactory(), vin=VIN)
    )
    delivery = delivery_services.delivery_book(
        contract=contract,
        by=consultant,
        starts_at=next_slot(other_showroom),
        consultant=consultant,
        service_advisor="孙师傅",
    )
    delivery = delivery_services.delivery_complete(
        delivery=delivery, by=consultant, items=ALL_REQUIRED, customer_signed_name="赵女士"
    )
    complaint = delivery_services.complaint_open(delivery=delivery, by=consultant, description="车漆有划痕")
    report = daily_report_submit(consultant=consultant, day=TODAY, remarks="今天接待一位")
    first_contact = lead.contacts.filter(visit__isnull=False).get()
    return {
        "core_user": other_manager,
        "leads_visit": first_contact.visit,
        "leads_lead": lead,
        "leads_contact": first_contact,
        "delivery_contract": contract,
        "delivery_customercard": lead.customer_card,
        "delivery_delivery": delivery,
        "delivery_callback": Callback.objects.filter(delivery=delivery).first(),
        "delivery_complaint": complaint,
        "reports_dailyreport": report,
    }


RECORD_KINDS = [
    "core_user",
    "leads_visit",
    "leads_lead",
    "leads_contact",
    "delivery_contract",
    "delivery_customercard",
    "delivery_delivery",
    "delivery_callback",
    "delivery_complaint",
    "reports_dailyreport",
]


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_a_showroom_admin_neither_lists_nor_opens_another_showrooms_records(
    frozen_clock, admin_client, other_showroom_records, kind
):
    record = other_showroom_records[kind]

    listing = admin_client.get(reverse(f"admin:{kind}_changelist"))
    opened = admin_client.get(reverse(f"admin:{kind}_change", args=[record.pk]))

    assert listing.status_code == 200
    assert record.pk not in [row.pk for row in listing.context["cl"].result_list]
    assert opened.status_code == 404


def test_another_showrooms_full_phone_numbers_are_not_in_the_admin(frozen_clock, admin_client, other_showroom_records):
    for kind in ("leads_visit", "leads_lead", "delivery_customercard"):
        listing = admin_client.get(reverse(f"admin:{kind}_changelist"), {"q": "1391234"})
        assert "13912345678" not in listing.content.decode()


def test_a_showroom_admin_cannot_set_another_showrooms_managers_password(admin_client, other_manager):
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[other_manager.pk]),
        {"password1": PASSWORD, "password2": PASSWORD, "usable_password": "true", "set-password": "1"},
    )

    assert response.status_code == 404
    other_manager.refresh_from_db()
    assert not other_manager.check_password(PASSWORD)
