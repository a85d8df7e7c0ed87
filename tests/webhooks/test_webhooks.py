"""Outgoing webhooks against a real HTTP receiver on localhost: signed, retried with backoff, recorded, once per
event and endpoint, and the same event id on every attempt (what makes a repeat harmless for the receiver)."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.utils import timezone

from leads.models import LeadEvent
from tests.conftest import CURRENT_TIME
from webhooks.models import Topic, WebhookDelivery, WebhookEndpoint
from webhooks.services import deliveries_due, delivery_send, retry_delay, signature, webhooks_relay

SECRET = "s3cret-for-tests"


class Receiver:
    """A real HTTP server that records each request and answers with the next status of `statuses`."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": self.headers, "body": body})  # case-insensitive
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint_for(showroom):
    def make(url, topics=""):
        return WebhookEndpoint.objects.create(showroom=showroom, name="DMS", url=url, secret=SECRET, topics=topics)

    return make


def relay_later(minutes=1):
    """Relay as the beat would, a little later."""
    with time_machine.travel(CURRENT_TIME + timedelta(minutes=minutes), tick=False):
        return webhooks_relay()


def test_a_new_lead_is_sent_signed_and_recorded(make_lead, consultant, endpoint_for):
    with Receiver([200]) as receiver:
        endpoint = endpoint_for(receiver.url)
        lead = make_lead(consultant=consultant)
        assert relay_later() == 2  # lead created, its first contact (the visit)
        with time_machine.travel(CURRENT_TIME + timedelta(minutes=1), tick=False):
            states = [delivery_send(delivery_id=pk) for pk in deliveries_due()]
    assert states == ["delivered", "delivered"]
    topics = [request["headers"]["X-CRM-Topic"] for request in receiver.requests]
    assert sorted(topics) == sorted([Topic.LEAD_CREATED, Topic.FIRST_CONTACT])
    request = receiver.requests[0]
    headers, body = request["headers"], request["body"]
    assert headers["X-CRM-Signature"] == "sha256=" + signature(
        secret=SECRET, timestamp=headers["X-CRM-Timestamp"], body=body
    )
    payload = json.loads(body)
    assert payload["lead"]["id"] == lead.pk and payload["showroom"] == "bj01"
    assert headers["X-CRM-Event-Id"] == str(payload["event_id"])
    assert endpoint.deliveries.filter(state="delivered", attempts=1, last_status=200).count() == 2


def test_a_failing_receiver_is_retried_with_backoff_and_keeps_the_event_id(make_lead, consultant, endpoint_for):
    with Receiver([500, 503, 200]) as receiver:
        endpoint_for(receiver.url, topics=Topic.LEAD_CREATED)
        make_lead(consultant=consultant)
        relay_later()
        delivery = WebhookDelivery.objects.get()
        moment = CURRENT_TIME + timedelta(minutes=1)
        for attempt in (1, 2):
            with time_machine.travel(moment, tick=False):
                assert delivery_send(delivery_id=delivery.pk) == "pending"
                delivery.refresh_from_db()
                assert delivery.next_attempt_at == timezone.now() + retry_delay(attempt)
                assert deliveries_due() == []  # not before its time
                assert delivery.last_status in (500, 503) and delivery.last_error.startswith("HTTP 5")
            moment = delivery.next_attempt_at
        with time_machine.travel(moment, tick=False):
            assert delivery_send(delivery_id=delivery.pk) == "delivered"
    ids = {request["headers"]["X-CRM-Event-Id"] for request in receiver.requests}
    assert len(receiver.requests) == 3 and len(ids) == 1
    assert retry_delay(1) == timedelta(seconds=30) and retry_delay(20) == timedelta(hours=1)


def test_an_unreachable_receiver_gives_up_after_the_last_attempt(make_lead, consultant, endpoint_for, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    endpoint_for("http://127.0.0.1:9/nothing-listens-here", topics=Topic.LEAD_CREATED)
    make_lead(consultant=consultant)
    relay_later()
    delivery = WebhookDelivery.objects.get()
    with time_machine.travel(CURRENT_TIME + timedelta(minutes=1), tick=False):
        assert delivery_send(delivery_id=delivery.pk) == "pending"
    with time_machine.travel(CURRENT_TIME + timedelta(minutes=5), tick=False):
        assert delivery_send(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.last_status is None and delivery.last_error


def test_relaying_twice_records_each_event_once(make_lead, consultant, endpoint_for):
    endpoint = endpoint_for("http://127.0.0.1:9/")
    make_lead(consultant=consultant)
    assert relay_later() == 2
    assert relay_later() == 0
    endpoint.refresh_from_db()
    assert endpoint.relayed_up_to == LeadEvent.objects.latest("pk").pk
    assert WebhookDelivery.objects.count() == 2


def test_an_event_committed_behind_the_cursor_is_still_relayed(make_lead, consultant, endpoint_for):
    endpoint = endpoint_for("http://127.0.0.1:9/")
    make_lead(consultant=consultant)
    # As if a relay had read past these events while their transaction was still open.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(relayed_up_to=LeadEvent.objects.latest("pk").pk)
    assert relay_later() == 2
    assert relay_later() == 0


def test_events_beyond_the_rescan_window_are_not_looked_at_again(make_lead, consultant, endpoint_for, settings):
    settings.WEBHOOK_RESCAN_EVENTS = 0
    endpoint = endpoint_for("http://127.0.0.1:9/")
    make_lead(consultant=consultant)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(relayed_up_to=LeadEvent.objects.latest("pk").pk)
    assert relay_later() == 0


def test_a_claimed_delivery_is_sent_by_one_worker(make_lead, consultant, endpoint_for):
    with Receiver([200]) as receiver:
        endpoint_for(receiver.url, topics=Topic.LEAD_CREATED)
        make_lead(consultant=consultant)
        relay_later()
        delivery = WebhookDelivery.objects.get()
        with time_machine.travel(CURRENT_TIME + timedelta(minutes=1), tick=False):
            WebhookDelivery.objects.filter(pk=delivery.pk).update(claimed_until=timezone.now() + timedelta(seconds=5))
            assert delivery_send(delivery_id=delivery.pk) is None  # another worker holds it
        with time_machine.travel(CURRENT_TIME + timedelta(minutes=2), tick=False):
            assert delivery_send(delivery_id=delivery.pk) == "delivered"  # its claim expired: it died
            assert delivery_send(delivery_id=delivery.pk) is None  # sent: nothing more to do
    assert len(receiver.requests) == 1


def test_only_the_endpoint_showrooms_events_are_relayed(make_lead, consultant, endpoint_for, other_showroom):
    WebhookEndpoint.objects.create(showroom=other_showroom, name="other", url="http://127.0.0.1:9/", secret="x")
    make_lead(consultant=consultant)
    assert relay_later() == 0
