"""Reads of the visitor register: what each user may see, and the figures the daily review needs."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.history import HistoryEntry, history_of
from dealer_crm.core.models import Showroom, User
from dealer_crm.core.phones import mask_phone
from dealer_crm.core.signoff import changes_since_sign_off

from ..models import LateEntry, RegisterDay, Visit

SHORT_SUMMARY_CHARS = 10
IMPLAUSIBLE_VISIT_MINUTES = 4 * 60


def visits_visible_to(user: User) -> QuerySet[Visit]:
    """The register is one shared sheet per showroom: everyone in the showroom sees its entries.

    Phone numbers are what stays private (see `visit_phone_for`), and editing is limited by `can_edit_visit`.
    """
    return Visit.objects.live().filter(showroom_id=user.showroom_id)


def register_rows(queryset: QuerySet[Visit]) -> QuerySet[Visit]:
    """The columns a register list shows, fetched in the same query as the rows."""
    return queryset.select_related("consultant", "car_model", "source", "district").order_by("-visit_date", "-number")


def can_edit_visit(user: User, visit: Visit) -> bool:
    return visit.showroom_id == user.showroom_id and (visit.consultant_id == user.pk or user.manages_showroom)


def can_see_phone(viewer: User, visit: Visit) -> bool:
    """Phone numbers in full for the entry's own consultant and for managers; masked for everyone else."""
    return visit.consultant_id == viewer.pk or viewer.has_perm("leads.view_all_phones")


def visit_phone_for(viewer: User, visit: Visit) -> str:
    """The number in full for its own consultant and for managers; masked (138****5678) for everyone else."""
    if not visit.phone:
        return ""
    if can_see_phone(viewer, visit):
        return visit.phone
    return mask_phone(visit.phone)


@dataclass(frozen=True)
class KnownPhone:
    consultant: User
    last_visit: date
    visits: int


def phone_known_in_showroom(
    *, showroom: Showroom, phone: str, exclude_visit_id: int | None = None
) -> KnownPhone | None:
    """Who already received this customer, and when last: so two consultants do not chase the same buyer."""
    visits = Visit.objects.live().filter(showroom=showroom, phone=phone)
    if exclude_visit_id:
        visits = visits.exclude(pk=exclude_visit_id)
    latest = visits.select_related("consultant").order_by("-arrived_at").first()
    if latest is None:
        return None
    return KnownPhone(consultant=latest.consultant, last_visit=latest.visit_date, visits=visits.count())


def register_days_for(showroom_id: int, dates: list[date]) -> dict[date, RegisterDay]:
    return {
        day.date: day
        for day in RegisterDay.objects.filter(showroom_id=showroom_id, date__in=dates).select_related("signed_off_by")
    }


def register_day_is_signed_off(showroom_id: int, day: date) -> bool:
    return RegisterDay.objects.filter(showroom_id=showroom_id, date=day, signed_off_at__isnull=False).exists()


class Flag:
    """Completeness flags the manager looks at before signing a day off (codes; labels live in the template)."""

    NO_PHONE = "no_phone"
    SHORT_SUMMARY = "short_summary"
    LONG_VISIT = "long_visit"


def visit_flags(visit: Visit) -> list[str]:
    flags = []
    if visit.no_phone:
        flags.append(Flag.NO_PHONE)
    if len(visit.summary.strip()) < SHORT_SUMMARY_CHARS:
        flags.append(Flag.SHORT_SUMMARY)
    if visit.duration_minutes > IMPLAUSIBLE_VISIT_MINUTES:
        flags.append(Flag.LONG_VISIT)
    return flags


def register_day_totals(*, showroom: Showroom, day: date) -> dict:
    """Head counts of the day for the review page, in one aggregate query."""
    return (
        Visit.objects.live()
        .filter(showroom=showroom, visit_date=day)
        .aggregate(
            entries=Count("pk"),
            walk_ins=Count("pk", filter=Q(kind="walk_in")),
            calls=Count("pk", filter=Q(kind="call")),
            without_phone=Count("pk", filter=Q(no_phone=True)),
            last_number=Max("number"),
        )
    )


def register_day_snapshot(*, showroom: Showroom, day: date) -> dict:
    """What a manager signs when they sign a day off: its entries (id and version) and its totals (2 queries)."""
    entries = Visit.objects.live().filter(showroom=showroom, visit_date=day).order_by("number")
    return {
        "entries": [list(pair) for pair in entries.values_list("pk", "version")],
        "totals": register_day_totals(showroom=showroom, day=day),
        "amendments": [],
    }


REGISTER_TOTAL_LABELS = {
    "entries": _("entries"),
    "walk_ins": _("walk-ins"),
    "calls": _("calls"),
    "without_phone": _("without a phone"),
}


def register_day_changes(register_day: RegisterDay | None, live_totals: dict) -> list[str]:
    """A signed day's totals that moved since the sign-off, late entries approved since included ("+1 entries").
    Empty for a day not signed off."""
    if register_day is None or not register_day.is_signed_off or "totals" not in register_day.snapshot:
        return []
    labels = {key: str(label) for key, label in REGISTER_TOTAL_LABELS.items()}
    return changes_since_sign_off(register_day.snapshot["totals"], live_totals, labels)


def register_as_signed(*, showroom: Showroom, start: date, end: date) -> QuerySet[Visit]:
    """The register of `start`–`end` as the month reports it: a signed-off day is the entries its manager signed
    plus the late entries approved since (even if one was deleted afterwards, past the locks); any other day,
    its entries not deleted. 1 query here, the queryset's own when it is read."""
    signed_days, signed_ids = [], []
    for day, snapshot in RegisterDay.objects.filter(
        showroom=showroom, date__range=(start, end), signed_off_at__isnull=False
    ).values_list("date", "snapshot"):
        if "entries" not in snapshot:
            continue  # signed before snapshots were kept: its live entries, locked since
        signed_days.append(day)
        signed_ids += [pk for pk, _version in snapshot["entries"]]
        signed_ids += [amendment["visit"] for amendment in snapshot.get("amendments", [])]
    return Visit.objects.filter(showroom=showroom, visit_date__range=(start, end)).filter(
        (Q(deleted_at__isnull=True) & ~Q(visit_date__in=signed_days)) | Q(pk__in=signed_ids)
    )


def late_entries_visible_to(user: User) -> QuerySet[LateEntry]:
    """Late entries of the user's showroom: all of them for a manager, a consultant's own otherwise."""
    late_entries = LateEntry.objects.filter(showroom_id=user.showroom_id).select_related(
        "consultant", "filed_by", "decided_by", "visit"
    )
    if not user.has_perm("leads.sign_off_registerday"):
        late_entries = late_entries.filter(consultant=user)
    return late_entries


def late_entry_queue(user: User) -> list[LateEntry]:
    """The manager's queue: late entries waiting for a decision, oldest day first (1 query)."""
    return list(late_entries_visible_to(user).filter(state=LateEntry.State.PENDING).order_by("visit_date", "filed_at"))


def visit_history(visit: Visit, viewer: User) -> list[HistoryEntry]:
    """The entry's history, its phone numbers masked unless the viewer may see this entry's (can_see_phone)."""
    return history_of(visit, phone_visible=can_see_phone(viewer, visit))
