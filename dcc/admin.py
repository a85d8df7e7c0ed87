"""The DCC desk's configuration in the admin: lead sources and their API tokens, each of one showroom."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.admin_scope import ShowroomScopedAdmin

from .models import LeadSource, SourceToken
from .services.tokens import source_token_create, source_token_revoke


@admin.register(LeadSource)
class LeadSourceAdmin(ShowroomScopedAdmin, admin.ModelAdmin):
    list_display = ["name", "code", "platform", "active", "showroom"]
    list_filter = ["platform", "active"]
    search_fields = ["name", "code"]


@admin.register(SourceToken)
class SourceTokenAdmin(ShowroomScopedAdmin, admin.ModelAdmin):
    """A token is made here and shown once, in the message after saving; only its hash is kept. Revoking keeps
    the row (when, for the record); a token is never edited."""

    showroom_path = "source__showroom"
    list_display = ["prefix", "source", "label", "created_at", "created_by", "last_used_at", "revoked_at"]
    list_filter = ["source"]
    list_select_related = ["source__showroom", "created_by"]
    fields = ["source", "label"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "source", "label", "prefix", "created_at", "last_used_at", "revoked_at"] if obj else fields

    def get_fields(self, request, obj=None):
        if obj is not None:
            return ["source", "label", "prefix", "created_at", "last_used_at", "revoked_at"]
        return super().get_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing of a token is editable
        if not self._allowed(request, obj):
            raise PermissionDenied
        token, raw = source_token_create(source=obj.source, created_by=request.user, label=obj.label)
        obj.pk = token.pk
        obj.prefix = token.prefix
        self.message_user(
            request,
            format_html(
                "{} <code>{}</code>",
                _("Copy the token now, it is not shown again:"),
                raw,
            ),
            messages.WARNING,
        )

    def has_change_permission(self, request, obj=None):
        return False if obj is not None and obj.revoked_at else super().has_change_permission(request, obj)

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            source_token_revoke(token=token)
        self.message_user(request, _("Revoked."), messages.SUCCESS)
