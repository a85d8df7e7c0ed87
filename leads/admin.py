from django.contrib import admin

from .models import RegisterDay, RegisterDayEvent, Visit, VisitRevision


class VisitRevisionInline(admin.TabularInline):
    model = VisitRevision
    extra = 0
    can_delete = False
    readonly_fields = ["action", "changed_by", "changed_at", "changes", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    """Read-only reference: register entries are written through the app so rules and history apply."""

    list_display = ["visit_date", "number", "customer_name", "kind", "grade", "consultant", "showroom", "deleted_at"]
    list_filter = ["showroom", "kind", "grade", "visit_date"]
    list_select_related = ["consultant", "showroom"]
    search_fields = ["customer_name", "phone"]
    inlines = [VisitRevisionInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


class RegisterDayEventInline(admin.TabularInline):
    model = RegisterDayEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "by", "at", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RegisterDay)
class RegisterDayAdmin(admin.ModelAdmin):
    list_display = ["date", "showroom", "signed_off_at", "signed_off_by"]
    list_filter = ["showroom"]
    readonly_fields = ["showroom", "date", "signed_off_at", "signed_off_by"]
    inlines = [RegisterDayEventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
