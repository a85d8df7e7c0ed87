import pytest
from django.urls import reverse

from dealer_crm.core import health
from delivery import services as delivery_services
from delivery.models import Callback
from reports.services import daily_report_submit
from tests.conftest import TODAY
from tests.delivery.conftest import ALL_REQUIRED, VIN, contract_fields, next_slot
from tests.factories import CarModelFactory, UserFactory


@pytest.fixture
def core_health_checks_only(monkeypatch):
    """/healthz with only core's own check (the database): apps register more checks of their own in
    AppConfig.ready(), and those are tested with their apps."""
    for name in list(health.CHECKS):
        if name != "database":
            monkeypatch.delitem(health.CHECKS, name)
    monkeypatch.setitem(health.CHECKS, "database", health.database_health)


@pytest.fixture
def showroom_admin(showroom):
    """The showroom's administrator as the demo makes them: the admin role, and Django admin access."""
    return UserFactory(username="demo_admin", showroom=showroom, role="admin", is_staff=True)


@pytest.fixture
def showroom_admin_client(client, showroom_admin):
    client.force_login(showroom_admin)
    return client


@pytest.fixture
def other_showroom_records(other_showroom, other_manager, make_lead):
    """One of each record kind the admin shows, all of 上海一店, made through the app's services."""
    consultant = UserFactory(username="sh_sc", showroom=other_showroom)
    lead = make_lead(consultant=consultant, phone="13912345678", grade="H", customer_name="赵女士")
    contract = delivery_services.contract_sign(lead=lead, by=consultant, **contract_fields(CarModelFactory(), vin=VIN))
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


NEW_PASSWORD = "Taken-over-2026!"


@pytest.fixture
def post_new_password(showroom_admin_client):
    """The showroom admin sets `user`'s password to NEW_PASSWORD through the admin's password form."""

    def post(user):
        return showroom_admin_client.post(
            reverse("admin:auth_user_password_change", args=[user.pk]),
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true", "set-password": "1"},
        )

    return post
