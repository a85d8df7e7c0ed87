from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.admin_scope import ShowroomScopedAdmin, SuperuserOnlyAdmin

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
class ReminderRunAdmin(SuperuserOnlyAdmin, ReadOnlyAdmin):
    """One run covers every showroom: no showroom's staff owns it."""

    list_display = ["started_at", "finished_at", "reminders_created", "showrooms"]


@admin.register(Reminder)
class ReminderAdmin(ShowroomScopedAdmin, ReadOnlyAdmin):
    list_display = ["due_date", "lead", "consultant", "overdue_days", "state", "created_at"]
    list_filter = ["showroom", "due_date"]

    def get_queryset(self, request):
        return reminders_with_state(super().get_queryset(request))

    @admin.display(description=_("state"), ordering="state")
    def state(self, reminder):
        return reminder.state


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(ShowroomScopedAdmin, ReadOnlyAdmin):
    showroom_path = "user__showroom"
    list_display = ["day", "user", "kind", "claimed_at", "sent_at"]
    list_filter = ["kind", "day"]
