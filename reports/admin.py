from django.contrib import admin

from dealer_crm.core.admin_scope import ShowroomScopedAdmin

from .models import DailyReport, DailyReportEvent, ReportSettings


@admin.register(ReportSettings)
class ReportSettingsAdmin(ShowroomScopedAdmin, admin.ModelAdmin):
    """The daily report's cut-off and the integrity check's delivery delay, per showroom."""

    list_display = ["showroom", "daily_report_cutoff", "delivery_overdue_days"]


class DailyReportEventInline(ShowroomScopedAdmin, admin.TabularInline):
    model = DailyReportEvent
    showroom_path = "report__showroom"
    extra = 0
    can_delete = False
    readonly_fields = ["action", "by", "at", "text"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DailyReport)
class DailyReportAdmin(ShowroomScopedAdmin, admin.ModelAdmin):
    """Read-only reference: reports are written through the app so the lock and the history apply."""

    list_display = ["date", "consultant", "showroom", "submitted_at", "signed_off_at"]
    list_filter = ["showroom", "date"]
    list_select_related = ["consultant", "showroom"]
    inlines = [DailyReportEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
