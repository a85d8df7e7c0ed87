from django.contrib import admin

from dealer_crm.core.admin import RevisionInline
from dealer_crm.core.admin_scope import ShowroomScopedAdmin

from .models import Contact, Lead, LeadEvent, LostRequest, RegisterDay, Visit


@admin.register(Visit)
class VisitAdmin(ShowroomScopedAdmin, admin.ModelAdmin):
    """Read-only reference: register entries are written through the app so rules and history apply."""

    list_display = ["visit_date", "number", "customer_name", "kind", "grade", "consultant", "showroom", "deleted_at"]
    list_filter = ["showroom", "kind", "grade", "visit_date"]
    list_select_related = ["consultant", "showroom"]
    search_fields = ["customer_name", "phone"]
    phone_fields = ("phone",)
    inlines = [RevisionInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(RegisterDay)
class RegisterDayAdmin(ShowroomScopedAdmin, admin.ModelAdmin):
    list_display = ["date", "showroom", "signed_off_at", "signed_off_by"]
    list_filter = ["showroom"]
    readonly_fields = ["showroom", "date", "signed_off_at", "signed_off_by"]
    inlines = [RevisionInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ShowroomScopedAdmin, admin.ModelAdmin):
    """Reference only: leads, contacts and lost requests are written through the app's services, so every
    change keeps its rules and leaves its history event."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LeadEventInline(ShowroomScopedAdmin, admin.TabularInline):
    model = LeadEvent
    showroom_path = "lead__showroom"
    extra = 0
    can_delete = False
    fields = readonly_fields = ["at", "kind", "by", "grade", "status", "owner", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Lead)
class LeadAdmin(ReadOnlyAdmin):
    list_display = ["customer_name", "phone", "grade", "status", "owner", "next_follow_up", "showroom", "created_at"]
    list_filter = ["showroom", "status", "grade", "channel"]
    list_select_related = ["owner", "showroom"]
    search_fields = ["customer_name", "phone"]
    phone_fields = ("phone",)
    inlines = [LeadEventInline, RevisionInline]


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ["contact_date", "lead", "kind", "grade_before", "grade_after", "consultant", "next_follow_up"]
    list_filter = ["showroom", "kind", "grade_after", "contact_date"]
    list_select_related = ["lead", "consultant"]
    search_fields = ["lead__customer_name", "lead__phone"]
    phone_fields = ("lead__phone",)


@admin.register(LostRequest)
class LostRequestAdmin(ReadOnlyAdmin):
    showroom_path = "lead__showroom"
    phone_fields = ("lead__phone",)
    list_display = ["lead", "reason", "competitor_brand", "state", "requested_by", "requested_at", "decided_by"]
    list_filter = ["state", "reason"]
    list_select_related = ["lead", "requested_by", "decided_by"]
    search_fields = ["lead__customer_name", "lead__phone", "competitor_brand"]
