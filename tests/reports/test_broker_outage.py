"""The broker goes away (a redis-server of the test's own, stopped or hung) and comes back: /healthz still answers
within a second, the pages keep working, a background export asked for meanwhile is kept, said to be waiting,
and sent by the beat job once the broker is back. (Reminders catch up after an outage by construction: one
per lead and due date whenever a run comes, tests/followups/test_schedule.py.)"""

import json
import time

import pytest
import redis
from django.urls import reverse

from dealer_crm.celery import app
from followups.services import reminders_generate
from leads.models import Visit
from reports.excel import export_services
from reports.models import ExportRecord
from tests.leads.form_data import create_form_data
from tests.redis_server import RedisServer

pytestmark = pytest.mark.redis  # needs redis-server installed, as CI has it

WAITING = "后台服务暂时无法连接。您的导出已保存，服务恢复后会自动开始；您可以离开此页面。"


@pytest.fixture
def own_redis(tmp_path, monkeypatch, settings):
    """The Celery app pointed at a Redis of this test's own, running."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    monkeypatch.setitem(app.conf, "broker_url", server.url)
    monkeypatch.setitem(app.conf, "broker_transport_options", {})
    settings.CELERY_BROKER_URL = server.url
    yield server
    server.stop()


def timed_healthz(client) -> tuple[float, int, dict]:
    started = time.perf_counter()
    response = client.get(reverse("healthz"))
    return time.perf_counter() - started, response.status_code, response.json()


@pytest.mark.parametrize("outage", ["stopped", "hung"])
def test_healthz_answers_within_a_second_naming_the_broker_when_redis_is_down(client, db, own_redis, outage):
    reminders_generate()
    seconds, status, body = timed_healthz(client)
    assert (status, body["checks"]["broker"]) == (200, "ok")

    own_redis.stop() if outage == "stopped" else own_redis.pause()
    seconds, status, body = timed_healthz(client)

    assert seconds < 1
    assert status == 503
    assert body["checks"]["broker"].startswith("OperationalError: ")
    assert body["checks"]["database"] == "ok"


def test_an_export_asked_for_while_the_broker_is_down_waits_and_is_sent_when_it_is_back(
    client_for, world, manager, own_redis, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EXPORTS_DIR = tmp_path / "exports"
    settings.EXCEL_BACKGROUND_ROWS = 1
    settings.EXCEL_EXPORT_QUEUE = "exports-outage-test"
    client = client_for(manager)
    own_redis.stop()

    # The pages keep working: the register, Today, a new register entry.
    assert client.get(reverse("leads:visit_list")).status_code == 200
    assert client.get(reverse("followups:today")).status_code == 200
    saved = client.post(
        reverse("leads:visit_create"), create_form_data(customer_name="停机时来的客户", consultant=str(world.zhang.pk))
    )
    assert saved.status_code == 302 and Visit.objects.filter(customer_name="停机时来的客户").exists()
    # The export: asked for, answered at once, kept, and the page says why it waits.
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:export_page"), {"month": "2026-11"})
    assert time.perf_counter() - started < 2
    record = ExportRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:export_progress", args=[record.pk])
    assert (record.status, record.enqueued_at) == ("pending", None)
    assert WAITING in client.get(response["Location"]).content.decode()
    status = client.get(reverse("reports:export_status", args=[record.pk])).json()
    assert (status["status"], status["notice"]) == ("pending", WAITING)
    assert export_services.exports_requeue() == 0  # still down: nothing sent, nothing changed
    assert ExportRecord.objects.get().enqueued_at is None

    own_redis.start()
    assert export_services.exports_requeue() == 1  # the beat job's next run

    queued = redis.Redis.from_url(own_redis.url).lrange("exports-outage-test", 0, -1)
    assert [json.loads(message)["headers"]["task"] for message in queued] == ["reports.build_monthly_export"]
    assert [json.loads(message)["headers"]["argsrepr"] for message in queued] == [f"[{record.pk}]"]
    assert ExportRecord.objects.get().enqueued_at is not None
    assert client.get(reverse("reports:export_status", args=[record.pk])).json()["notice"] == ""
