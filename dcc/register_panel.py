"""The DCC desk on the register page, through leads' registry (leads.panels): who is next up for a walk-in now,
with the buttons to give them the customer or to skip their turn (dcc.roster_views)."""

from django.utils import timezone

from leads.panels import RegisterPanel

from .forms import SkipTurnForm
from .roster_views import FLOOR_PERMISSION, ROSTER_PERMISSION
from .services.roster import on_duty

NEXT_UP_SHOWN = 3  # the next up and the two after: enough to call the next one over, short enough for a phone


def next_up_context(request) -> dict | None:
    """The rotation's order now, for those who log walk-ins (not the dealer group's read-only role). Three
    queries whatever the roster's size, one when nobody is on shift (dcc.services.roster.on_duty)."""
    user = request.user
    if user.showroom_id is None or not user.has_perm(FLOOR_PERMISSION):
        return None
    duty = on_duty(showroom=user.showroom, at=timezone.now())
    return {
        "duty": duty[:NEXT_UP_SHOWN],
        "more": max(len(duty) - NEXT_UP_SHOWN, 0),
        # Its own ids: the register's filter form has a "consultant" field too.
        "skip_form": SkipTurnForm(
            showroom=user.showroom,
            initial={"consultant": duty[0].consultant.pk} if duty else {},
            auto_id="next-up-%s",
        ),
        "sets_roster": user.has_perm(ROSTER_PERMISSION),
    }


NEXT_UP = RegisterPanel(key="dcc_next_up", template="dcc/register_next_up.html", context=next_up_context, order=10)
