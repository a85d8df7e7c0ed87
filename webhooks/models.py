"""Outgoing webhooks: the lead's events sent on to a DMS or the automaker's system.

The lead's own event log (`leads.LeadEvent`) is the outbox: a relay walks each endpoint's cursor forward over
it, records one `WebhookDelivery` per (endpoint, event) — unique, so a relay that ran twice records nothing
twice — and Celery sends each with retries that back off. The receiver is told the event's id
(`X-CRM-Event-Id`): a delivery repeated after a timeout, or by a worker that died before recording success,
carries the same id, which is what makes it idempotent for them.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.models import Showroom
from leads.models import LeadEvent


class Topic(models.TextChoices):
    LEAD_CREATED = "lead.created", _("Lead created")
    LEAD_ASSIGNED = "lead.assigned", _("Lead assigned")
    FIRST_CONTACT = "lead.first_contact", _("First contact")
    APPOINTMENT_BOOKED = "appointment.booked", _("Appointment booked")
    APPOINTMENT_ARRIVED = "appointment.arrived", _("Came to the appointment")
    APPOINTMENT_NO_SHOW = "appointment.no_show", _("Missed the appointment")
    LEAD_ORDERED = "lead.ordered", _("Order")
    LEAD_LOST = "lead.lost", _("Lost approved")


class WebhookEndpoint(models.Model):
    """A receiver of one showroom's lead events. The secret signs each body (HMAC-SHA256); it is kept in clear
    because signing needs it, and shown only to the administrator who set the endpoint up."""

    showroom = models.ForeignKey(Showroom, verbose_name=_("showroom"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100)
    # Topic codes, comma-separated; empty: every topic.
    topics = models.CharField(_("topics"), max_length=500, blank=True, default="")
    active = models.BooleanField(_("active"), default=True)
    # The relay's cursor: every LeadEvent up to this id has been looked at for this endpoint. Moved only by a
    # conditional UPDATE from the value the relay read, so two relays running together never both advance it.
    relayed_up_to = models.BigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return f"{self.name} ({self.url})"

    def wants(self, topic: str) -> bool:
        return not self.topics or topic in {code.strip() for code in self.topics.split(",")}


class WebhookDelivery(models.Model):
    """One event for one endpoint, and what became of sending it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Gave up")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(LeadEvent, on_delete=models.PROTECT, related_name="+")
    topic = models.CharField(_("topic"), max_length=30, choices=Topic.choices)
    payload = models.JSONField()
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    # A sender's claim: set when a worker takes the delivery, so a second worker leaves it alone until it
    # expires (the first one died mid-request) and then takes it over.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(_("created"))
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once"),
            models.CheckConstraint(
                condition=Q(state="delivered", delivered_at__isnull=False)
                | (~Q(state="delivered") & Q(delivered_at__isnull=True)),
                name="webhook_delivered_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="webhook_delivery_due"),
        ]

    def __str__(self):
        return f"{self.topic} #{self.event_id} → {self.endpoint}"
