"""One way in for every online inquiry: the API, an ADF/XML post or upload, a batch file and the clerk's form.

`online_lead_receive` keeps what the platform sent (`OnlineLead`) and makes it part of a lead:
1. Check every field at once (the phone normalised as everywhere else); refuse with a ValidationError by field.
2. A platform lead id seen before from this source: return that inquiry, change nothing (a re-delivery).
3. The showroom's open lead for the phone takes it (attached): its owner keeps it, and the lead gets a
   first-response deadline unless it already waits for one, so it shows in the owner's Today online section.
4. Otherwise a new lead (channel online) goes to the next consultant on duty by rotation, or to the manager when
   nobody is on shift, with its deadline counted in the showroom's opening hours.
All in one transaction; the database's unique constraints settle two deliveries racing each other.
"""

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from dealer_crm.core.models import CarModel, District, Role, User
from dealer_crm.core.phones import normalize_phone
from leads.models import Channel, Lead, LeadEvent, LeadStatus
from leads.services.tracker import lead_create, lead_event_record

from ..models import LeadSource, OnlineLead, RotationTurn
from .deadlines import first_response_due
from .roster import rotation_take_next

MAX_UTC_OFFSET = timedelta(hours=14)
# The fields a caller gives, in the order their errors are listed.
FIELDS = ("platform_lead_id", "customer_name", "phone", "city", "car_model_text", "message", "platform_received_at")


def online_lead_receive(
    *,
    source: LeadSource,
    via: str,
    platform_lead_id: str,
    customer_name: str,
    phone: str,
    city: str = "",
    car_model_text: str = "",
    message: str = "",
    platform_received_at: datetime | None = None,
    entered_by: User | None = None,
) -> tuple[OnlineLead, bool]:
    """Receive one inquiry (see the module's steps): (the inquiry, True) when new, (the earlier one, False) when
    the source delivered this platform lead id before. Raises ValidationError keyed by field."""
    draft = _checked(
        source=source,
        via=via,
        entered_by=entered_by,
        **_given(platform_lead_id, customer_name, phone, city, car_model_text, message, platform_received_at),
    )
    with transaction.atomic():
        replay = _earlier(source, draft.platform_lead_id)
        if replay is not None:
            return replay, False
        # Two tries: a concurrent delivery may commit the same platform id (a replay, answered as one) or open
        # the lead for the same phone (then this inquiry attaches to it) between our read and our write.
        for attempt in range(2):
            try:
                with transaction.atomic():  # a savepoint: a refused write leaves nothing of this attempt behind
                    return _receive(draft), True
            except IntegrityError:
                replay = _earlier(source, draft.platform_lead_id)
                if replay is not None:
                    return replay, False
                if attempt:
                    raise
    raise AssertionError("unreachable")


def online_lead_validate(*, source: LeadSource, via: str, entered_by: User | None = None, **given) -> None:
    """Check online_lead_receive's arguments (the same) as it checks them, writing nothing (a batch file's preview):
    raises the ValidationError, keyed by field, that receive would raise. No query: whether the lead id was received
    before is online_leads_received's to say, for a whole file at once."""
    _checked(source=source, via=via, entered_by=entered_by, **_given(**given))


def online_leads_received(source: LeadSource, platform_lead_ids) -> set[str]:
    """Which of these platform lead ids the source delivered before (the replays), in one query."""
    ids = {lead_id for lead_id in platform_lead_ids if lead_id}
    return set(
        OnlineLead.objects.filter(source=source, platform_lead_id__in=ids).values_list("platform_lead_id", flat=True)
    )


def _given(
    platform_lead_id, customer_name, phone, city="", car_model_text="", message="", platform_received_at=None
) -> dict:
    """The caller's fields as the checks take them: text stripped (not the message: its lines are the customer's)."""
    return {
        "platform_lead_id": (platform_lead_id or "").strip(),
        "customer_name": (customer_name or "").strip(),
        "phone": phone or "",
        "city": (city or "").strip(),
        "car_model_text": (car_model_text or "").strip(),
        "message": message or "",
        "platform_received_at": platform_received_at,
    }


def _earlier(source: LeadSource, platform_lead_id: str) -> OnlineLead | None:
    if not platform_lead_id:
        return None  # no id, no idempotency: the clerk's form may take the same caller twice
    return OnlineLead.objects.select_related("lead").filter(source=source, platform_lead_id=platform_lead_id).first()


def _checked(*, source: LeadSource, via: str, entered_by: User | None, phone: str, **fields) -> OnlineLead:
    """The inquiry as an unsaved OnlineLead, every field's problem reported at once."""
    errors: dict[str, list] = {}
    try:
        phone = normalize_phone(phone)
    except ValidationError as error:
        errors["phone"] = error.messages
    if not source.active:
        errors["source"] = [_("This lead source is switched off.")]
    received = fields["platform_received_at"]
    if received is not None:
        if timezone.is_naive(received):
            errors["platform_received_at"] = [_("Give the time with its time zone.")]
        elif abs(received.utcoffset()) > MAX_UTC_OFFSET:
            # Real zones lie within ±14 hours; the database refuses an offset past ±15:59 outright.
            errors["platform_received_at"] = [_("The time zone's offset is out of range.")]
        else:
            fields["platform_received_at"] = received.astimezone(UTC)
    draft = OnlineLead(
        showroom_id=source.showroom_id,
        source=source,
        via=via,
        received_at=timezone.now(),
        phone=phone,
        entered_by=entered_by,
        **fields,
    )
    try:
        # Field rules only, on what the caller typed: the idempotency constraint is what finds a replay, inside
        # the transaction; the source, its showroom and the clerk are objects the caller holds (checking that they
        # exist would cost a query each, per row of a batch file).
        draft.full_clean(
            exclude=["lead", "response_due_at", "phone", "platform_received_at", "source", "showroom", "entered_by"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError({field: errors[field] for field in sorted(errors, key=_field_order)})
    return draft


def _field_order(field: str) -> int:
    return FIELDS.index(field) if field in FIELDS else -1


def car_model_matching(text: str) -> CarModel | None:
    """The catalogue's model this text names exactly ("凯美瑞" or "丰田 凯美瑞", any case), or None: an inquiry's
    free text is kept as sent and never guessed at; one name shared by two brands matches neither."""
    if not text:
        return None
    key = " ".join(text.split()).lower()
    matches = list(
        CarModel.objects.active()
        .annotate(full=Lower(Concat("brand", Value(" "), "name")), short=Lower("name"))
        .filter(Q(full=key) | Q(short=key))[:2]
    )
    return matches[0] if len(matches) == 1 else None


def _district_matching(showroom_id: int, city: str) -> District | None:
    """The showroom's district of exactly this name, else None (the text stays on the inquiry)."""
    if not city:
        return None
    matches = list(District.objects.active().filter(showroom_id=showroom_id, name__iexact=city)[:2])
    return matches[0] if len(matches) == 1 else None


def showroom_manager(showroom_id: int) -> User | None:
    """The showroom's manager (the first, by id, when it has several)."""
    return (
        User.objects.filter(showroom_id=showroom_id, is_active=True, groups__name=Role.MANAGER.value)
        .order_by("pk")
        .first()
    )


def _receive(draft: OnlineLead) -> OnlineLead:
    now = draft.received_at
    draft.car_model = car_model_matching(draft.car_model_text)
    showroom = draft.source.showroom
    lead = Lead.objects.select_for_update().filter(showroom=showroom, phone=draft.phone, status=LeadStatus.OPEN).first()
    due = first_response_due(showroom=showroom, received_at=now)
    details = {"source": draft.source.code, "via": draft.via, "platform_lead_id": draft.platform_lead_id}
    if lead is not None:
        # The customer is already somebody's: the owner keeps them, and is told through the lead's deadline (their
        # Today's online section lists the leads waiting for a first response). A deadline already running stays.
        if lead.response_due_at is None:
            Lead.objects.filter(pk=lead.pk).update(response_due_at=due, version=F("version") + 1, updated_at=now)
            lead.response_due_at = due
        draft.attached = True
        actor = draft.entered_by or lead.owner
        owner = lead.owner
    else:
        manager = showroom_manager(showroom.pk)
        # The audit's "by" when no clerk typed it (the API, ADF): the manager, who answers for the desk's sources.
        actor = draft.entered_by or manager
        if actor is None:
            raise ValidationError({"source": [_("The showroom has no manager to receive online leads.")]})
        owner = rotation_take_next(showroom=showroom, at=now, kind=RotationTurn.Kind.ONLINE, recorded_by=actor)
        by_rotation = owner is not None
        # Nobody on shift (a lead at night, a day without a roster): the manager gets it, so that it has an owner
        # who sees it and can hand it on in the morning, rather than waiting in a queue nobody reads.
        owner = owner or manager
        if owner is None:
            raise ValidationError({"source": [_("The showroom has no manager to receive online leads.")]})
        lead = lead_create(
            showroom=showroom,
            phone=draft.phone,
            customer_name=draft.customer_name,
            owner=owner,
            channel=Channel.ONLINE,
            by=actor,
            at=now,
            district=_district_matching(showroom.pk, draft.city),
            car_model_id=draft.car_model_id,
            response_due_at=due,
        )
        if by_rotation:
            # rotation_take_next wrote the turn before the lead existed; the showroom's DCC settings row it locked
            # stays locked until this transaction ends, so the newest unlinked online turn is this one.
            turn = RotationTurn.objects.filter(
                showroom=showroom, consultant=owner, kind=RotationTurn.Kind.ONLINE, lead__isnull=True
            ).latest("id")
            RotationTurn.objects.filter(pk=turn.pk).update(lead=lead)
        details["by_rotation"] = by_rotation
    draft.lead = lead
    draft.assigned_to, draft.assigned_at = owner, now
    draft.response_due_at = lead.response_due_at
    draft.save()
    lead_event_record(lead=lead, kind=LeadEvent.Kind.ONLINE_INQUIRY, by=actor, at=now, details=details)
    if not draft.attached:
        lead_event_record(
            lead=lead,
            kind=LeadEvent.Kind.ASSIGNED,
            by=actor,
            at=now,
            details={"to": owner.pk, "by_rotation": details["by_rotation"]},
        )
    return draft
