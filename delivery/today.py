"""The callbacks to new owners on the consultant's Today list, through followups' registry (followups.today)."""

from followups.today import TodaySection

from .selectors import due_callbacks_filter, due_callbacks_for

CALLBACKS = TodaySection(
    key="callbacks",
    due=due_callbacks_filter,
    items=due_callbacks_for,
    template="delivery/today_callbacks.html",
    digest_template="delivery/email/callbacks_digest.txt",
    order=10,
)
