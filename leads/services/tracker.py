"""Writes to intent leads. A lead's grade changes only through `contact_record` (or the manager's lost-lead
decision), and every write leaves a LeadEvent carrying the lead's grade, status and owner afterwards."""

import copy
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealer_crm.core.clock import showroom_date_of, showroom_today
from dealer_crm.core.history import Revision, changes_between, history_record
from dealer_crm.core.models import CarModel, Showroom, User
from dealer_crm.core.versioning import save_with_version

from ..grade_status import grade_status_event_written
from ..models import (
    OPEN_GRADES,
    Channel,
    Contact,
    ContactKind,
    Lead,
    LeadEvent,
    LeadStatus,
    LostReason,
    LostRequest,
    OwnershipClash,
    Visit,
    VisitKind,
)
from ..rollups import contact_rollup_refresh, lead_funnel_refresh

# A register entry without a grade still makes a lead: the lowest open grade until a contact says more.
DEFAULT_GRADE = "C"


def follow_up_default(*, showroom: Showroom, grade: str, after: date) -> date | None:
    """The next contact date a grade calls for (showroom setting); None when the grade is not followed up."""
    days = showroom.follow_up_days(grade)
    return None if days is None else after + timedelta(days=days)


# --- Grade assistant -------------------------------------------------------------------------------------

H_SIGNALS = {
    "delivery_details": gettext_lazy("Talks about delivery details"),
    "model_decided": gettext_lazy("Model and trim decided"),
    "competitor_offers": gettext_lazy("Names competitors' offers"),
    "extras": gettext_lazy("Asks about accessories, trade-in, payment or plates"),
    "came_back": gettext_lazy("Called back or came again"),
}


@dataclass(frozen=True)
class GradeSuggestion:
    grade: str
    reasons: list[str] = field(default_factory=list)


def grade_suggest(
    *,
    has_need: bool,
    has_decision_power: bool,
    has_purchasing_power: bool,
    expected_purchase_date: date | None,
    today: date,
    signals: frozenset[str] = frozenset(),
) -> GradeSuggestion | None:
    """Suggest a grade from the three deciding factors, the purchase window and the H signals (DOMAIN.md), or
    None while the consultant has ticked none of them: a suggestion comes from evidence, not from its absence.

    H: all three factors and buying within 7 days, or all three and two or more H signals.
    A: all three factors and buying within 15 days (or one H signal).
    B: need and purchasing power, buying within 30 days.
    C: everything else that is still a lead.
    """
    if not (has_need or has_decision_power or has_purchasing_power or signals & H_SIGNALS.keys()):
        return None
    days = (expected_purchase_date - today).days if expected_purchase_date else None
    all_three = has_need and has_decision_power and has_purchasing_power
    known_signals = sorted(signals & H_SIGNALS.keys())
    reasons = []
    if all_three:
        reasons.append(_("Need, decision power and purchasing power are all there."))
    if days is not None:
        reasons.append(_("Expects to buy in %(days)s days.") % {"days": days})
    reasons += [str(H_SIGNALS[signal]) for signal in known_signals]

    if all_three and ((days is not None and days <= 7) or len(known_signals) >= 2):
        return GradeSuggestion("H", reasons)
    if all_three and ((days is not None and days <= 15) or known_signals):
        return GradeSuggestion("A", reasons)
    if has_need and has_purchasing_power and (days is None or days <= 30):
        if not all_three:
            reasons.append(_("Decision power is not confirmed yet."))
        return GradeSuggestion("B", reasons)
    if not has_need or not has_purchasing_power:
        reasons.append(_("Need or purchasing power is not confirmed yet."))
    return GradeSuggestion("C", reasons)


# --- Leads from the register ------------------------------------------------------------------------------


def _event(lead: Lead, *, kind: str, by: User, at: datetime | None = None, **extra) -> LeadEvent:
    at = at or timezone.now()
    grade_status_event_written(showroom=lead.showroom, at=at)
    return LeadEvent.objects.create(
        lead=lead,
        kind=kind,
        at=at,
        by=by,
        grade=lead.grade,
        status=lead.status,
        owner_id=lead.owner_id,
        **extra,
    )


def lead_attach_visit(*, visit: Visit) -> Lead:
    """Every register entry with a phone feeds the tracker.

    1. The showroom's open lead for that phone takes the visit as a contact; if another consultant owns it,
       an ownership clash is recorded for the manager (the visit still counts for the register).
    2. Otherwise a lost lead of that customer reopens with its history, or a new lead is created
       (a customer who already bought comes back as a repeat purchase), owned by the receiving consultant.
    """
    try:
        with transaction.atomic():
            return _attach_visit(visit)
    except IntegrityError:
        # Another entry for the same phone created the open lead a moment ago: attach to that one.
        return _attach_visit(visit)


def _attach_visit(visit: Visit) -> Lead:
    grade = visit.grade or None
    kind = ContactKind.PHONE_CALL if visit.kind == VisitKind.CALL else ContactKind.SHOWROOM_VISIT
    lead = Lead.objects.select_for_update().filter(showroom=visit.showroom, phone=visit.phone, status="open").first()
    if lead is not None:
        lead = _contact_from_visit(lead, visit, kind, grade or lead.grade).lead  # the lead as the contact left it
        if lead.owner_id != visit.consultant_id:
            OwnershipClash.objects.create(lead=lead, visit=visit, met_by=visit.consultant, created_at=timezone.now())
            _event(lead, kind=LeadEvent.Kind.CLASH, by=visit.consultant, visit=visit)
        return lead

    previous = Lead.objects.filter(showroom=visit.showroom, phone=visit.phone).order_by("-created_at").first()
    if previous is not None and previous.status == LeadStatus.LOST:
        previous.status, previous.grade = LeadStatus.OPEN, DEFAULT_GRADE
        previous.save(update_fields=["status", "grade", "updated_at"])
        # Dated like the visit's contact below (not "now", which is later when the entry is logged after the
        # visit), so the timeline and the state-at-a-moment read reopened → contact, not the other way round.
        _event(previous, kind=LeadEvent.Kind.REOPENED, by=visit.consultant, at=visit.left_at, visit=visit)
        _contact_from_visit(previous, visit, kind, grade or DEFAULT_GRADE, opens_lead=True)
        return previous

    # The visit's contact below sets the real grade, so creation is a contact too.
    lead = lead_create(
        showroom=visit.showroom,
        phone=visit.phone,
        customer_name=visit.customer_name,
        owner=visit.consultant,
        channel=Channel.REPEAT if previous else (Channel.CALL if visit.kind == VisitKind.CALL else Channel.WALK_IN),
        by=visit.consultant,
        at=visit.left_at,
        gender=visit.gender,
        district=visit.district,
        car_model_id=visit.car_model_id,
        visit=visit,
    )
    _contact_from_visit(lead, visit, kind, grade or DEFAULT_GRADE, opens_lead=True)
    return lead


def lead_create(
    *,
    showroom: Showroom,
    phone: str,
    customer_name: str,
    owner: User,
    channel: str,
    by: User,
    at: datetime,
    gender: str = "",
    district=None,
    car_model_id: int | None = None,
    response_due_at: datetime | None = None,
    visit: Visit | None = None,
) -> Lead:
    """A new open lead at DEFAULT_GRADE (what a customer is until a contact says more), with its CREATED event.
    The register's entries and the DCC desk's online inquiries both open leads through here."""
    lead = Lead.objects.create(
        showroom=showroom,
        phone=phone,
        customer_name=customer_name,
        gender=gender,
        district=district,
        owner=owner,
        channel=channel,
        grade=DEFAULT_GRADE,
        response_due_at=response_due_at,
    )
    if car_model_id:
        lead.car_models.add(car_model_id)
    _event(lead, kind=LeadEvent.Kind.CREATED, by=by, at=at, visit=visit)
    return lead


def lead_event_record(*, lead: Lead, kind: str, by: User, at: datetime | None = None, **extra) -> LeadEvent:
    """One line of the lead's history written by another app (the DCC desk's inquiries and assignments)."""
    return _event(lead, kind=kind, by=by, at=at, **extra)


def _contact_from_visit(lead: Lead, visit: Visit, kind: str, grade: str, *, opens_lead: bool = False) -> Contact:
    return contact_record(
        opens_lead=opens_lead,
        lead=lead,
        by=visit.consultant,
        kind=ContactKind.ORDER if grade == "O" else kind,
        occurred_at=visit.left_at,
        summary=visit.summary,
        grade_after=grade,
        visit=visit,
        expected_version=lead.version,
    )


# --- Contacts --------------------------------------------------------------------------------------------


def _contact_outcome(
    lead: Lead, *, kind: str, occurred_at: datetime, grade_after: str, next_follow_up: date | None
) -> tuple[date, str, date | None, date | None]:
    """What a contact makes of the lead: its day, the grade after it (an order is O), the next follow-up (the
    date given, else the grade's interval; none once the lead leaves the tracker) and the interval's date."""
    contact_day = showroom_date_of(lead.showroom, occurred_at)
    if kind == ContactKind.ORDER:
        grade_after = "O"
    default_next = follow_up_default(showroom=lead.showroom, grade=grade_after, after=contact_day)
    if grade_after not in OPEN_GRADES:
        next_follow_up = None
    elif next_follow_up is None:
        next_follow_up = default_next
    return contact_day, grade_after, next_follow_up, default_next


def contact_check(contact: Contact, *, unknown: Collection[str] = ()) -> dict[str, list[str]]:
    """Every rule of a contact with `contact.lead` at once, keyed by field; empty when it may be recorded: the
    lead is open, the grade is an open grade or O, a test drive has its model, licence and agreement, the next
    date is not before the contact and is later than the grade's interval only with a reason, a grade other than
    the assistant's suggestion needs one. `unknown`: fields the form could not read; the rules needing them wait."""
    errors: dict[str, list[str]] = {}
    unknown = set(unknown)

    def known(*fields: str) -> bool:
        return unknown.isdisjoint(fields)

    lead = contact.lead
    if lead.status != LeadStatus.OPEN:
        errors.setdefault("__all__", []).append(_("This lead is closed; reopen it before recording a contact."))
    if known("kind") and contact.kind not in ContactKind.values:
        errors.setdefault("kind", []).append(_("Choose what kind of contact this was."))
    grade_after = "O" if contact.kind == ContactKind.ORDER else contact.grade_after
    if known("kind", "grade_after") and grade_after not in [*OPEN_GRADES, "O"]:
        errors.setdefault("grade_after", []).append(_("Choose H, A, B, C or O; a lost lead goes through approval."))
    if known("occurred_at") and contact.occurred_at > timezone.now() + timedelta(minutes=2):
        errors.setdefault("occurred_at", []).append(_("A contact cannot be in the future."))
    if known("kind", "grade_after", "occurred_at", "next_follow_up") and grade_after in OPEN_GRADES:
        contact_day, _grade, next_follow_up, default_next = _contact_outcome(
            lead,
            kind=contact.kind,
            occurred_at=contact.occurred_at,
            grade_after=grade_after,
            next_follow_up=contact.next_follow_up,
        )
        if next_follow_up < contact_day:
            errors.setdefault("next_follow_up", []).append(_("The next contact cannot be before this one."))
        elif (
            known("late_reason") and default_next and next_follow_up > default_next and not contact.late_reason.strip()
        ):
            errors.setdefault("late_reason", []).append(
                _("Grade %(grade)s is followed up by %(date)s; say why the next contact is later.")
                % {"grade": grade_after, "date": default_next.isoformat()}
            )
    # Grades follow the evidence (DOMAIN.md): a grade warmer than what the ticked factors support needs a reason;
    # a cooler one is the consultant's caution and needs none. An order is a fact, not a judgement.
    suggested = contact.suggested_grade
    if (
        known("kind", "grade_after", "grade_reason", "suggested_grade")
        and suggested in OPEN_GRADES
        and grade_after in OPEN_GRADES
        and OPEN_GRADES.index(grade_after) < OPEN_GRADES.index(suggested)
        and not contact.grade_reason.strip()
    ):
        errors.setdefault("grade_reason", []).append(
            _("The assistant suggests %(grade)s from what you ticked; say why the customer deserves a higher grade.")
            % {"grade": suggested}
        )
    if known("kind") and contact.kind == ContactKind.TEST_DRIVE:
        if known("model_driven") and contact.model_driven is None:
            errors.setdefault("model_driven", []).append(_("Which model was driven?"))
        if known("licence_number") and not contact.licence_number.strip():
            errors.setdefault("licence_number", []).append(_("A test drive needs the driving licence number."))
        if known("agreement_signed") and not contact.agreement_signed:
            errors.setdefault("agreement_signed", []).append(_("A test drive needs the signed agreement."))
    return errors


# The contacts that reach the customer, so that answer an online inquiry: a call, a message, an invitation (a
# call or message asking them in), or the customer in the showroom (a visit, a test drive). A quotation or an
# order recorded on its own is paperwork that follows one of these, not a response.
FIRST_RESPONSE_KINDS = frozenset(
    {
        ContactKind.PHONE_CALL,
        ContactKind.MESSAGE,
        ContactKind.INVITATION,
        ContactKind.SHOWROOM_VISIT,
        ContactKind.TEST_DRIVE,
    }
)


@transaction.atomic
def contact_record(
    *,
    lead: Lead,
    by: User,
    kind: str,
    occurred_at: datetime,
    grade_after: str,
    summary: str = "",
    next_follow_up: date | None = None,
    late_reason: str = "",
    suggested_grade: str = "",
    grade_reason: str = "",
    expected_version: int,
    visit: Visit | None = None,
    model_driven: CarModel | None = None,
    licence_number: str = "",
    agreement_signed: bool = False,
    impression: str = "",
    opens_lead: bool = False,
) -> Contact:
    """Record a contact with a lead: the one way its grade changes.

    1. Check every rule at once (contact_check; ValidationError keyed by field); an order means O, the next
       date defaults from the grade's interval.
    2. Move the lead: grade, status (ordered on O), last contact, next follow-up; refuse a stale version.
    3. Keep the contact and a history event with the lead's state afterwards.

    `opens_lead`: the register entry that creates or reopens the lead; its placeholder grade was never the
    customer's, so the contact has no grade before it (new, not "upgraded from C", in the monthly status).
    """
    # Decide from the row as it is now, locked, not from the caller's possibly stale copy (which is refreshed).
    Lead.objects.select_for_update().filter(pk=lead.pk).values_list("pk").get()
    lead.refresh_from_db()
    showroom = lead.showroom
    errors = contact_check(
        Contact(
            lead=lead,
            kind=kind,
            occurred_at=occurred_at,
            grade_after=grade_after,
            next_follow_up=next_follow_up,
            late_reason=late_reason,
            suggested_grade=suggested_grade,
            grade_reason=grade_reason,
            model_driven=model_driven,
            licence_number=licence_number,
            agreement_signed=agreement_signed,
        )
    )
    if errors:
        raise ValidationError(errors)
    contact_day, grade_after, next_follow_up, _default = _contact_outcome(
        lead, kind=kind, occurred_at=occurred_at, grade_after=grade_after, next_follow_up=next_follow_up
    )

    grade_before = "" if opens_lead else lead.grade
    status = LeadStatus.ORDERED if grade_after == "O" else LeadStatus.OPEN
    last_contact = max(lead.last_contact_at, occurred_at) if lead.last_contact_at else occurred_at
    lead.grade, lead.status, lead.next_follow_up = grade_after, status, next_follow_up
    lead.last_contact_at = last_contact
    fields = ["grade", "status", "last_contact_at", "next_follow_up"]
    if kind in FIRST_RESPONSE_KINDS and lead.response_due_at is not None:
        # The customer was reached: the online lead's first-response deadline is met (the DCC scan skips it).
        lead.response_due_at = None
        fields.append("response_due_at")
    save_with_version(
        lead,
        fields=fields,
        expected_version=expected_version,
        updated_at=timezone.now(),
    )

    contact = Contact.objects.create(
        lead=lead,
        showroom=showroom,
        consultant=by,
        kind=kind,
        occurred_at=occurred_at,
        contact_date=contact_day,
        summary=summary,
        grade_before=grade_before,
        grade_after=grade_after,
        suggested_grade=suggested_grade,
        grade_reason=grade_reason,
        next_follow_up=next_follow_up,
        late_reason=late_reason,
        visit=visit,
        model_driven=model_driven,
        licence_number=licence_number,
        agreement_signed=agreement_signed,
        impression=impression,
    )
    _event(lead, kind=LeadEvent.Kind.CONTACT, by=by, at=occurred_at, contact=contact, visit=visit)
    contact_rollup_refresh(showroom=showroom, day=contact_day, consultant_id=by.pk)
    lead_funnel_refresh(lead)
    return contact


# --- After the order: the delivery, callbacks to the new owner, a cancelled contract ------------------------

# What happens with a customer who has ordered; neither changes the grade (it stays O).
AFTER_ORDER_KINDS = (ContactKind.DELIVERY, ContactKind.CALLBACK)
# The grade a cancelled order goes back to when the lead had none before it: ordered on the spot at the first
# visit, so the customer was ready to buy within days.
CANCELLED_ORDER_FALLBACK_GRADE = "H"


@transaction.atomic
def contact_record_after_order(*, lead: Lead, by: User, kind: str, occurred_at: datetime, summary: str = "") -> Contact:
    """Record the delivery of an ordered customer's car, or a callback to the new owner.

    `contact_record` refuses closed leads (a contact there moves the grade); these contacts do not: the lead stays
    ordered (grade O before and after, no follow-up date). They are lines of the daily report and of the lead's
    history like any other contact. Who may record them is for the caller to decide (the delivery's access rules).
    """
    Lead.objects.select_for_update().filter(pk=lead.pk).values_list("pk").get()
    lead.refresh_from_db()
    errors: dict[str, list[str]] = {}
    if lead.status != LeadStatus.ORDERED:
        errors.setdefault("__all__", []).append(_("Only an ordered lead has deliveries and callbacks."))
    if kind not in AFTER_ORDER_KINDS:
        errors.setdefault("kind", []).append(_("After the order, record a delivery or a callback."))
    if occurred_at > timezone.now() + timedelta(minutes=2):
        errors.setdefault("occurred_at", []).append(_("A contact cannot be in the future."))
    if errors:
        raise ValidationError(errors)

    last_contact = max(lead.last_contact_at, occurred_at) if lead.last_contact_at else occurred_at
    Lead.objects.filter(pk=lead.pk).update(
        last_contact_at=last_contact, version=F("version") + 1, updated_at=timezone.now()
    )
    lead.refresh_from_db()
    contact = Contact.objects.create(
        lead=lead,
        showroom=lead.showroom,
        consultant=by,
        kind=kind,
        occurred_at=occurred_at,
        contact_date=showroom_date_of(lead.showroom, occurred_at),
        summary=summary,
        grade_before=lead.grade,
        grade_after=lead.grade,
    )
    _event(lead, kind=LeadEvent.Kind.CONTACT, by=by, at=occurred_at, contact=contact)
    contact_rollup_refresh(showroom=lead.showroom, day=contact.contact_date, consultant_id=by.pk)
    lead_funnel_refresh(lead)
    return contact


@transaction.atomic
def lead_reopen_after_cancellation(*, lead: Lead, by: User, note: str = "") -> Lead:
    """The customer's order fell through (their contract was cancelled): the lead goes back into the tracker.

    1. Only an ordered lead of the user's showroom reopens this way; if the customer has another open lead by now
       (a register entry made one while this lead was ordered), that one is the customer's and this is refused.
    2. The grade goes back to the one the order contact started from (H if the order came with the first visit),
       and the lead is due today: the consultant calls to learn what comes next.
    3. An ORDER_CANCELLED event (not REOPENED, which the monthly status counts as a new customer) keeps the note.
    Whatever was cancelled (a contract) is the caller's: leads knows nothing of contracts.
    """
    lead = Lead.objects.select_for_update().select_related("showroom").get(pk=lead.pk)
    if by.showroom_id != lead.showroom_id:
        raise PermissionDenied
    if lead.status != LeadStatus.ORDERED:
        raise ValidationError(_("Only an ordered lead goes back to the tracker when its order is cancelled."))
    if Lead.objects.filter(showroom=lead.showroom, phone=lead.phone, status=LeadStatus.OPEN).exists():
        raise ValidationError(_("This customer already has another open lead; follow them up there."))
    order = lead.contacts.filter(grade_after="O").exclude(grade_before="O").order_by("-occurred_at", "-id").first()
    grade = order.grade_before if order and order.grade_before in OPEN_GRADES else CANCELLED_ORDER_FALLBACK_GRADE
    try:
        with transaction.atomic():
            Lead.objects.filter(pk=lead.pk).update(
                status=LeadStatus.OPEN,
                grade=grade,
                next_follow_up=showroom_today(lead.showroom),
                version=F("version") + 1,
                updated_at=timezone.now(),
            )
    except IntegrityError:  # another open lead for the phone was made a moment ago
        raise ValidationError(_("This customer already has another open lead; follow them up there.")) from None
    lead.refresh_from_db()
    _event(lead, kind=LeadEvent.Kind.ORDER_CANCELLED, by=by, note=note)
    lead_funnel_refresh(lead)  # no longer an order in the funnel of the day it was opened
    return lead


# --- Details, lost leads, reassignment --------------------------------------------------------------------

LEAD_DETAIL_FIELDS = (
    "customer_name",
    "gender",
    "district",
    "channel",
    "has_need",
    "has_decision_power",
    "has_purchasing_power",
    "expected_purchase_date",
    "budget",
    "trade_in",
    "competitors",
)


@transaction.atomic
def lead_update_details(*, lead: Lead, by: User, expected_version: int, car_models=None, **fields) -> Lead:
    """Change what we know of the customer (never the grade: that takes a contact)."""
    unknown = set(fields) - set(LEAD_DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"not a detail field: {sorted(unknown)}")
    before = copy.copy(lead)
    for name, value in fields.items():
        setattr(lead, name, value)
    changes = changes_between(before, lead, fields)
    save_with_version(lead, fields=fields, expected_version=expected_version, updated_at=timezone.now())
    if car_models is not None:
        lead.car_models.set(car_models)
    if changes:
        history_record(lead, action=Revision.Action.UPDATED, by=by, changes=changes)
        # The timeline's "details changed" line (a domain event, read with the grade's history).
        _event(lead, kind=LeadEvent.Kind.EDITED, by=by, details=changes)
    return lead


@transaction.atomic
def lead_request_lost(
    *, lead: Lead, by: User, reason: str, note: str = "", competitor_brand: str = "", competitor_model: str = ""
) -> LostRequest:
    """The consultant asks to close the lead as lost (战败); it stays in the tracker until the manager decides."""
    if lead.owner_id != by.pk and not (by.manages_showroom and by.showroom_id == lead.showroom_id):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if lead.status != LeadStatus.OPEN:
        errors.setdefault("__all__", []).append(_("Only an open lead can be closed as lost."))
    if lead.lost_requests.filter(state=LostRequest.State.PENDING).exists():
        errors.setdefault("__all__", []).append(_("A lost request for this lead is already waiting for approval."))
    if reason not in LostReason.values:
        errors["reason"] = [_("Choose a reason.")]
    if reason == LostReason.COMPETITOR and not competitor_brand.strip():
        errors["competitor_brand"] = [_("Which brand did the customer buy?")]
    if errors:
        raise ValidationError(errors)
    request = LostRequest.objects.create(
        lead=lead,
        reason=reason,
        note=note,
        competitor_brand=competitor_brand.strip(),
        competitor_model=competitor_model.strip(),
        requested_by=by,
        requested_at=timezone.now(),
    )
    _event(lead, kind=LeadEvent.Kind.LOST_REQUESTED, by=by, note=note, details={"reason": reason})
    return request


@transaction.atomic
def lead_decide_lost(*, request: LostRequest, by: User, approve: bool, comment: str = "") -> LostRequest:
    """The manager closes the lead as lost (grade F, no more follow-ups), or sends the request back."""
    lead = Lead.objects.select_for_update().get(pk=request.lead_id)
    if not by.has_perm("leads.decide_lost_lead") or by.showroom_id != lead.showroom_id:
        raise PermissionDenied
    request = LostRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != LostRequest.State.PENDING:
        raise ValidationError(_("This request was already decided."))
    if approve and lead.status != LeadStatus.OPEN:
        # E.g. the customer ordered while the request waited: an ordered lead must not turn lost.
        raise ValidationError(_("This lead is no longer open; send the request back instead."))
    if not approve and not comment.strip():
        raise ValidationError({"comment": [_("Say what the consultant should do instead.")]})
    now = timezone.now()
    request.state = LostRequest.State.APPROVED if approve else LostRequest.State.RETURNED
    request.decided_by, request.decided_at, request.comment = by, now, comment
    request.save(update_fields=["state", "decided_by", "decided_at", "comment"])
    if approve:
        lead.status, lead.grade, lead.next_follow_up = LeadStatus.LOST, "F", None
        lead.version += 1
        lead.save(update_fields=["status", "grade", "next_follow_up", "version", "updated_at"])
        _event(lead, kind=LeadEvent.Kind.LOST_APPROVED, by=by, at=now, note=comment)
    else:
        _event(lead, kind=LeadEvent.Kind.LOST_RETURNED, by=by, at=now, note=comment)
    return request


@transaction.atomic
def lead_reassign(*, leads: list[Lead], to: User, by: User, reason: str = "") -> int:
    """Hand leads to another consultant (one, or all of a consultant who leaves); recorded on each lead."""
    if not by.has_perm("leads.reassign_lead"):
        raise PermissionDenied
    if to.showroom_id != by.showroom_id or any(lead.showroom_id != by.showroom_id for lead in leads):
        raise PermissionDenied
    # Re-read under lock: the history must carry each lead's real grade and status, not a stale copy's.
    leads = list(Lead.objects.select_for_update().select_related("owner").filter(pk__in=[lead.pk for lead in leads]))
    moved = [lead for lead in leads if lead.owner_id != to.pk]
    now = timezone.now()
    Lead.objects.filter(pk__in=[lead.pk for lead in moved]).update(owner=to, version=F("version") + 1, updated_at=now)
    LeadEvent.objects.bulk_create(
        LeadEvent(
            lead=lead,
            kind=LeadEvent.Kind.REASSIGNED,
            at=now,
            by=by,
            grade=lead.grade,
            status=lead.status,
            owner=to,
            note=reason,
            details={"from": str(lead.owner), "to": str(to)},
        )
        for lead in moved
    )
    return len(moved)


@transaction.atomic
def clash_resolve(*, clash: OwnershipClash, by: User, keep: User) -> None:
    """The manager decides who keeps a lead that two consultants met."""
    if not by.has_perm("leads.reassign_lead") or by.showroom_id != clash.lead.showroom_id:
        raise PermissionDenied
    if clash.resolved_at is not None:
        raise ValidationError(_("This clash was already decided."))
    if keep.pk not in (clash.lead.owner_id, clash.met_by_id):
        raise ValidationError(_("Keep the lead with its owner or with the consultant who met the customer."))
    if keep.pk != clash.lead.owner_id:
        lead_reassign(leads=[clash.lead], to=keep, by=by, reason=_("Ownership clash decided"))
    clash.resolved_at, clash.resolved_by, clash.kept_by = timezone.now(), by, keep
    clash.save(update_fields=["resolved_at", "resolved_by", "kept_by"])
