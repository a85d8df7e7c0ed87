from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import DigestDelivery, Reminder, ReminderRun
from .selectors import reminders_with_state


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the reminder task only; the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReminderRun)
class ReminderRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "finished_at", "reminders_created", "showrooms"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["due_date", "lead", "consultant", "overdue_days", "state", "created_at"]
    list_filter = ["showroom", "due_date"]

    def get_queryset(self, request):
        return reminders_with_state()

    @admin.display(description=_("state"), ordering="state")
    def state(self, reminder):
        return reminder.state


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["day", "user", "kind", "claimed_at", "sent_at"]
    list_filter = ["kind", "day"]
