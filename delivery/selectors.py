"""Reads of contracts, cards, deliveries, callbacks and complaints: who sees what, and what the pages show.

Scope, as for leads: consultants see their own customers (the contract's consultant; a delivery also to the
colleague who hands the car over, a complaint also to its owner); managers see their whole showroom."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet

from dealer_crm.core.access import scoped_by_role
from dealer_crm.core.history import HistoryEntry, history_of
from dealer_crm.core.models import Showroom, User
from dealer_crm.core.phones import can_see_phones
from leads.models import Contact, Lead, Visit

from .models import (
    Callback,
    Complaint,
    Contract,
    CustomerCard,
    Delivery,
    DeliverySettings,
)


def delivery_settings_for(showroom: Showroom) -> DeliverySettings:
    """The showroom's settings row, or the defaults (unsaved) when the administrator has not made one."""
    try:
        return DeliverySettings.objects.get(showroom=showroom)
    except DeliverySettings.DoesNotExist:
        return DeliverySettings(showroom=showroom)


# --- Scope ----------------------------------------------------------------------------------------------------


def contracts_visible_to(user: User) -> QuerySet[Contract]:
    return scoped_by_role(Contract.objects.all(), user, own=Q(consultant=user))


def cards_visible_to(user: User) -> QuerySet[CustomerCard]:
    return scoped_by_role(CustomerCard.objects.all(), user, own=Q(contract__consultant=user))


def deliveries_visible_to(user: User) -> QuerySet[Delivery]:
    return scoped_by_role(Delivery.objects.all(), user, own=Q(contract__consultant=user) | Q(consultant=user))


def callbacks_visible_to(user: User) -> QuerySet[Callback]:
    return scoped_by_role(Callback.objects.all(), user, own=Q(consultant=user))


def complaints_visible_to(user: User) -> QuerySet[Complaint]:
    return scoped_by_role(Complaint.objects.all(), user, own=Q(owner=user) | Q(delivery__contract__consultant=user))


# --- Contracts and cards --------------------------------------------------------------------------------------


def live_contract_of(lead: Lead) -> Contract | None:
    """The lead's contract that is signed or delivered (at most one: a database constraint)."""
    return lead.contracts.exclude(status=Contract.Status.CANCELLED).first()


def contract_rows(queryset: QuerySet[Contract]) -> QuerySet[Contract]:
    """What the contract list shows, in the same query as the rows (the delivery is a reverse one-to-one)."""
    return queryset.select_related("lead", "car_model", "consultant", "delivery").order_by("-signed_on", "-pk")


CHANNEL_TO_SOURCE = {
    # lead channel: (source structure, first source) on the card
    "walk_in": ("showroom", "walk_in"),
    "call": ("showroom", "call"),
    "referral": ("referral", "customer_referral"),
    "event": ("outreach", "event"),
    "repeat": ("repeat", "repeat_purchase"),
}


def card_prefill(*, lead: Lead, contract: Contract) -> dict:
    """The card's fields as far as the CRM knows them when the contract is signed.

    From the lead: name, gender, mobile, district, expected purchase, budget, channel (→ source structure and
    first source). From its register entries: the first visit's information source, district and address (the
    latest address given, if the first had none). From its first contact: the initial grade. From the contract:
    the model bought, payment, trade-in and the trade-in vehicle as the current vehicle.
    """
    visits = list(
        Visit.objects.live().filter(contact__lead=lead).select_related("source", "district").order_by("arrived_at")
    )
    first = visits[0] if visits else None
    address = next((visit.address for visit in [first, *reversed(visits)] if visit and visit.address), "")
    first_contact = Contact.objects.filter(lead=lead).order_by("occurred_at", "id").first()
    structure, first_source = CHANNEL_TO_SOURCE.get(lead.channel, ("", ""))
    return {
        "customer_name": lead.customer_name,
        "gender": lead.gender,
        "mobile": lead.phone,
        "district": lead.district or (first.district if first else None),
        "address": address,
        "information_source": first.source if first else None,
        "source_structure": structure,
        "first_source": first_source,
        "expected_purchase_date": lead.expected_purchase_date,
        "budget": lead.budget,
        "trade_in": contract.trade_in,
        "current_vehicle": contract.trade_in_vehicle,
        "payment_method": contract.payment_method,
        # Government procurement is an organisation's purchase; anything else starts as a private customer.
        "customer_type": "company" if contract.payment_method == "government" else "individual",
        "model_bought": contract.car_model,
        "initial_grade": first_contact.grade_after if first_contact else "",
    }


def record_history(
    record: Contract | CustomerCard | Delivery | Callback | Complaint, viewer: User
) -> list[HistoryEntry]:
    """A contract's, card's, delivery's, callback's or complaint's history, its phone numbers as the viewer sees
    them everywhere else (dealer_crm.core.phones.can_see_phones)."""
    return history_of(record, phone_visible=can_see_phones(viewer))


# --- Deliveries -----------------------------------------------------------------------------------------------


def slot_times(settings: DeliverySettings) -> list[time]:
    """The start times of a day's delivery slots."""
    slots, minutes = [], settings.first_slot.hour * 60 + settings.first_slot.minute
    end = settings.last_slot_ends.hour * 60 + settings.last_slot_ends.minute
    while minutes + settings.slot_minutes <= end:
        slots.append(time(minutes // 60, minutes % 60))
        minutes += settings.slot_minutes
    return slots


@dataclass
class WeekCell:
    day: date
    start: time
    delivery: Delivery | None = None
    visible: bool = False  # the viewer may see whose delivery it is (their own customer, or a manager)


@dataclass
class WeekView:
    monday: date
    days: list[date]
    rows: list[tuple[time, list[WeekCell]]]
    off_grid: list[Delivery]  # booked outside today's slot grid (the settings changed since): still shown


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def delivery_week(*, user: User, showroom: Showroom, monday: date, settings: DeliverySettings) -> WeekView:
    """The showroom's deliveries of one week, Monday to Sunday, on the slot grid: one query."""
    zone = showroom.zone
    days = [monday + timedelta(days=offset) for offset in range(7)]
    start = datetime.combine(monday, time.min, tzinfo=zone)
    deliveries = (
        Delivery.objects.filter(showroom=showroom, starts_at__gte=start, starts_at__lt=start + timedelta(days=7))
        .exclude(status=Delivery.Status.CANCELLED)
        .select_related("contract__lead", "contract__car_model", "consultant")
    )
    by_slot = {}
    for delivery in deliveries:
        local = delivery.starts_at.astimezone(zone)
        by_slot[(local.date(), local.time())] = delivery
    visible = {delivery.pk for delivery in by_slot.values() if can_see_delivery(user, delivery)}
    slots = slot_times(settings)
    rows = [
        (
            slot,
            [WeekCell(day=day, start=slot, delivery=by_slot.pop((day, slot), None)) for day in days],
        )
        for slot in slots
    ]
    for _slot, cells in rows:
        for cell in cells:
            cell.visible = cell.delivery is not None and cell.delivery.pk in visible
    off_grid = sorted(by_slot.values(), key=lambda delivery: delivery.starts_at)
    for delivery in off_grid:
        delivery.visible = delivery.pk in visible
    return WeekView(monday=monday, days=days, rows=rows, off_grid=off_grid)


def can_see_delivery(user: User, delivery: Delivery) -> bool:
    """Whose customer is in a slot: shown to managers and to the consultants concerned; others see it taken."""
    return delivery.showroom_id == user.showroom_id and (
        user.manages_showroom or user.pk in (delivery.contract.consultant_id, delivery.consultant_id)
    )


# --- Callbacks and complaints -------------------------------------------------------------------------------


def due_callbacks_filter(user: User, today: date) -> QuerySet[Callback]:
    """The user's callbacks due today or earlier and not yet made (the Today list's count)."""
    return Callback.objects.filter(consultant=user, status=Callback.Status.PENDING, due_date__lte=today)


def callback_counts(queryset: QuerySet[Callback], today: date) -> dict[str, int]:
    """How many callbacks are due, coming up and done (one query), for the list's tabs."""
    pending = Q(status=Callback.Status.PENDING)
    return queryset.aggregate(
        due=Count("pk", filter=pending & Q(due_date__lte=today)),
        upcoming=Count("pk", filter=pending & Q(due_date__gt=today)),
        done=Count("pk", filter=Q(status=Callback.Status.DONE)),
    )


def callback_rows(queryset: QuerySet[Callback]) -> QuerySet[Callback]:
    """What a callback list shows of each: the customer, the car, the consultant."""
    return queryset.select_related("consultant", "delivery__contract__lead", "delivery__contract__car_model").order_by(
        "due_date", "step", "pk"
    )


def due_callbacks_for(user: User, today: date) -> list[Callback]:
    """The Today list's callbacks: most overdue first, each with how late it is."""
    callbacks = list(callback_rows(due_callbacks_filter(user, today)))
    for callback in callbacks:
        callback.days_overdue = (today - callback.due_date).days
    return callbacks


def complaint_rows(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return queryset.select_related("owner", "delivery__contract__lead", "delivery__contract__car_model").order_by(
        "opened_at", "pk"
    )
