from django.contrib import admin

from .models import DigestDelivery, Reminder, ReminderRun


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
    list_display = ["due_date", "lead", "consultant", "overdue_days", "created_at"]
    list_filter = ["showroom", "due_date"]
    list_select_related = ["lead", "consultant"]


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["day", "user", "kind", "claimed_at", "sent_at"]
    list_filter = ["kind", "day"]
