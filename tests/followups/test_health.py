"""/healthz as the reminder machinery extends it: the broker answers, and a reminder run finished within a day."""

import os
import socket
from datetime import UTC, timedelta

import pytest
from django.db.migrations.recorder import MigrationRecorder
from django.urls import reverse
from django.utils import timezone

from dealer_crm.celery import app, filesystem_broker_options
from followups.health import broker_health
from followups.models import ReminderRun
from followups.services import reminders_generate
from tests.conftest import CURRENT_TIME


def _closed_port() -> int:
    """A local TCP port nobody listens on: bound by the OS, then released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker(monkeypatch, settings):
    """Point the Celery app (and the setting the check reports on) at another broker for one test."""

    def use(url: str, transport_options: dict | None = None):
        monkeypatch.setitem(app.conf, "broker_url", url)
        monkeypatch.setitem(app.conf, "broker_transport_options", transport_options or {})
        settings.CELERY_BROKER_URL = url

    return use


@pytest.fixture
def filesystem_broker(broker, tmp_path):
    broker("filesystem://", filesystem_broker_options(tmp_path / "broker"))


def healthz(client):
    response = client.get(reverse("healthz"))
    return response.status_code, response.json()


def finished_run(at):
    return ReminderRun.objects.create(started_at=at - timedelta(seconds=5), finished_at=at, reminders_created=0)


def test_healthz_is_ok_after_a_recent_reminder_run(client, db, frozen_clock, filesystem_broker):
    reminders_generate()

    status, body = healthz(client)

    assert status == 200
    assert body["status"] == "ok"
    assert body["checks"]["reminders"] == CURRENT_TIME.astimezone(UTC).isoformat()
    assert body["checks"]["broker"] == "ok (filesystem)"


def installed(ago: timedelta) -> None:
    """Pretend the followups app was migrated `ago` before now (the test's transaction undoes it)."""
    MigrationRecorder.Migration.objects.filter(app="followups", name="0001_initial").update(
        applied=timezone.now() - ago
    )


def test_healthz_answers_503_naming_the_reminders_when_no_run_finished_in_the_day_since_installation(
    client, db, filesystem_broker
):
    installed(timedelta(days=1, minutes=1))

    status, body = healthz(client)

    assert status == 503
    assert body["status"] == "unhealthy"
    assert body["checks"]["reminders"] == "no reminder run in the day since installation"
    assert body["checks"]["broker"] == "ok (filesystem)"  # only the failing check is named as failing


def test_a_fresh_install_without_a_run_yet_is_healthy_for_its_first_day(client, db, filesystem_broker):
    installed(timedelta(hours=23, minutes=59))

    status, body = healthz(client)

    assert status == 200
    assert body["checks"]["reminders"] == "no run yet (installed less than a day ago)"


@pytest.mark.parametrize(
    "age, healthy",
    [(timedelta(hours=23, minutes=59), True), (timedelta(days=1, minutes=1), False)],
    ids=["23h59m", "1d1m"],
)
def test_healthz_answers_503_once_the_last_finished_run_is_more_than_a_day_old(
    client, db, frozen_clock, filesystem_broker, age, healthy
):
    finished_run(CURRENT_TIME - age)
    # A run that started recently but never finished (the worker died in it) does not count.
    ReminderRun.objects.create(started_at=CURRENT_TIME - timedelta(minutes=10))

    status, body = healthz(client)

    assert status == (200 if healthy else 503)
    if not healthy:
        assert "more than a day old" in body["checks"]["reminders"]


def test_the_filesystem_broker_of_a_fresh_machine_is_healthy(db, filesystem_broker):
    assert broker_health() == (True, "ok (filesystem)")


@pytest.mark.redis
def test_a_reachable_redis_broker_is_healthy(db, broker):
    broker(os.environ["REDIS_URL"])

    assert broker_health() == (True, "ok")


def test_healthz_answers_503_naming_the_broker_when_redis_is_unreachable(client, db, frozen_clock, broker):
    port = _closed_port()
    broker(f"redis://127.0.0.1:{port}/0")
    reminders_generate()

    status, body = healthz(client)

    assert status == 503
    assert body["checks"]["reminders"].startswith("2026-11-21T07:30:00")
    detail = body["checks"]["broker"]
    assert detail.startswith("OperationalError: ")
    assert str(port) in detail
