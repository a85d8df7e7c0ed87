"""What the apps above leads add to leads' pages, so leads' templates name no higher app's URL.

leads is the bottom app: its pages must render without delivery or reports. An app above it that offers an action
on a leads page (the contract on the lead's page, the Excel export of a list) registers it here from its
AppConfig.ready(), as followups/today.py takes the Today list's sections; the page renders whatever is registered.
"""

from dataclasses import dataclass

from django.urls import reverse

# The list pages that may offer an export, by key
REGISTER, TRACKER, LOST = "register", "tracker", "lost"
LIST_PAGES = (REGISTER, TRACKER, LOST)


@dataclass(frozen=True)
class LeadAction:
    """A button in the lead page's header. template: the button, rendered with the page's context (lead,
    can_edit, perms), so it decides itself whether to show. order: position, left to right."""

    key: str
    template: str
    order: int = 100


_lead_actions: dict[str, LeadAction] = {}
_list_exports: dict[str, str] = {}


def register_lead_action(action: LeadAction) -> None:
    """Add (or replace, by key: ready() may run more than once in tests) a button of the lead page."""
    _lead_actions[action.key] = action


def registered_lead_actions() -> list[LeadAction]:
    return sorted(_lead_actions.values(), key=lambda action: (action.order, action.key))


def register_list_export(*, page: str, url_name: str) -> None:
    """The URL name of a list page's export; the page appends its own query string to it."""
    if page not in LIST_PAGES:
        raise ValueError(f"{page!r} is not one of {LIST_PAGES}")
    _list_exports[page] = url_name


def list_export_url(*, page: str) -> str:
    """The export's address for the list page, or "" when no app offers one (the page shows no button)."""
    url_name = _list_exports.get(page)
    return reverse(url_name) if url_name else ""
