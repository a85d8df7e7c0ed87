from django.contrib import admin

from dealer_crm.core.admin import RevisionInline
from dealer_crm.core.admin_scope import ShowroomScopedAdmin

from .models import (
    Callback,
    Complaint,
    ComplaintAction,
    Contract,
    CustomerCard,
    Delivery,
    DeliverySettings,
)


class ReadOnlyAdmin(ShowroomScopedAdmin, admin.ModelAdmin):
    """Reference only: these are written through the app's services, so every change keeps its rules and its
    history (the lead's contacts, the card's revisions, the callbacks' schedule)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ShowroomScopedAdmin, admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DeliverySettings)
class DeliverySettingsAdmin(ShowroomScopedAdmin, admin.ModelAdmin):
    """The one thing edited here: a showroom's callback schedule and delivery slots."""

    list_display = [
        "showroom",
        "callback_offsets",
        "repeat_every_months",
        "slot_minutes",
        "first_slot",
        "last_slot_ends",
    ]


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "lead",
        "car_model",
        "signed_on",
        "planned_delivery_date",
        "status",
        "consultant",
        "showroom",
    ]
    list_filter = ["showroom", "status", "payment_method"]
    list_select_related = ["lead", "car_model", "consultant", "showroom"]
    search_fields = ["number", "lead__customer_name", "lead__phone", "vin"]
    phone_fields = ("lead__phone",)
    inlines = [RevisionInline]


@admin.register(CustomerCard)
class CustomerCardAdmin(ReadOnlyAdmin):
    list_display = ["number", "customer_name", "mobile", "opened_on", "showroom"]
    list_filter = ["showroom"]
    list_select_related = ["showroom"]
    search_fields = ["customer_name", "mobile"]
    phone_fields = ("mobile", "landline", "fax")
    inlines = [RevisionInline]


class CallbackInline(ReadOnlyInline):
    model = Callback
    fields = readonly_fields = ["step", "offset", "due_date", "status", "reached", "satisfaction", "has_complaint"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["contract", "starts_at", "consultant", "service_advisor", "status", "delivered_on"]
    list_filter = ["showroom", "status"]
    list_select_related = ["contract__lead", "consultant"]
    exclude = ["signature"]  # a long data: URL; the printed confirmation shows it
    inlines = [CallbackInline, RevisionInline]


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdmin):
    list_display = ["delivery", "step", "offset", "due_date", "status", "consultant", "reached", "satisfaction"]
    list_filter = ["showroom", "status", "due_date"]
    list_select_related = ["delivery__contract__lead", "consultant"]
    inlines = [RevisionInline]


class ComplaintActionInline(ReadOnlyInline):
    model = ComplaintAction
    showroom_path = "complaint__showroom"
    fields = readonly_fields = ["taken_on", "description", "by", "created_at"]


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ["delivery", "owner", "status", "opened_at", "closed_at"]
    list_filter = ["showroom", "status"]
    list_select_related = ["delivery__contract__lead", "owner"]
    inlines = [ComplaintActionInline, RevisionInline]
