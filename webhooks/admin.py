from django.contrib import admin

from dealer_crm.core.admin_scope import SuperuserOnlyAdmin

from .models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SuperuserOnlyAdmin, admin.ModelAdmin):
    """Superusers only: an endpoint makes the server send customers' data to a URL, which is the operator's
    decision (and a URL a showroom could pick would let it make the server call into its own network)."""

    list_display = ["name", "showroom", "url", "topics", "active", "relayed_up_to"]
    list_filter = ["active", "showroom"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SuperuserOnlyAdmin, admin.ModelAdmin):
    """The delivery log, read-only: the relay writes it and the sender records each attempt."""

    list_display = ["id", "endpoint", "topic", "event_id", "state", "attempts", "last_status", "next_attempt_at"]
    list_filter = ["state", "topic", "endpoint"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
