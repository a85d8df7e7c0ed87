"""Relay the lead's events to the webhook endpoints, and send each delivery (signed, retried, recorded).

Why the event log is the outbox: every business change that matters here already writes a `LeadEvent` in its
own transaction, so relaying from it needs no second write in every service and cannot miss one. Retries are
scheduled in the delivery row (`next_attempt_at`), not in the broker: a worker that dies, or a Redis that
restarts, loses no retry; the beat's pump finds due deliveries and hands them to workers again.
"""

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from leads.models import LeadEvent, LeadStatus

from .models import Topic, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

TOPIC_OF_KIND = {
    LeadEvent.Kind.CREATED: Topic.LEAD_CREATED,
    LeadEvent.Kind.ASSIGNED: Topic.LEAD_ASSIGNED,
    LeadEvent.Kind.REASSIGNED: Topic.LEAD_ASSIGNED,
    LeadEvent.Kind.APPOINTMENT_BOOKED: Topic.APPOINTMENT_BOOKED,
    LeadEvent.Kind.APPOINTMENT_ARRIVED: Topic.APPOINTMENT_ARRIVED,
    LeadEvent.Kind.APPOINTMENT_NO_SHOW: Topic.APPOINTMENT_NO_SHOW,
    LeadEvent.Kind.LOST_APPROVED: Topic.LEAD_LOST,
}


def signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """What `X-CRM-Signature` carries: HMAC-SHA256 over "<timestamp>.<body>", so a replayed old body with a new
    timestamp does not verify."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _topics(events: list[LeadEvent]) -> dict[int, str]:
    """The topic of each event that has one. A contact is an order when it leaves the lead ordered, and the
    lead's first contact when no contact event came before it (one query for the whole batch)."""
    contact_leads = {event.lead_id for event in events if event.kind == LeadEvent.Kind.CONTACT}
    first_contact = dict(
        LeadEvent.objects.filter(lead_id__in=contact_leads, kind=LeadEvent.Kind.CONTACT)
        .values_list("lead_id")
        .annotate(Min("id"))
    )
    topics = {}
    for event in events:
        if event.kind == LeadEvent.Kind.CONTACT:
            if event.status == LeadStatus.ORDERED:
                topics[event.pk] = Topic.LEAD_ORDERED
            elif first_contact.get(event.lead_id) == event.pk:
                topics[event.pk] = Topic.FIRST_CONTACT
        elif event.kind in TOPIC_OF_KIND:
            topics[event.pk] = TOPIC_OF_KIND[event.kind]
    return topics


def _payload(event: LeadEvent, topic: str) -> dict:
    lead = event.lead
    return {
        "event_id": event.pk,
        "topic": topic,
        "occurred_at": event.at.isoformat(),
        "showroom": lead.showroom.code,
        "lead": {
            "id": lead.pk,
            "customer_name": lead.customer_name,
            # The receiver is the dealer's own DMS or the automaker's system, which keeps the customer's phone.
            "phone": lead.phone,
            "channel": lead.channel,
            "grade": event.grade,
            "status": event.status,
            "owner": event.owner.get_username(),
        },
        "details": event.details,
    }


def _relay_batch(endpoint: WebhookEndpoint, *, batch: int) -> tuple[int, bool]:
    """Record the deliveries of up to `batch` events after the endpoint's cursor, and of any event in the
    rescan window behind it that has none yet: (deliveries recorded, more to do).

    Why the window: event ids are handed out when a transaction inserts, not when it commits, so a transaction
    still open while a later one commits can show up behind the cursor. Looking again at the last
    WEBHOOK_RESCAN_EVENTS ids catches it; the unique (endpoint, event) makes looking again harmless.
    """
    window = settings.WEBHOOK_RESCAN_EVENTS
    with transaction.atomic():
        start = endpoint.relayed_up_to
        events = list(
            LeadEvent.objects.filter(pk__gt=max(start - window, 0), lead__showroom_id=endpoint.showroom_id)
            .select_related("lead__showroom", "owner")
            .order_by("pk")[: window + batch]
        )
        if not events:
            return 0, False
        last = max(start, events[-1].pk)
        moved = WebhookEndpoint.objects.filter(pk=endpoint.pk, relayed_up_to=start).update(relayed_up_to=last)
        if not moved:  # another relay took this stretch; it records the deliveries
            return 0, False
        endpoint.relayed_up_to = last
        already = set(
            WebhookDelivery.objects.filter(endpoint=endpoint, event_id__in=[event.pk for event in events]).values_list(
                "event_id", flat=True
            )
        )
        now = timezone.now()
        topics = _topics(events)
        rows = [
            WebhookDelivery(
                endpoint=endpoint,
                event=event,
                topic=topic,
                payload=_payload(event, topic),
                next_attempt_at=now,
                created_at=now,
            )
            for event in events
            if event.pk not in already and (topic := topics.get(event.pk)) and endpoint.wants(topic)
        ]
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        return len(rows), len(events) == window + batch and events[-1].pk > start


def webhooks_relay(*, batch: int = 500) -> int:
    """Walk every active endpoint's cursor over the lead events; returns how many deliveries were recorded."""
    recorded = 0
    for endpoint in WebhookEndpoint.objects.filter(active=True):
        more = True
        while more:
            count, more = _relay_batch(endpoint, batch=batch)
            recorded += count
    return recorded


def deliveries_due(*, limit: int = 1000) -> list[int]:
    now = timezone.now()
    return list(
        WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: 30 s, 1, 2, 4 … minutes, at most an hour."""
    return min(timedelta(seconds=30 * 2 ** (attempts - 1)), timedelta(hours=1))


def delivery_send(*, delivery_id: int) -> str | None:
    """Send one due delivery; returns its state afterwards, or None when it was not ours to send.

    Claimed first with a conditional UPDATE, so of two workers handed the same delivery one sends it; a claim
    whose worker died expires after WEBHOOK_CLAIM_SECONDS and the next pump hands it out again (at least once:
    the receiver de-duplicates by X-CRM-Event-Id).
    """
    now = timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=settings.WEBHOOK_CLAIM_SECONDS))
    )
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(now.timestamp()))
    request = urllib.request.Request(
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "showroom-crm-webhooks/1",
            "X-CRM-Event-Id": str(delivery.event_id),
            "X-CRM-Topic": delivery.topic,
            "X-CRM-Timestamp": timestamp,
            "X-CRM-Signature": "sha256=" + signature(secret=delivery.endpoint.secret, timestamp=timestamp, body=body),
        },
    )
    status, error = None, ""
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as failure:
        status, error = failure.code, f"HTTP {failure.code}"
    except (urllib.error.URLError, OSError) as failure:
        error = str(getattr(failure, "reason", failure))[:300]

    attempts = delivery.attempts + 1
    done = timezone.now()
    if status is not None and 200 <= status < 300:
        changes = {"state": WebhookDelivery.State.DELIVERED, "delivered_at": done, "last_error": ""}
    elif attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        changes = {"state": WebhookDelivery.State.FAILED, "last_error": error}
        logger.warning("webhook delivery %s gave up after %s attempts: %s", delivery.pk, attempts, error)
    else:
        changes = {"next_attempt_at": done + retry_delay(attempts), "last_error": error}
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts, last_status=status, claimed_until=None, **changes
    )
    return changes.get("state", WebhookDelivery.State.PENDING)
