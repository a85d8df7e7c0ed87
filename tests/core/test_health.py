import functools
import socket

import pytest
from django.db.utils import ConnectionHandler
from django.urls import reverse

from dealer_crm.core import health


def _closed_port() -> int:
    """A local TCP port nobody listens on: bound by the OS, then released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable_database():
    """A real PostgreSQL connection to a closed port: connecting fails the way a down database does."""
    port = _closed_port()
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "dealer_crm",
                "USER": "postgres",
                "HOST": "127.0.0.1",
                "PORT": port,
                "OPTIONS": {"connect_timeout": 2},
            }
        }
    )
    yield handler["default"], port
    handler.close_all()


def test_healthz_answers_ok_without_login(client, db, core_health_checks_only):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_database_check_reports_the_connection_error_of_an_unreachable_database(db, unreachable_database):
    connection, port = unreachable_database

    ok, detail = health.database_health(connection)

    assert ok is False
    assert detail.startswith("OperationalError: ")
    assert str(port) in detail


def test_healthz_answers_503_naming_the_database_when_it_is_unreachable(
    client, db, monkeypatch, core_health_checks_only, unreachable_database
):
    connection, port = unreachable_database
    monkeypatch.setitem(health.CHECKS, "database", functools.partial(health.database_health, connection))

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert list(body["checks"]) == ["database"]
    assert body["checks"]["database"].startswith("OperationalError: ")
    assert str(port) in body["checks"]["database"]


def test_healthz_refuses_post(client, db):
    assert client.post(reverse("healthz")).status_code == 405
