"""Invitations to visit (邀约到店): booked during a contact, settled by the register.

The register settles an appointment: the customer's walk-in, logged on the appointment's day, marks it arrived
(appointment_arrive). A slot that ends with nobody logged becomes a no-show after the showroom's grace period;
that scan needs the DCC desk's settings and lives there (dcc.services.appointments).
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealer_crm.core.clock import showroom_date_of
from dealer_crm.core.models import User

from ..models import Appointment, Contact, Lead, LeadEvent, LeadStatus, Visit, VisitKind
from .tracker import lead_event_record

# A slot may start a little before the moment it is booked: the clerk types while the customer is on the line.
BOOKING_SLACK = timedelta(minutes=5)


def appointment_check(*, lead: Lead, starts_at: datetime | None, ends_at: datetime | None) -> dict[str, list[str]]:
    """Every problem of a booking at once, keyed by the service's field names."""
    errors: dict[str, list[str]] = {}
    if lead.status != LeadStatus.OPEN:
        errors.setdefault("__all__", []).append(_("Only an open lead can be invited to the showroom."))
    if starts_at is not None and starts_at < timezone.now() - BOOKING_SLACK:
        errors.setdefault("starts_at", []).append(_("An appointment cannot be in the past."))
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        errors.setdefault("ends_at", []).append(_("The appointment must end after it starts."))
    return errors


@transaction.atomic
def appointment_book(
    *, lead: Lead, by: User, purpose: str, starts_at: datetime, ends_at: datetime, contact: Contact | None = None
) -> Appointment:
    """Book the customer's visit; an event on the lead (the timeline, the webhooks' appointment.booked)."""
    errors = appointment_check(lead=lead, starts_at=starts_at, ends_at=ends_at)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    appointment = Appointment.objects.create(
        showroom=lead.showroom,
        lead=lead,
        contact=contact,
        booked_by=by,
        booked_at=now,
        purpose=purpose,
        starts_at=starts_at,
        ends_at=ends_at,
        day=showroom_date_of(lead.showroom, starts_at),
    )
    lead_event_record(
        lead=lead,
        kind=LeadEvent.Kind.APPOINTMENT_BOOKED,
        by=by,
        at=now,
        details=_details(appointment),
    )
    return appointment


def appointment_arrive(*, visit: Visit, lead: Lead) -> Appointment | None:
    """The customer walked in: their appointment of that day is kept. One already marked a no-show counts too
    (they came after the grace period); a phone call is not an arrival."""
    if visit.kind != VisitKind.WALK_IN:
        return None
    appointment = (
        Appointment.objects.select_for_update()
        .filter(
            lead=lead,
            day=visit.visit_date,
            state__in=[Appointment.State.BOOKED, Appointment.State.NO_SHOW],
            visit__isnull=True,
        )
        .order_by("starts_at", "pk")
        .first()
    )
    if appointment is None:
        return None
    appointment.state, appointment.visit, appointment.settled_at = Appointment.State.ARRIVED, visit, timezone.now()
    appointment.save(update_fields=["state", "visit", "settled_at"])
    lead_event_record(
        lead=lead,
        kind=LeadEvent.Kind.APPOINTMENT_ARRIVED,
        by=visit.consultant,
        at=visit.arrived_at,
        visit=visit,
        details=_details(appointment),
    )
    return appointment


def _details(appointment: Appointment) -> dict:
    return {
        "appointment": appointment.pk,
        "purpose": appointment.purpose,
        "starts_at": appointment.starts_at.isoformat(),
        "ends_at": appointment.ends_at.isoformat(),
    }
