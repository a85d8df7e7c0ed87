"""Invitations to visit (邀约到店): booked with a contact, listed for reception on Today, kept by the customer's
walk-in in the register, and a no-show once the slot and the showroom's grace period have passed (each once)."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from dcc.models import DccSettings
from dcc.services.appointments import appointments_settle_no_shows
from leads.models import Appointment, AppointmentPurpose, LeadEvent
from leads.services.appointments import appointment_book
from tests.conftest import CURRENT_TIME, SHANGHAI, TODAY
from tests.leads.test_lead_views import contact_data

TOMORROW = TODAY + timedelta(days=1)
SLOT = datetime.combine(TOMORROW, datetime.min.time().replace(hour=10), SHANGHAI)


@pytest.fixture
def lead(make_lead, consultant):
    return make_lead(consultant=consultant, start="10:00")


def book(lead, by, starts_at=SLOT, minutes=60):
    with time_machine.travel(CURRENT_TIME, tick=False):
        return appointment_book(
            lead=lead,
            by=by,
            purpose=AppointmentPurpose.TEST_DRIVE,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes),
        )


def test_a_contact_books_an_appointment_that_reception_sees_on_its_day(
    lead, consultant, manager, client_for, frozen_clock
):
    data = contact_data(
        lead,
        appointment_purpose="test_drive",
        appointment_date=TOMORROW.isoformat(),
        appointment_time="10:00",
        appointment_minutes="90",
    )
    response = client_for(consultant).post(reverse("leads:contact_create", args=[lead.pk]), data)
    assert response.status_code == 302, response.context["form"].errors

    appointment = Appointment.objects.get(lead=lead)
    assert (appointment.purpose, appointment.state, appointment.day) == ("test_drive", "booked", TOMORROW)
    assert appointment.starts_at == SLOT
    assert appointment.ends_at == SLOT + timedelta(minutes=90)
    assert appointment.contact == lead.contacts.latest("occurred_at")
    assert lead.events.filter(kind=LeadEvent.Kind.APPOINTMENT_BOOKED, details__appointment=appointment.pk).exists()

    assert "today-appointments" not in client_for(consultant).get(reverse("followups:today")).content.decode()
    frozen_clock.move_to(SLOT - timedelta(hours=2))
    for user in (consultant, manager):
        page = client_for(user).get(reverse("followups:today")).content.decode()
        assert f'data-appointment="{appointment.pk}"' in page, user


def test_every_booking_problem_is_shown_at_its_field_and_the_contact_is_not_saved(
    lead, consultant, client_for, frozen_clock
):
    url = reverse("leads:contact_create", args=[lead.pk])
    response = client_for(consultant).post(url, contact_data(lead, appointment_purpose="viewing"))
    errors = response.context["form"].errors
    assert set(errors) >= {"appointment_date", "appointment_time"}

    past = contact_data(
        lead, appointment_purpose="viewing", appointment_date=TODAY.isoformat(), appointment_time="09:00"
    )
    response = client_for(consultant).post(url, past)
    form = response.context["form"]
    assert "appointment_time" in form.errors
    assert form["summary"].value() == past["summary"]  # what was typed comes back

    no_purpose = contact_data(lead, appointment_date=TOMORROW.isoformat(), appointment_time="10:00")
    assert "appointment_purpose" in client_for(consultant).post(url, no_purpose).context["form"].errors
    assert not Appointment.objects.exists()
    assert lead.contacts.count() == 1  # only the register entry's


def test_the_customers_walk_in_on_the_day_keeps_the_appointment_and_a_call_does_not(
    lead, consultant, make_visit, frozen_clock
):
    appointment = book(lead, consultant)
    frozen_clock.move_to(SLOT + timedelta(hours=3))

    make_visit(consultant=consultant, day=TOMORROW, kind="call", start="09:00", phone=lead.phone)
    appointment.refresh_from_db()
    assert appointment.state == Appointment.State.BOOKED

    visit = make_visit(consultant=consultant, day=TOMORROW, start="10:05", phone=lead.phone)
    appointment.refresh_from_db()
    assert (appointment.state, appointment.visit) == (Appointment.State.ARRIVED, visit)
    assert lead.events.filter(kind=LeadEvent.Kind.APPOINTMENT_ARRIVED, visit=visit).exists()


def test_a_slot_past_its_grace_period_is_a_no_show_once_and_the_lead_is_due_that_day(lead, consultant):
    appointment = book(lead, consultant)
    DccSettings.objects.create(showroom=lead.showroom, no_show_grace_minutes=45)
    end = appointment.ends_at

    assert appointments_settle_no_shows(now=end + timedelta(minutes=44)).settled == 0
    assert appointments_settle_no_shows(now=end + timedelta(minutes=45)).settled == 1
    assert appointments_settle_no_shows(now=end + timedelta(minutes=46)).settled == 0

    appointment.refresh_from_db()
    lead.refresh_from_db()
    assert appointment.state == Appointment.State.NO_SHOW
    assert lead.next_follow_up == TOMORROW
    assert lead.events.filter(kind=LeadEvent.Kind.APPOINTMENT_NO_SHOW).count() == 1


def test_a_customer_who_comes_after_the_grace_period_still_counts_as_arrived(
    lead, consultant, make_visit, frozen_clock
):
    appointment = book(lead, consultant)
    assert appointments_settle_no_shows(now=appointment.ends_at + timedelta(hours=1)).settled == 1
    frozen_clock.move_to(SLOT + timedelta(hours=4))

    visit = make_visit(consultant=consultant, day=TOMORROW, start="12:30", phone=lead.phone)
    appointment.refresh_from_db()
    assert (appointment.state, appointment.visit) == (Appointment.State.ARRIVED, visit)
