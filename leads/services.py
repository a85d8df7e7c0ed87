"""Writes to the visitor register. Views, admin, commands and tests all go through these functions."""

from collections.abc import Collection
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dealer_crm.core.clock import showroom_date_of
from dealer_crm.core.models import Showroom, User
from dealer_crm.core.phones import normalize_phone
from dealer_crm.core.versioning import save_with_version

from .lead_services import lead_attach_visit
from .models import RegisterDay, RegisterDayEvent, Visit, VisitRevision

# The fields a register entry's form may set; everything else is bookkeeping.
VISIT_FIELDS = (
    "kind",
    "customer_name",
    "gender",
    "phone",
    "no_phone",
    "district",
    "address",
    "car_model",
    "source",
    "arrived_at",
    "left_at",
    "party_size",
    "grade",
    "summary",
    "remarks",
    "consultant",
)
# A departure a little ahead of the server clock is a phone's clock, not a visit from the future.
CLOCK_SKEW = timedelta(minutes=2)


def visit_check(visit: Visit, *, unknown: Collection[str] = ()) -> dict[str, list[str]]:
    """Every rule of a register entry at once, keyed by field so a form shows each next to its field; empty when
    the entry may be saved. Normalises the phone on `visit` on the way.

    `unknown`: fields the user filled in but the form could not read. The rules that need them wait (the form
    already says what is wrong there), so a partly readable form still shows every other problem in one pass.
    """
    errors: dict[str, list[str]] = {}
    unknown = set(unknown)
    if visit.phone and "phone" not in unknown:
        try:
            visit.phone = normalize_phone(visit.phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
            unknown.add("phone")
    try:
        visit.full_clean(
            exclude=["number", "created_by", "showroom", "visit_date", *unknown], validate_constraints=False
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)

    def known(*fields: str) -> bool:
        return unknown.isdisjoint(fields)

    if known("arrived_at", "left_at") and visit.arrived_at and visit.left_at:
        now = timezone.now()
        if visit.left_at <= visit.arrived_at:
            errors.setdefault("left_at", []).append(_("Departure must be after arrival."))
        if visit.left_at > now + CLOCK_SKEW:
            errors.setdefault("left_at", []).append(_("Departure cannot be in the future."))
        if showroom_date_of(visit.showroom, visit.arrived_at) != visit.visit_date:
            errors.setdefault("arrived_at", []).append(_("Arrival must be on the entry's date."))
        if showroom_date_of(visit.showroom, visit.left_at) != visit.visit_date:
            errors.setdefault("left_at", []).append(_("Arrival and departure must be on the same day."))

    if known("phone", "no_phone"):
        if visit.phone and visit.no_phone:
            errors.setdefault("no_phone", []).append(_("Untick “left no phone” or clear the phone number."))
        if not visit.phone and not visit.no_phone:
            errors.setdefault("phone", []).append(_("Enter the phone number, or tick “left no phone”."))
    if known("grade", "phone") and visit.grade and not visit.phone:
        errors.setdefault("grade", []).append(_("Only a customer who left a phone number can be graded."))

    if known("consultant") and visit.consultant_id and visit.consultant.showroom_id != visit.showroom_id:
        errors.setdefault("consultant", []).append(_("This consultant does not work in this showroom."))
    if known("district") and visit.district_id and visit.district.showroom_id != visit.showroom_id:
        errors.setdefault("district", []).append(_("This district belongs to another showroom."))
    return errors


def _validate_visit(visit: Visit) -> None:
    errors = visit_check(visit)
    if errors:
        raise ValidationError(errors)


def _lock_day(showroom: Showroom, day: date) -> RegisterDay:
    """The day's row, locked until the transaction ends: serialises running numbers and sign-off."""
    RegisterDay.objects.get_or_create(showroom=showroom, date=day)
    return RegisterDay.objects.select_for_update().get(showroom=showroom, date=day)


def _refuse_if_signed_off(day: RegisterDay) -> None:
    if day.is_signed_off:
        raise ValidationError(
            _("The register of %(date)s is signed off; ask the manager to reopen it.") % {"date": day.date.isoformat()},
            code="signed_off",
        )


def revision_value(visit: Visit, field: str):
    """A field's value as the history keeps it: raw codes and plain values, labels of related rows."""
    value = getattr(visit, field)
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, datetime):
        # In showroom time: a value read back from the database is in UTC, one from the form in local
        # time, and the same moment must compare equal (and the history shows HH:MM as the showroom saw it).
        return value.astimezone(visit.showroom.zone).isoformat()
    return value


@transaction.atomic
def visit_register(*, showroom: Showroom, created_by: User, visit_date: date, **fields) -> Visit:
    """Log a walk-in or call in the showroom's register.

    1. Normalise the phone and check every rule, all at once (ValidationError keyed by field).
    2. Lock the day's register row, refuse a signed-off day, take the next running number.
    3. Save the entry and its first history line.
    4. A customer who left a phone number feeds the lead tracker (see lead_services.lead_attach_visit).
    """
    visit = Visit(showroom=showroom, visit_date=visit_date, created_by=created_by, **fields)
    now = timezone.now()
    _validate_visit(visit)

    day = _lock_day(showroom, visit_date)
    _refuse_if_signed_off(day)
    # Numbers of soft-deleted entries are not reused: the paper sheet never renumbers either.
    last = Visit.objects.filter(showroom=showroom, visit_date=visit_date).aggregate(n=Max("number"))["n"]
    visit.number = (last or 0) + 1
    visit.save()
    VisitRevision.objects.create(
        visit=visit,
        action=VisitRevision.Action.CREATED,
        changed_by=created_by,
        changed_at=now,
        changes={field: [None, revision_value(visit, field)] for field in VISIT_FIELDS},
    )
    if visit.phone:
        lead_attach_visit(visit=visit)
    return visit


@transaction.atomic
def visit_update(*, visit: Visit, editor: User, expected_version: int, **fields) -> Visit:
    """Change an entry, refusing when someone saved it after `expected_version` was read.

    The write is a conditional UPDATE on the version, so of two simultaneous saves exactly one wins
    and the other gets StaleError with nothing written.
    """
    day = _lock_day(visit.showroom, visit.visit_date)
    _refuse_if_signed_off(day)

    before = {field: revision_value(visit, field) for field in VISIT_FIELDS}
    for field, value in fields.items():
        setattr(visit, field, value)
    now = timezone.now()
    _validate_visit(visit)
    after = {field: revision_value(visit, field) for field in VISIT_FIELDS}
    changes = {field: [before[field], after[field]] for field in VISIT_FIELDS if before[field] != after[field]}

    save_with_version(visit, fields=VISIT_FIELDS, expected_version=expected_version, updated_at=now)
    if changes:
        VisitRevision.objects.create(
            visit=visit, action=VisitRevision.Action.UPDATED, changed_by=editor, changed_at=now, changes=changes
        )
    return visit


@transaction.atomic
def visit_delete(*, visit: Visit, by: User, reason: str) -> None:
    """Soft-delete: the entry leaves every list and figure but stays in the database with who, when and why."""
    if not by.has_perm("leads.delete_visit") or by.showroom_id != visit.showroom_id:
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the entry is deleted.")]})
    day = _lock_day(visit.showroom, visit.visit_date)
    _refuse_if_signed_off(day)
    now = timezone.now()
    # The version moves on: an edit opened before the deletion cannot bring the entry back.
    Visit.objects.filter(pk=visit.pk).update(
        deleted_at=now, deleted_by=by, delete_reason=reason, updated_at=now, version=F("version") + 1
    )
    VisitRevision.objects.create(
        visit=visit, action=VisitRevision.Action.DELETED, changed_by=by, changed_at=now, reason=reason
    )


@transaction.atomic
def register_day_sign_off(*, showroom: Showroom, day: date, by: User) -> RegisterDay:
    """The manager confirms the day's register is true and complete; its entries lock."""
    if not by.has_perm("leads.sign_off_registerday") or by.showroom_id != showroom.pk:
        raise PermissionDenied
    register_day = _lock_day(showroom, day)
    if register_day.is_signed_off:
        return register_day  # a double click signs off once
    now = timezone.now()
    register_day.signed_off_at = now
    register_day.signed_off_by = by
    register_day.save(update_fields=["signed_off_at", "signed_off_by"])
    RegisterDayEvent.objects.create(day=register_day, action=RegisterDayEvent.Action.SIGNED_OFF, by=by, at=now)
    return register_day


@transaction.atomic
def register_day_reopen(*, showroom: Showroom, day: date, by: User, reason: str) -> RegisterDay:
    """Unlock a signed-off day for corrections; the reason stays in the day's history."""
    if not by.has_perm("leads.sign_off_registerday") or by.showroom_id != showroom.pk:
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the day is reopened.")]})
    register_day = _lock_day(showroom, day)
    if not register_day.is_signed_off:
        return register_day
    register_day.signed_off_at = None
    register_day.signed_off_by = None
    register_day.save(update_fields=["signed_off_at", "signed_off_by"])
    RegisterDayEvent.objects.create(
        day=register_day, action=RegisterDayEvent.Action.REOPENED, by=by, at=timezone.now(), reason=reason
    )
    return register_day
