"""The two attacks a showroom's administrator could make through the Django admin (issue 11): raising their own
rights, and reading or taking over another showroom. Each failed before the admin was scoped."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from tests.core.conftest import NEW_PASSWORD


def test_a_showroom_admin_cannot_make_themselves_superuser(showroom_admin_client, showroom_admin):
    """They post their own user back with every right the stock form offered."""
    admin_group = Group.objects.get(name="admin")
    any_permission = Permission.objects.get(codename="delete_visit")

    showroom_admin_client.post(
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
    frozen_clock, showroom_admin_client, other_showroom_records, kind
):
    record = other_showroom_records[kind]

    listing = showroom_admin_client.get(reverse(f"admin:{kind}_changelist"))
    opened = showroom_admin_client.get(reverse(f"admin:{kind}_change", args=[record.pk]))

    assert listing.status_code == 200
    assert record.pk not in [row.pk for row in listing.context["cl"].result_list]
    assert opened.status_code == 404


def test_another_showrooms_full_phone_numbers_are_not_in_the_admin(
    frozen_clock, showroom_admin_client, other_showroom_records
):
    for kind in ("leads_visit", "leads_lead", "delivery_customercard"):
        listing = showroom_admin_client.get(reverse(f"admin:{kind}_changelist"), {"q": "1391234"})
        assert "13912345678" not in listing.content.decode()


def test_a_showroom_admin_cannot_set_another_showrooms_managers_password(post_new_password, other_manager):
    response = post_new_password(other_manager)

    assert response.status_code == 404
    other_manager.refresh_from_db()
    assert not other_manager.check_password(NEW_PASSWORD)
