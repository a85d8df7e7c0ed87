"""Writes after the order: contracts, the customer information card, deliveries, callbacks and complaints.

Views, admin, commands and tests all go through these functions. The lead moves only through leads' own
services (an ORDER contact when a contract is signed, a DELIVERY or CALLBACK contact afterwards, a reopening when
the contract is cancelled): leads knows nothing of contracts."""

import base64
import binascii
import copy
from collections.abc import Collection
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dealer_crm.core.clock import showroom_date_of, showroom_today
from dealer_crm.core.history import Revision, changes_between, history_record
from dealer_crm.core.models import Showroom, User
from dealer_crm.core.phones import normalize_phone
from dealer_crm.core.versioning import StaleError, save_with_version
from leads.models import ContactKind, Lead, LeadStatus
from leads.selectors.tracker import can_edit_lead
from leads.services.tracker import contact_record, contact_record_after_order, lead_reopen_after_cancellation

from .models import (
    CHECKLIST_ITEMS,
    Callback,
    Complaint,
    ComplaintAction,
    Contract,
    CustomerCard,
    Delivery,
    Priority,
)
from .schedule import Offset, parse_offsets
from .selectors import card_prefill, delivery_settings_for, slot_times
from .validators import normalize_vin, validate_vin

# The fields a contract's form may set; everything else is bookkeeping.
CONTRACT_FIELDS = (
    "number",
    "signed_on",
    "car_model",
    "trim",
    "colour",
    "vin",
    "price",
    "deposit",
    "payment_method",
    "trade_in",
    "trade_in_vehicle",
    "insurance",
    "planned_delivery_date",
    "remarks",
)
# The card's editable fields (the number, the customer, the contract and the opening date are fixed).
CARD_FIELDS = (
    "customer_name",
    "gender",
    "title",
    "birthday",
    "address",
    "district",
    "postcode",
    "landline",
    "mobile",
    "fax",
    "email",
    "source_structure",
    "first_source",
    "information_source",
    "current_vehicle",
    "current_vehicle_opinion",
    "purchase_type",
    "customer_type",
    "industry",
    "vehicle_use",
    "payment_method",
    "expected_purchase_date",
    "budget",
    "trade_in",
    "equipment_wishes",
    "priorities",
    "model_bought",
    "initial_grade",
)
# What a delivery's history follows (not the drawn signature: an image, not a value to compare).
DELIVERY_FIELDS = (
    "status",
    "starts_at",
    "consultant",
    "service_advisor",
    "notes",
    "moved_from",
    *CHECKLIST_ITEMS,
    "customer_signed_name",
    "delivered_on",
)
CALLBACK_FIELDS = ("status", "reached", "satisfaction", "remarks", "has_complaint")
COMPLAINT_FIELDS = ("status", "owner", "description", "closing_note")
# A drawn signature is a small PNG; anything much bigger is not one.
SIGNATURE_PREFIX = "data:image/png;base64,"
SIGNATURE_MAX_BYTES = 300_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied


# --- Contracts ------------------------------------------------------------------------------------------------


def contract_check(contract: Contract, *, unknown: Collection[str] = ()) -> dict[str, list[str]]:
    """Every rule of a contract at once, keyed by field so a form shows each next to its field; empty when it may
    be saved; trims the typed texts and normalises the VIN on `contract` on the way. `unknown`: fields the user
    filled in but the form could not read (a price that is not a number); the rules that need them wait, so a
    partly readable form still shows every other problem in one pass."""
    errors: dict[str, list[str]] = {}
    unknown = set(unknown)
    for name in ("number", "trim", "colour", "trade_in_vehicle", "insurance"):
        if isinstance(getattr(contract, name), str):
            setattr(contract, name, getattr(contract, name).strip())
    if isinstance(contract.vin, str):
        contract.vin = normalize_vin(contract.vin)
    try:
        contract.full_clean(
            exclude=["showroom", "lead", "consultant", "created_by", "status", "version", *unknown],
            validate_constraints=False,
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)

    def known(*fields: str) -> bool:
        return unknown.isdisjoint(fields)

    if known("vin"):
        try:
            validate_vin(contract.vin)
        except ValidationError as exc:
            errors.setdefault("vin", []).extend(exc.messages)
    if known("price") and contract.price is not None and contract.price <= 0:
        errors.setdefault("price", []).append(_("The price must be more than zero."))
    if known("deposit") and contract.deposit is not None and contract.deposit < 0:
        errors.setdefault("deposit", []).append(_("The deposit cannot be negative."))
    if known("price", "deposit") and contract.price is not None and contract.deposit is not None:
        if contract.deposit > contract.price:
            errors.setdefault("deposit", []).append(_("The deposit cannot be more than the price."))
    today = showroom_today(contract.showroom)
    if known("signed_on") and contract.signed_on and contract.signed_on > today:
        errors.setdefault("signed_on", []).append(_("A contract cannot be signed in the future."))
    if known("signed_on", "planned_delivery_date") and contract.signed_on and contract.planned_delivery_date:
        if contract.planned_delivery_date < contract.signed_on:
            errors.setdefault("planned_delivery_date", []).append(
                _("The delivery cannot be planned before the signing.")
            )
    if known("trade_in", "trade_in_vehicle") and contract.trade_in_vehicle and not contract.trade_in:
        errors.setdefault("trade_in", []).append(_("Tick trade-in, or clear the trade-in vehicle."))
    if (
        known("number")
        and contract.number
        and (
            Contract.objects.filter(showroom=contract.showroom, number=contract.number).exclude(pk=contract.pk).exists()
        )
    ):
        errors.setdefault("number", []).append(_("This showroom already has a contract with this number."))
    return errors


def _validate_contract(contract: Contract) -> None:
    errors = contract_check(contract)
    if errors:
        raise ValidationError(errors)


def _save_contract(contract: Contract, *, expected_version: int | None = None) -> None:
    """Save a new contract, or an edited one at `expected_version`, under a savepoint: a number taken a moment ago
    by a colleague is a field error."""
    try:
        with transaction.atomic():
            if contract.pk:
                save_with_version(
                    contract, fields=CONTRACT_FIELDS, expected_version=expected_version, updated_at=timezone.now()
                )
            else:
                contract.save()
    except IntegrityError:
        raise ValidationError({"number": [_("This showroom already has a contract with this number.")]}) from None


@transaction.atomic
def contract_sign(*, lead: Lead, by: User, **fields) -> Contract:
    """Sign the sales contract of an open or ordered lead; this opens the customer information card.

    1. The user may write the lead (its consultant or a manager) and sign contracts; the lead is open or
       ordered (not lost) and has no live contract.
    2. Check the contract (ValidationError keyed by field): number unique in the showroom, deposit ≤ price,
       the VIN's length and alphabet, signing not in the future, delivery not planned before it.
    3. An open lead becomes ordered through leads' own service: an ORDER contact, the daily report's order line.
    4. Save the contract and open the card, prefilled (or, after a cancelled contract, move the card to this one).
    """
    unknown = set(fields) - set(CONTRACT_FIELDS)
    if unknown:
        raise ValueError(f"not a contract field: {sorted(unknown)}")
    lead = Lead.objects.select_for_update().select_related("showroom", "owner").get(pk=lead.pk)
    _require(can_edit_lead(by, lead) and by.has_perm("delivery.add_contract"))
    if lead.status == LeadStatus.LOST:
        raise ValidationError(_("This lead is closed as lost; a returning customer comes back through the register."))
    live = lead.contracts.exclude(status=Contract.Status.CANCELLED).first()
    if live is not None:
        raise ValidationError(_("This customer already has contract %(number)s.") % {"number": live.number})
    contract = Contract(showroom=lead.showroom, lead=lead, consultant=lead.owner, created_by=by, **fields)
    _validate_contract(contract)
    if lead.status == LeadStatus.OPEN:
        contact_record(
            lead=lead,
            by=by,
            kind=ContactKind.ORDER,
            occurred_at=timezone.now(),
            grade_after="O",
            summary=f"{contract.number} {contract.car_model}",
            expected_version=lead.version,
        )
    _save_contract(contract)
    history_record(
        contract, action=Revision.Action.CREATED, by=by, changes=changes_between(None, contract, CONTRACT_FIELDS)
    )
    _card_open(contract=contract, by=by)
    return contract


@transaction.atomic
def contract_update(*, contract: Contract, by: User, expected_version: int, **fields) -> Contract:
    """Change a signed contract (the VIN once the car is allocated, say); refused once delivered or cancelled,
    and refused (StaleError) when someone saved it after `expected_version` was read."""
    unknown = set(fields) - set(CONTRACT_FIELDS)
    if unknown:
        raise ValueError(f"not a contract field: {sorted(unknown)}")
    _require(by.showroom_id == contract.showroom_id and by.has_perm("delivery.change_contract"))
    if contract.status != Contract.Status.SIGNED:
        raise ValidationError(_("A delivered or cancelled contract cannot be changed."))
    before = copy.copy(contract)
    for name, value in fields.items():
        setattr(contract, name, value)
    _validate_contract(contract)
    _save_contract(contract, expected_version=expected_version)
    changes = changes_between(before, contract, CONTRACT_FIELDS)
    if changes:
        history_record(contract, action=Revision.Action.UPDATED, by=by, changes=changes)
    return contract


@transaction.atomic
def contract_cancel(*, contract: Contract, by: User, reason: str) -> Contract:
    """Cancel a signed contract (the manager's decision): the reason is kept, a booked delivery frees its slot,
    and the lead goes back into the tracker with an event in its history (leads' own service)."""
    _require(by.has_perm("delivery.cancel_contract") and by.showroom_id == contract.showroom_id)
    contract = Contract.objects.select_for_update().select_related("lead").get(pk=contract.pk)
    if contract.status != Contract.Status.SIGNED:
        raise ValidationError(_("Only a signed contract whose car is not delivered yet can be cancelled."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the contract is cancelled.")]})
    lead_reopen_after_cancellation(lead=contract.lead, by=by, note=reason.strip())
    now = timezone.now()
    before = copy.copy(contract)
    contract.status, contract.cancelled_at, contract.cancelled_by = Contract.Status.CANCELLED, now, by
    contract.cancel_reason = reason.strip()
    contract.version += 1
    contract.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason", "version", "updated_at"])
    history_record(
        contract,
        action=Revision.Action.CANCELLED,
        by=by,
        at=now,
        changes=changes_between(before, contract, ["status"]),
        reason=contract.cancel_reason,
    )
    booked = Delivery.objects.select_for_update().filter(contract=contract, status=Delivery.Status.BOOKED).first()
    if booked is not None:
        before = copy.copy(booked)
        booked.status = Delivery.Status.CANCELLED
        Delivery.objects.filter(pk=booked.pk).update(status=booked.status, updated_at=now, version=F("version") + 1)
        # The slot is freed with the contract: the delivery's own history says so, and why.
        history_record(
            booked,
            action=Revision.Action.CANCELLED,
            by=by,
            at=now,
            changes=changes_between(before, booked, ["status"]),
            reason=contract.cancel_reason,
        )
    return contract


# --- The customer information card ------------------------------------------------------------------------------


def _card_open(*, contract: Contract, by: User) -> CustomerCard:
    """Open the customer's card, numbered on from the showroom's last one and prefilled from what the CRM knows.
    A customer whose earlier contract was cancelled keeps their card: it moves to the new contract."""
    now = timezone.now()
    card = CustomerCard.objects.filter(lead=contract.lead).first()
    if card is not None:
        before = copy.copy(card)
        card.contract, card.model_bought, card.payment_method = contract, contract.car_model, contract.payment_method
        card.version += 1
        card.save(update_fields=["contract", "model_bought", "payment_method", "version", "updated_at"])
        changes = changes_between(before, card, ("model_bought", "payment_method"))
        if changes:
            history_record(card, action=Revision.Action.UPDATED, by=by, at=now, changes=changes)
        return card
    # The showroom's row, locked until the transaction ends, serialises the running numbers.
    Showroom.objects.select_for_update().filter(pk=contract.showroom_id).values_list("pk").get()
    last = CustomerCard.objects.filter(showroom_id=contract.showroom_id).aggregate(n=Max("number"))["n"]
    card = CustomerCard.objects.create(
        showroom_id=contract.showroom_id,
        number=(last or 0) + 1,
        lead=contract.lead,
        contract=contract,
        opened_on=contract.signed_on,
        **card_prefill(lead=contract.lead, contract=contract),
    )
    history_record(card, action=Revision.Action.OPENED, by=by, at=now, changes=changes_between(None, card, CARD_FIELDS))
    return card


def card_check(card: CustomerCard, *, unknown: Collection[str] = ()) -> dict[str, list[str]]:
    """Every rule of the card at once, keyed by field; empty when it may be saved. Normalises the mobile number and
    puts the priorities in the paper card's order on `card` on the way. `unknown`: fields the form could not read;
    the rules that need them wait, so the other problems show in the same pass."""
    errors: dict[str, list[str]] = {}
    unknown = set(unknown)
    if card.mobile and "mobile" not in unknown:
        try:
            card.mobile = normalize_phone(card.mobile)
        except ValidationError as exc:
            errors["mobile"] = exc.messages
            unknown.add("mobile")
    if "priorities" not in unknown:
        chosen = set(card.priorities or [])
        if chosen - set(Priority.values):
            errors["priorities"] = [_("Choose from the list.")]
        # Kept in the order of the paper card's list, whatever order they were ticked in.
        card.priorities = [code for code in Priority.values if code in chosen]
    try:
        card.full_clean(
            exclude=["showroom", "number", "lead", "contract", "opened_on", "version", *unknown],
            validate_constraints=False,
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if "district" not in unknown and card.district_id and card.district.showroom_id != card.showroom_id:
        errors.setdefault("district", []).append(_("This district belongs to another showroom."))
    if "birthday" not in unknown and card.birthday and card.birthday > showroom_today(card.showroom):
        errors.setdefault("birthday", []).append(_("A birthday cannot be in the future."))
    return errors


@transaction.atomic
def card_update(*, card: CustomerCard, by: User, expected_version: int, **fields) -> CustomerCard:
    """Change the card, keeping who changed what (old → new), refusing (StaleError) when someone saved it after
    `expected_version` was read: a conditional UPDATE on the version, so of two saves exactly one wins."""
    unknown = set(fields) - set(CARD_FIELDS)
    if unknown:
        raise ValueError(f"not a card field: {sorted(unknown)}")
    _require(by.showroom_id == card.showroom_id and by.has_perm("delivery.change_customercard"))
    before = copy.copy(card)
    for name, value in fields.items():
        setattr(card, name, value)
    errors = card_check(card)
    if errors:
        raise ValidationError(errors)
    changes = changes_between(before, card, CARD_FIELDS)
    now = timezone.now()
    save_with_version(card, fields=CARD_FIELDS, expected_version=expected_version, updated_at=now)
    if changes:
        history_record(card, action=Revision.Action.UPDATED, by=by, at=now, changes=changes)
    return card


# --- Deliveries -------------------------------------------------------------------------------------------------


def _slot_errors(*, showroom: Showroom, starts_at: datetime, exclude_pk: int | None) -> list[str]:
    """Why a delivery cannot start then: in the past, off the showroom's slot grid, or the slot is taken."""
    settings = delivery_settings_for(showroom)
    local = starts_at.astimezone(showroom.zone)
    if local.date() < showroom_today(showroom):
        return [_("A delivery cannot be booked in the past.")]
    slots = slot_times(settings)
    if local.time().replace(tzinfo=None) not in slots:
        return [
            _("Choose a slot start between %(first)s and %(last)s, every %(minutes)s minutes.")
            % {
                "first": slots[0].strftime("%H:%M") if slots else "–",
                "last": slots[-1].strftime("%H:%M") if slots else "–",
                "minutes": settings.slot_minutes,
            }
        ]
    taken = (
        Delivery.objects.filter(showroom=showroom, starts_at=starts_at)
        .exclude(status=Delivery.Status.CANCELLED)
        .exclude(pk=exclude_pk)
        .select_related("consultant")
        .first()
    )
    if taken is not None:
        return [_slot_taken_message(taken.consultant)]
    return []


def _slot_taken_message(consultant) -> str:
    return _(
        "This slot is already booked (%(consultant)s). Choose another time; the week view shows the free slots."
    ) % {"consultant": consultant}


@transaction.atomic
def delivery_book(
    *,
    contract: Contract,
    by: User,
    starts_at: datetime,
    consultant: User,
    service_advisor: str,
    notes: str = "",
    expected_version: int | None,
) -> Delivery:
    """Book the contract's delivery (交车预约), or move it to another slot while it is still booked.

    `expected_version`: None for a new booking, the booking's version as the form read it for a move.
    1. The contract is signed, not delivered or cancelled; the user may write it; a move is not stale.
    2. The time is today or later, on the showroom's slot grid, in a free slot; the consultant works in the
       showroom; a service advisor is named (ValidationError keyed by field).
    3. Save: the database's unique (showroom, start) constraint turns a colleague's booking of the same slot a
       moment ago into the same "slot taken" error.
    """
    _require(by.showroom_id == contract.showroom_id and by.has_perm("delivery.add_delivery"))
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status != Contract.Status.SIGNED:
        raise ValidationError(_("Only a signed contract's car can be booked for delivery."))
    delivery = Delivery.objects.filter(contract=contract).first()
    if delivery is not None and delivery.status != Delivery.Status.BOOKED:
        raise ValidationError(_("This delivery is done; it cannot be moved."))
    if delivery is not None and expected_version is None:
        raise StaleError  # a "new" booking of a contract someone booked meanwhile
    errors: dict[str, list[str]] = {}
    slot_errors = _slot_errors(showroom=contract.showroom, starts_at=starts_at, exclude_pk=delivery and delivery.pk)
    if slot_errors:
        errors["starts_at"] = slot_errors
    if consultant.showroom_id != contract.showroom_id or not consultant.is_active:
        errors["consultant"] = [_("This consultant does not work in this showroom.")]
    if not service_advisor.strip():
        errors["service_advisor"] = [_("Name the service advisor who will meet the customer.")]
    if errors:
        raise ValidationError(errors)
    before = copy.copy(delivery)
    if delivery is None:
        delivery = Delivery(showroom_id=contract.showroom_id, contract=contract, booked_by=by)
    delivery.starts_at, delivery.consultant = starts_at, consultant
    delivery.service_advisor, delivery.notes = service_advisor.strip(), notes
    try:
        with transaction.atomic():
            if delivery.pk:
                save_with_version(
                    delivery,
                    fields=["starts_at", "consultant", "service_advisor", "notes"],
                    expected_version=expected_version,
                    updated_at=timezone.now(),
                )
            else:
                delivery.save()
    except IntegrityError:
        raise ValidationError({"starts_at": [_slot_taken_message(_("another consultant"))]}) from None
    _delivery_history(before, delivery, by=by)
    return delivery


def _delivery_history(before: Delivery | None, delivery: Delivery, *, by: User, action: str = "") -> None:
    """The delivery's history line: created (booked), or what changed since `before`."""
    changes = changes_between(before, delivery, DELIVERY_FIELDS)
    if before is None:
        history_record(delivery, action=Revision.Action.CREATED, by=by, changes=changes)
    elif changes:
        history_record(delivery, action=action or Revision.Action.UPDATED, by=by, changes=changes)


def _apply_checklist(delivery: Delivery, items: dict[str, bool]) -> None:
    unknown = set(items) - set(CHECKLIST_ITEMS)
    if unknown:
        raise ValueError(f"not a checklist item: {sorted(unknown)}")
    for name, value in items.items():
        setattr(delivery, name, bool(value))


@transaction.atomic
def delivery_save_checklist(
    *,
    delivery: Delivery,
    by: User,
    items: dict[str, bool],
    expected_version: int,
    customer_signed_name: str = "",
    signature: str = "",
) -> Delivery:
    """Keep what was done and typed so far on the delivery day (the car is not handed over yet): the ticks, the
    customer's typed name and their drawn signature (dropped when it cannot be read: it is not one)."""
    _require(by.showroom_id == delivery.showroom_id and by.has_perm("delivery.change_delivery"))
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status != Delivery.Status.BOOKED:
        raise ValidationError(_("This delivery is done; its checklist is closed."))
    before = copy.copy(delivery)
    _apply_checklist(delivery, items)
    delivery.customer_signed_name = customer_signed_name.strip()
    delivery.signature = signature if signature_is_valid(signature) else ""
    save_with_version(
        delivery,
        fields=[*CHECKLIST_ITEMS, "customer_signed_name", "signature"],
        expected_version=expected_version,
        updated_at=timezone.now(),
    )
    _delivery_history(before, delivery, by=by)
    return delivery


def delivery_missing_prerequisites(*, delivery: Delivery) -> dict[str, str]:
    """What must be settled before the checklist's final button, so the delivery day page asks for it first:
    the car's VIN on the contract, and an appointment that has come (a customer collecting before their booked
    day has the appointment brought forward to now, on the record). Keyed "vin" and "appointment"."""
    missing = {}
    if not delivery.contract.vin:
        missing["vin"] = _("Enter the car's VIN on the contract before handing it over.")
    booked_day = showroom_date_of(delivery.showroom, delivery.starts_at)
    if booked_day > showroom_today(delivery.showroom):
        missing["appointment"] = _(
            "This delivery is booked for %(when)s. To hand the car over today, bring the appointment forward to now."
        ) % {"when": delivery.starts_at.astimezone(delivery.showroom.zone).strftime("%Y-%m-%d %H:%M")}
    return missing


@transaction.atomic
def delivery_move_to_now(*, delivery: Delivery, by: User, expected_version: int) -> Delivery:
    """The customer collects before their booked day: the appointment moves to now, and the delivery keeps the
    time it was booked for, who moved it and when (shown on the delivery day page)."""
    _require(by.showroom_id == delivery.showroom_id and by.has_perm("delivery.change_delivery"))
    delivery = Delivery.objects.select_for_update().select_related("showroom", "contract").get(pk=delivery.pk)
    if delivery.status != Delivery.Status.BOOKED:
        raise ValidationError(_("This delivery is done; it cannot be moved."))
    if "appointment" not in delivery_missing_prerequisites(delivery=delivery):
        return delivery  # a double click, or the booked day has come: nothing to move
    now = timezone.now()
    before = copy.copy(delivery)
    delivery.moved_from, delivery.moved_by, delivery.moved_at = delivery.starts_at, by, now
    delivery.starts_at = now
    save_with_version(
        delivery,
        fields=["starts_at", "moved_from", "moved_by", "moved_at"],
        expected_version=expected_version,
        updated_at=now,
    )
    _delivery_history(before, delivery, by=by)
    return delivery


def signature_is_valid(value: str) -> bool:
    """A PNG drawn on the device, as the canvas hands it over: a data: URL of a small PNG."""
    if not value.startswith(SIGNATURE_PREFIX) or len(value) > SIGNATURE_MAX_BYTES * 4 // 3 + 100:
        return False
    try:
        data = base64.b64decode(value[len(SIGNATURE_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return False
    return data.startswith(PNG_MAGIC) and len(data) <= SIGNATURE_MAX_BYTES


@transaction.atomic
def delivery_complete(
    *,
    delivery: Delivery,
    by: User,
    items: dict[str, bool],
    customer_signed_name: str,
    signature: str = "",
    expected_version: int,
) -> Delivery:
    """Hand the car over: the checklist's required items done, the customer's confirmation, then the follow-up.

    1. Refuse (ValidationError keyed by item) while a required checklist item is open; the optional ones (tour of
       the service department, ceremony and photo) never block. The customer types their name; a drawn
       signature is kept when the device allowed one. The prerequisites asked for before the checklist (the VIN,
       an appointment that has come: see delivery_missing_prerequisites) are refused again here, all at once.
    2. The delivery and its contract are done (the database refuses a completed delivery with an open item).
    3. The lead gets a DELIVERY contact (leads' own service; it stays ordered), and the callbacks to the new
       owner are scheduled from today: the showroom's fixed ones now, the repeating ones one at a time later.
    """
    _require(by.showroom_id == delivery.showroom_id and by.has_perm("delivery.change_delivery"))
    delivery = Delivery.objects.select_for_update().select_related("contract__lead", "showroom").get(pk=delivery.pk)
    if delivery.status != Delivery.Status.BOOKED:
        raise ValidationError(_("This delivery is already done."))
    before = copy.copy(delivery)
    _apply_checklist(delivery, items)
    errors: dict[str, list[str]] = {}
    for item in delivery.open_required_items():
        errors[item] = [_("Required before the car is handed over.")]
    name = customer_signed_name.strip()
    if not name:
        errors["customer_signed_name"] = [_("The customer confirms by typing their name.")]
    if signature and not signature_is_valid(signature):
        errors["signature"] = [_("The signature could not be read; clear it and sign again.")]
    contract = delivery.contract
    for message in delivery_missing_prerequisites(delivery=delivery).values():
        errors.setdefault("__all__", []).append(message)
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    today = showroom_date_of(delivery.showroom, now)
    delivery.status, delivery.completed_at, delivery.completed_by, delivery.delivered_on = (
        Delivery.Status.COMPLETED,
        now,
        by,
        today,
    )
    delivery.customer_signed_name, delivery.signature = name, signature
    save_with_version(
        delivery,
        fields=[
            *CHECKLIST_ITEMS,
            "status",
            "completed_at",
            "completed_by",
            "delivered_on",
            "customer_signed_name",
            "signature",
        ],
        expected_version=expected_version,
        updated_at=now,
    )
    _delivery_history(before, delivery, by=by, action=Revision.Action.COMPLETED)
    Contract.objects.filter(pk=contract.pk).update(
        status=Contract.Status.DELIVERED, version=F("version") + 1, updated_at=now
    )
    history_record(
        contract,
        action=Revision.Action.COMPLETED,
        by=by,
        at=now,
        changes={"status": [contract.status, Contract.Status.DELIVERED.value]},
    )
    contact_record_after_order(
        lead=contract.lead, by=by, kind=ContactKind.DELIVERY, occurred_at=now, summary=contract.number
    )
    _callbacks_schedule(delivery)
    return delivery


# --- Callbacks --------------------------------------------------------------------------------------------------


def _callbacks_schedule(delivery: Delivery) -> list[Callback]:
    """The fixed callbacks of the showroom's setting (3 days, 3 weeks, 3 months, 6 months by default), due from
    the delivery day, to the customer's consultant."""
    settings = delivery_settings_for(delivery.showroom)
    return Callback.objects.bulk_create(
        Callback(
            delivery=delivery,
            showroom_id=delivery.showroom_id,
            consultant_id=delivery.contract.consultant_id,
            step=step,
            offset=str(offset),
            due_date=offset.after(delivery.delivered_on),
        )
        for step, offset in enumerate(parse_offsets(settings.callback_offsets), start=1)
    )


def _callback_schedule_next(callback: Callback) -> Callback | None:
    """After the delivery's latest callback is made, the next "every N months" one: N months further from the
    delivery day (counted from the delivery, not from the last due date, so a clamped 28 February does not
    drift the dates after it). One at a time, so the table never holds an endless future."""
    delivery = callback.delivery
    if Callback.objects.filter(delivery=delivery, step__gt=callback.step).exists():
        return None
    settings = delivery_settings_for(delivery.showroom)
    offset = Offset.parse(callback.offset)
    if offset.unit == "m":
        following = offset.then(settings.repeat_every_months)
        due = following.after(delivery.delivered_on)
    else:  # a setting whose last callback is in days or weeks (not allowed now): repeat from its due date
        following = Offset(settings.repeat_every_months, "m")
        due = following.after(callback.due_date)
    next_callback, _created = Callback.objects.get_or_create(
        delivery=delivery,
        step=callback.step + 1,
        defaults={
            "showroom_id": callback.showroom_id,
            "consultant_id": callback.consultant_id,
            "offset": str(following),
            "due_date": due,
        },
    )
    return next_callback


@transaction.atomic
def callback_record(
    *,
    callback: Callback,
    by: User,
    reached: bool,
    satisfaction: int | None = None,
    remarks: str = "",
    complaint: str = "",
) -> Callback:
    """Record a callback to the new owner.

    1. Reached: a satisfaction score 1–5 is required and a complaint may be told (it opens a Complaint owned by
       the consultant). Not reached: neither (ValidationError keyed by field).
    2. The callback is done, claimed by a conditional UPDATE on its state: a double submit records it once.
    3. The lead gets a CALLBACK contact (the daily report's callback line); the delivery's latest callback done
       makes the next six-monthly one.
    """
    _require(
        by.showroom_id == callback.showroom_id
        and by.has_perm("delivery.change_callback")
        and (callback.consultant_id == by.pk or by.manages_showroom)
    )
    errors: dict[str, list[str]] = {}
    complaint = complaint.strip()
    if reached:
        if satisfaction is None:
            errors["satisfaction"] = [_("How satisfied is the customer? Choose 1 to 5.")]
        elif not 1 <= satisfaction <= 5:
            errors["satisfaction"] = [_("Choose 1 to 5.")]
    else:
        if satisfaction is not None:
            errors["satisfaction"] = [_("A customer who was not reached gives no score.")]
        if complaint:
            errors["complaint"] = [_("A complaint needs the customer on the phone.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    claimed = Callback.objects.filter(pk=callback.pk, status=Callback.Status.PENDING).update(
        status=Callback.Status.DONE,
        done_at=now,
        done_by=by,
        reached=reached,
        satisfaction=satisfaction if reached else None,
        remarks=remarks.strip(),
        has_complaint=bool(complaint),
    )
    if claimed != 1:
        raise ValidationError(_("This callback was already recorded."))
    before = callback
    callback = Callback.objects.select_related("delivery__contract__lead", "delivery__showroom").get(pk=callback.pk)
    history_record(
        callback,
        action=Revision.Action.COMPLETED,
        by=by,
        at=now,
        changes=changes_between(before, callback, CALLBACK_FIELDS),
    )
    contact_record_after_order(
        lead=callback.delivery.contract.lead,
        by=by,
        kind=ContactKind.CALLBACK,
        occurred_at=now,
        summary=callback.remarks,
    )
    if complaint:
        complaint_open(delivery=callback.delivery, by=by, description=complaint, callback=callback)
    _callback_schedule_next(callback)
    return callback


# --- Complaints -------------------------------------------------------------------------------------------------


@transaction.atomic
def complaint_open(
    *, delivery: Delivery, by: User, description: str, owner: User | None = None, callback: Callback | None = None
) -> Complaint:
    """Record a new owner's complaint (客户抱怨), owned by the customer's consultant unless someone else is named."""
    _require(by.showroom_id == delivery.showroom_id and by.has_perm("delivery.add_complaint"))
    owner = owner or delivery.contract.consultant
    errors: dict[str, list[str]] = {}
    if delivery.status != Delivery.Status.COMPLETED:
        errors["__all__"] = [_("Complaints are recorded once the car is delivered.")]
    if not description.strip():
        errors["description"] = [_("What does the customer complain about?")]
    if owner.showroom_id != delivery.showroom_id or not owner.is_active:
        errors["owner"] = [_("Choose someone who works in this showroom.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    complaint = Complaint.objects.create(
        showroom_id=delivery.showroom_id,
        delivery=delivery,
        callback=callback,
        owner=owner,
        description=description.strip(),
        opened_at=now,
        opened_on=showroom_date_of(delivery.showroom, now),
        opened_by=by,
    )
    history_record(
        complaint,
        action=Revision.Action.CREATED,
        by=by,
        at=now,
        changes=changes_between(None, complaint, COMPLAINT_FIELDS),
    )
    return complaint


@transaction.atomic
def complaint_add_action(*, complaint: Complaint, by: User, taken_on: date, description: str) -> ComplaintAction:
    """Note what was done about a complaint, dated; the first action puts it in progress."""
    _require(by.showroom_id == complaint.showroom_id and by.has_perm("delivery.add_complaintaction"))
    complaint = Complaint.objects.select_for_update().select_related("showroom").get(pk=complaint.pk)
    errors: dict[str, list[str]] = {}
    if complaint.is_closed:
        errors["__all__"] = [_("This complaint is closed.")]
    if not description.strip():
        errors["description"] = [_("What was done?")]
    if taken_on and taken_on > showroom_today(complaint.showroom):
        errors["taken_on"] = [_("An action cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    action = ComplaintAction.objects.create(
        complaint=complaint, taken_on=taken_on, description=description.strip(), by=by
    )
    before = copy.copy(complaint)
    if complaint.status == Complaint.Status.OPEN:
        complaint.status = Complaint.Status.IN_PROGRESS
        Complaint.objects.filter(pk=complaint.pk).update(status=complaint.status)
    # What was done is the complaint's change: the action's text is the line's reason.
    history_record(
        complaint,
        action=Revision.Action.UPDATED,
        by=by,
        changes=changes_between(before, complaint, COMPLAINT_FIELDS),
        reason=action.description,
    )
    return action


@transaction.atomic
def complaint_close(*, complaint: Complaint, by: User, closing_note: str) -> Complaint:
    """Close the loop (闭环): the manager's decision, with a note on how it ended."""
    _require(by.has_perm("delivery.close_complaint") and by.showroom_id == complaint.showroom_id)
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.is_closed:
        raise ValidationError(_("This complaint is already closed."))
    if not closing_note.strip():
        raise ValidationError({"closing_note": [_("Say how the complaint was resolved before closing it.")]})
    before = copy.copy(complaint)
    complaint.status, complaint.closed_at, complaint.closed_by = Complaint.Status.CLOSED, timezone.now(), by
    complaint.closing_note = closing_note.strip()
    complaint.save(update_fields=["status", "closed_at", "closed_by", "closing_note"])
    history_record(
        complaint,
        action=Revision.Action.CLOSED,
        by=by,
        at=complaint.closed_at,
        changes=changes_between(before, complaint, COMPLAINT_FIELDS),
    )
    return complaint
