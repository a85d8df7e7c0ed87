"""The Django admin shows the delivery records read-only (they are written through the services, which keep the
rules and the history); only the showroom's delivery settings are edited there."""

import pytest
from django.urls import reverse

from delivery.models import DeliverySettings
from tests.factories import UserFactory


@pytest.fixture
def admin_client(client, db):
    admin = UserFactory(showroom=None, role="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.mark.parametrize("model", ["contract", "customercard", "delivery", "callback", "complaint"])
def test_delivery_records_are_listed_and_shown_but_not_added_or_changed(frozen_clock, delivered, admin_client, model):
    delivery = delivered()
    obj = {
        "contract": delivery.contract,
        "customercard": delivery.contract.lead.customer_card,
        "delivery": delivery,
        "callback": delivery.callbacks.first(),
        "complaint": None,
    }[model]

    assert admin_client.get(reverse(f"admin:delivery_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:delivery_{model}_add")).status_code == 403
    if obj is not None:
        page = admin_client.get(reverse(f"admin:delivery_{model}_change", args=[obj.pk]))
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()


def test_the_callback_schedule_is_edited_in_the_admin_and_checked(admin_client, showroom):
    url = reverse("admin:delivery_deliverysettings_add")
    data = {
        "showroom": showroom.pk,
        "callback_offsets": "3m 3d",
        "repeat_every_months": 6,
        "slot_minutes": 60,
        "first_slot": "09:00",
        "last_slot_ends": "18:00",
    }

    refused = admin_client.post(url, data)
    assert refused.status_code == 200 and not DeliverySettings.objects.exists()

    admin_client.post(url, {**data, "callback_offsets": "7d 1m 6m"})
    assert DeliverySettings.objects.get().callback_offsets == "7d 1m 6m"
