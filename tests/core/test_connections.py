"""Persistent, health-checked database connections in production, and the PgBouncer switches from the environment."""

import json
import os
import secrets
import subprocess
import sys

from django.conf import settings

PRINT_CONNECTION_SETTINGS = (
    "import json; from django.conf import settings; db = settings.DATABASES['default']; "
    "print(json.dumps({key: db[key] for key in ('CONN_MAX_AGE', 'CONN_HEALTH_CHECKS', 'DISABLE_SERVER_SIDE_CURSORS')}))"
)


def production_connection_settings(**env_overrides) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE", "CONN_MAX_AGE")}
    env.update(
        DJANGO_SETTINGS_MODULE="dealer_crm.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="crm.example.com",
        **env_overrides,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT_CONNECTION_SETTINGS],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_keeps_connections_for_a_minute_and_checks_them_before_reuse():
    assert production_connection_settings() == {
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "DISABLE_SERVER_SIDE_CURSORS": False,
    }


def test_behind_pgbouncer_transaction_pooling_the_environment_turns_both_off():
    assert production_connection_settings(CONN_MAX_AGE="0", DISABLE_SERVER_SIDE_CURSORS="true") == {
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": True,
        "DISABLE_SERVER_SIDE_CURSORS": True,
    }
