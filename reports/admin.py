from django.contrib import admin

from .models import DailyReport, DailyReportEvent, ImportSynonym, ReportSettings


@admin.register(ReportSettings)
class ReportSettingsAdmin(admin.ModelAdmin):
    """The daily report's cut-off and the integrity check's delivery delay, per showroom."""

    list_display = ["showroom", "daily_report_cutoff", "delivery_overdue_days"]


class DailyReportEventInline(admin.TabularInline):
    model = DailyReportEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "by", "at", "text"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DailyReport)
class DailyReportAdmin(admin.ModelAdmin):
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


@admin.register(ImportSynonym)
class ImportSynonymAdmin(admin.ModelAdmin):
    """How legacy registers spell the CRM's values (亲友 → 亲友介绍): global reference data, superusers only."""

    list_display = ["column", "synonym", "meaning"]
    list_filter = ["column"]
    search_fields = ["synonym", "meaning"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
