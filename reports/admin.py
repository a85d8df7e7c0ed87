from django.contrib import admin

from dealer_crm.core.admin import RevisionInline
from dealer_crm.core.admin_scope import ShowroomScopedAdmin, SuperuserOnlyAdmin

from .models import DailyReport, ImportSynonym, ReportSettings


@admin.register(ReportSettings)
class ReportSettingsAdmin(ShowroomScopedAdmin, admin.ModelAdmin):
    """The daily report's cut-off and the integrity check's delivery delay, per showroom."""

    list_display = ["showroom", "daily_report_cutoff", "delivery_overdue_days"]


@admin.register(DailyReport)
class DailyReportAdmin(ShowroomScopedAdmin, admin.ModelAdmin):
    """Read-only reference: reports are written through the app so the lock and the history apply."""

    list_display = ["date", "consultant", "showroom", "submitted_at", "signed_off_at"]
    list_filter = ["showroom", "date"]
    list_select_related = ["consultant", "showroom"]
    inlines = [RevisionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportSynonym)
class ImportSynonymAdmin(SuperuserOnlyAdmin, admin.ModelAdmin):
    """How legacy registers spell the CRM's values (亲友 → 亲友介绍): global reference data, superusers only."""

    list_display = ["column", "synonym", "meaning"]
    list_filter = ["column"]
    search_fields = ["synonym", "meaning"]
