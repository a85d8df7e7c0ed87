"""The Today list's sections beyond the due leads, contributed by the apps above followups.

followups shows what is due for a consultant: its own due leads, and whatever other apps register here (the
delivery app's callbacks to new owners, say). Those apps import followups, never the other way round: each
registers a `TodaySection` from its AppConfig.ready(), and the Today page, the navigation's count and the
consultant's e-mail digest all read the registry.

Cost stays fixed whatever is registered: the navigation's count of every kind is one query (a COUNT subquery
per kind in one SELECT), and the Today page queries a section's rows only when that count says it has any.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import QuerySet

from dealer_crm.core.clock import showroom_today
from dealer_crm.core.models import User

from .selectors import counts_in_one_query, due_leads_filter

LEADS = "leads"  # the key of followups' own count, beside the registered sections'


@dataclass(frozen=True)
class TodaySection:
    """One kind of due work on the Today list.

    key: unique name (also the count's key). due: (user, today) -> the user's due rows, unordered, for counting.
    items: (user, today) -> the rows the page and the digest show, in their order, with what they display.
    template: the Today page's block (gets `items` and `day`). digest_template: the digest's lines (gets `items`).
    order: position on the page: below 0 before the due leads (work that cannot wait a day), else after them.
    """

    key: str
    due: Callable[[User, date], QuerySet]
    items: Callable[[User, date], Iterable]
    template: str
    digest_template: str
    order: int = 100


_sections: dict[str, TodaySection] = {}


def register_section(section: TodaySection) -> None:
    """Add (or replace, by key: ready() may run more than once in tests) a section of the Today list."""
    if section.key == LEADS:
        raise ValueError(f"{LEADS!r} is followups' own key")
    _sections[section.key] = section


def registered_sections() -> list[TodaySection]:
    return sorted(_sections.values(), key=lambda section: (section.order, section.key))


def due_counts(user: User, *, today: date) -> dict[str, int]:
    """How many due items of each kind the user has ({"leads": n, <section key>: n, ...}), in one query, each
    counted up to LIST_COUNT_CAP + 1 (more means "more than the cap"): a backlog does not slow every page."""
    querysets = {LEADS: due_leads_filter(user, today=today)}
    querysets.update({section.key: section.due(user, today) for section in registered_sections()})
    return counts_in_one_query(querysets, carrier=User.objects.filter(pk=user.pk), cap=settings.LIST_COUNT_CAP)


def due_counts_for_request(request) -> dict[str, int]:
    """The counts of the request's user, counted once per request: the navigation and the Today page share them."""
    counts = getattr(request, "_due_counts", None)
    if counts is None:
        user = request.user
        counts = request._due_counts = due_counts(user, today=showroom_today(user.showroom))
    return counts


def due_sections(user: User, *, today: date, counts: dict[str, int]) -> list[tuple[TodaySection, list]]:
    """The sections with something due, each with its rows; a section with nothing due costs no query."""
    return [(section, list(section.items(user, today))) for section in registered_sections() if counts.get(section.key)]
