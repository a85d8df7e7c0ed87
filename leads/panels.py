"""The register page's panels contributed by the apps above leads (the DCC desk's "next up" for a walk-in).

The register is leads' page and must render without them: an app that shows something on it registers a
`RegisterPanel` from its AppConfig.ready(), as leads/actions.py takes the lead page's buttons; the register
renders whatever is registered, each panel with the context its own callable computes for the request.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class RegisterPanel:
    """A block above the register's filters. template: the block, rendered with `panel` (what `context`
    returned). context: (request) -> the block's context, or None when the request's user is shown nothing.
    order: position, top to bottom."""

    key: str
    template: str
    context: Callable[[HttpRequest], dict | None]
    order: int = 100


_register_panels: dict[str, RegisterPanel] = {}


def register_panel(panel: RegisterPanel) -> None:
    """Add (or replace, by key: ready() may run more than once in tests) a panel of the register page."""
    _register_panels[panel.key] = panel


def registered_panels() -> list[RegisterPanel]:
    return sorted(_register_panels.values(), key=lambda panel: (panel.order, panel.key))


def panels_for(request: HttpRequest) -> list[tuple[str, dict]]:
    """(template, context) of each panel the request's user is shown, in order."""
    shown = []
    for panel in registered_panels():
        context = panel.context(request)
        if context is not None:
            shown.append((panel.template, context))
    return shown
