"""Writes to the visitor register. Views, admin, commands and tests all go through these functions."""

import copy
from collections.abc import Collection
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dealer_crm.core.clock import showroom_date_of
from dealer_crm.core.history import Revision, changes_between, history_record
from dealer_crm.core.models import Showroom, User
from dealer_crm.core.phones import normalize_phone
from dealer_crm.core.signoff import record_reopen, record_sign_off
from dealer_crm.core.versioning import save_with_version

from ..models import LateEntry, RegisterDay, Visit
from ..rollups import funnel_rollup_refresh, visit_rollup_refresh
from ..selectors.register import register_day_snapshot
from ..services.appointments import appointment_arrive
from ..services.tracker import lead_attach_visit

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


@transaction.atomic
def visit_register(*, showroom: Showroom, created_by: User, visit_date: date, **fields) -> Visit:
    """Log a walk-in or call in the showroom's register.

    1. Normalise the phone and check every rule, all at once (ValidationError keyed by field).
    2. Lock the day's register row, refuse a signed-off day, take the next running number.
    3. Save the entry and its first history line.
    4. A customer who left a phone number feeds the lead tracker (see services.tracker.lead_attach_visit); their
       walk-in keeps the day's appointment (services.appointments.appointment_arrive).
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
    history_record(
        visit, action=Revision.Action.CREATED, by=created_by, at=now, changes=changes_between(None, visit, VISIT_FIELDS)
    )
    visit_rollup_refresh(showroom=showroom, day=visit_date, consultant_id=visit.consultant_id)
    if visit.phone:
        _feed_tracker(visit)
    return visit


def _feed_tracker(visit: Visit) -> None:
    """The entry's customer in the lead tracker, and the appointment their walk-in keeps."""
    lead = lead_attach_visit(visit=visit)
    appointment_arrive(visit=visit, lead=lead)


@transaction.atomic
def visit_update(*, visit: Visit, editor: User, expected_version: int, **fields) -> Visit:
    """Change an entry, refusing when someone saved it after `expected_version` was read.

    The write is a conditional UPDATE on the version, so of two simultaneous saves exactly one wins
    and the other gets StaleError with nothing written.
    """
    day = _lock_day(visit.showroom, visit.visit_date)
    _refuse_if_signed_off(day)

    before = copy.copy(visit)
    consultant_before = visit.consultant_id
    for field, value in fields.items():
        setattr(visit, field, value)
    now = timezone.now()
    _validate_visit(visit)
    changes = changes_between(before, visit, VISIT_FIELDS)

    save_with_version(visit, fields=VISIT_FIELDS, expected_version=expected_version, updated_at=now)
    if changes:
        history_record(visit, action=Revision.Action.UPDATED, by=editor, at=now, changes=changes)
    # An entry moved to another consultant leaves one row and joins another (the day itself never changes).
    for consultant_id in sorted({consultant_before, visit.consultant_id}):
        visit_rollup_refresh(showroom=visit.showroom, day=visit.visit_date, consultant_id=consultant_id)
        funnel_rollup_refresh(showroom=visit.showroom, day=visit.visit_date, consultant_id=consultant_id)
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
    history_record(visit, action=Revision.Action.DELETED, by=by, at=now, reason=reason)
    visit_rollup_refresh(showroom=visit.showroom, day=visit.visit_date, consultant_id=visit.consultant_id)
    funnel_rollup_refresh(showroom=visit.showroom, day=visit.visit_date, consultant_id=visit.consultant_id)


def _require_register_manager(by: User, showroom: Showroom) -> None:
    if not by.has_perm("leads.sign_off_registerday") or by.showroom_id != showroom.pk:
        raise PermissionDenied


@transaction.atomic
def register_day_sign_off(*, showroom: Showroom, day: date, by: User, expected_version: int | None) -> RegisterDay:
    """The manager confirms the day's register is true and complete: its entries lock, and what they signed
    (the entries and the day's totals, see selectors.register_day_snapshot) is what the month shows.
    Signing off twice signs off once; a version other than the page's raises StaleError."""
    _require_register_manager(by, showroom)
    register_day = _lock_day(showroom, day)
    snapshot = register_day_snapshot(showroom=showroom, day=day)
    if record_sign_off(register_day, by=by, expected_version=expected_version, snapshot=snapshot):
        history_record(register_day, action=Revision.Action.SIGNED_OFF, by=by, at=register_day.signed_off_at)
    return register_day


@transaction.atomic
def register_day_reopen(
    *, showroom: Showroom, day: date, by: User, reason: str, expected_version: int | None
) -> RegisterDay:
    """Unlock a signed-off day for corrections; the reason stays in the day's history."""
    _require_register_manager(by, showroom)
    register_day = _lock_day(showroom, day)
    if record_reopen(register_day, expected_version=expected_version, reason=reason):
        history_record(register_day, action=Revision.Action.REOPENED, by=by, reason=reason.strip())
    return register_day


# --- Late entries (补登): a visit logged after its day was signed off ------------------------------------------


def _entry_values(visit: Visit) -> dict[str, str | None]:
    """The entry's form fields as text, the way each model field writes itself (and reads back, to_python)."""
    values = {}
    for name in VISIT_FIELDS:
        field = Visit._meta.get_field(name)
        values[name] = None if field.value_from_object(visit) is None else field.value_to_string(visit)
    return values


def late_entry_visit(late_entry: LateEntry) -> Visit:
    """The unsaved register entry a late entry proposes, as it was typed."""
    visit = Visit(showroom_id=late_entry.showroom_id, visit_date=late_entry.visit_date, created_by=late_entry.filed_by)
    for name, text in late_entry.fields.items():
        field = Visit._meta.get_field(name)
        setattr(visit, field.attname, None if text is None else field.to_python(text))
    return visit


@transaction.atomic
def late_entry_file(*, showroom: Showroom, filed_by: User, visit_date: date, reason: str, **fields) -> LateEntry:
    """File a visit for a signed-off day, with why it comes late; the manager approves or declines it.

    The entry is checked by the register's rules now (so what waits for the manager is complete); the day
    must be signed off, otherwise the entry belongs in the register straight away (visit_register).
    """
    visit = Visit(showroom=showroom, visit_date=visit_date, created_by=filed_by, **fields)
    errors = visit_check(visit)
    if not reason.strip():
        errors["late_reason"] = [_("Say why this entry comes after the sign-off.")]
    if errors:
        raise ValidationError(errors)
    if not _lock_day(showroom, visit_date).is_signed_off:
        raise ValidationError(
            _("The register of %(date)s is open again: save the entry normally.") % {"date": visit_date.isoformat()},
            code="not_signed_off",
        )
    return LateEntry.objects.create(
        showroom=showroom,
        visit_date=visit_date,
        consultant=visit.consultant,
        customer_name=visit.customer_name,
        arrived_at=visit.arrived_at,
        fields=_entry_values(visit),
        reason=reason.strip(),
        filed_by=filed_by,
        filed_at=timezone.now(),
    )


def _lock_pending(late_entry: LateEntry, by: User) -> LateEntry:
    if not by.has_perm("leads.sign_off_registerday") or by.showroom_id != late_entry.showroom_id:
        raise PermissionDenied
    late_entry = LateEntry.objects.select_for_update().get(pk=late_entry.pk)
    if late_entry.state != LateEntry.State.PENDING:
        raise ValidationError(_("This late entry has been decided already."), code="decided")
    return late_entry


@transaction.atomic
def late_entry_approve(*, late_entry: LateEntry, by: User, expected_version: int | None) -> Visit:
    """The manager accepts a late entry.

    1. Lock the day (running numbers, sign-off) and the late entry; refuse one decided or changed meanwhile.
    2. The entry joins the day's register with the next running number, marked late, with its history line
       and its lead, as any entry (visit_register's steps 3 and 4).
    3. A signed day records the amendment in its sign-off and its history: the month then shows the day as
       signed plus this entry.
    """
    day = _lock_day(late_entry.showroom, late_entry.visit_date)
    late_entry = _lock_pending(late_entry, by)
    now = timezone.now()
    visit = late_entry_visit(late_entry)
    _validate_visit(visit)
    last = Visit.objects.filter(showroom_id=visit.showroom_id, visit_date=visit.visit_date).aggregate(n=Max("number"))
    visit.number = (last["n"] or 0) + 1
    visit.late = True
    visit.save()
    late_entry.state, late_entry.decided_by, late_entry.decided_at, late_entry.visit = (
        LateEntry.State.APPROVED,
        by,
        now,
        visit,
    )
    save_with_version(
        late_entry, fields=["state", "decided_by", "decided_at", "visit"], expected_version=expected_version
    )
    history_record(
        visit,
        action=Revision.Action.CREATED,
        by=late_entry.filed_by,
        at=late_entry.filed_at,
        changes=changes_between(None, visit, VISIT_FIELDS),
        reason=late_entry.reason,
    )
    visit_rollup_refresh(showroom=visit.showroom, day=visit.visit_date, consultant_id=visit.consultant_id)
    if visit.phone:
        _feed_tracker(visit)
    if day.is_signed_off:
        amendment = {"late_entry": late_entry.pk, "visit": visit.pk, "at": now.isoformat(), "by": by.pk}
        day.snapshot = {**day.snapshot, "amendments": [*day.snapshot.get("amendments", []), amendment]}
        save_with_version(day, fields=["snapshot"], expected_version=day.version)
        history_record(
            day,
            action=Revision.Action.AMENDED,
            by=by,
            at=now,
            reason=f"#{visit.number} {visit.customer_name}: {late_entry.reason}",
        )
    return visit


@transaction.atomic
def late_entry_decline(*, late_entry: LateEntry, by: User, reason: str, expected_version: int | None) -> LateEntry:
    """The manager refuses a late entry, saying why; it stays on record with its decision."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the late entry is declined.")]})
    late_entry = _lock_pending(late_entry, by)
    late_entry.state, late_entry.decided_by, late_entry.decided_at = LateEntry.State.DECLINED, by, timezone.now()
    late_entry.decision_reason = reason.strip()
    save_with_version(
        late_entry,
        fields=["state", "decided_by", "decided_at", "decision_reason"],
        expected_version=expected_version,
    )
    return late_entry
