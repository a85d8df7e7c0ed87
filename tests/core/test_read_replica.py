"""The read replica, for real: a private PostgreSQL primary and its streaming hot standby (tests/pg_cluster.py).

For these tests the `default` alias points at the private primary (loaded with a copy of the test database) and
a `replica` alias at the standby, as DATABASE_REPLICA_URL would configure it. The primary commits with
synchronous_commit=remote_apply, so a row written is visible on the standby when the write returns (no polling).
"""

import itertools
import logging
import os
import subprocess
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.core.management.color import no_style
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealer_crm.core import db_routing
from dealer_crm.core.db_routing import REPLICA, on_replica
from leads.services import register as services
from reports.models import ExportRecord
from tests.conftest import CURRENT_TIME, TODAY
from tests.factories import ShowroomFactory, UserFactory, source, visit_times
from tests.pg_cluster import PrimaryWithReplica, server_bin

DB = "crm"
_showrooms = itertools.count(1)


def _psql(port: int, sql: str, dbname: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", dbname, "-Atc", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture(scope="session")
def pg_pair(django_db_setup, django_db_blocker):
    """The private primary (with a copy of the migrated test database) and its replica, removed afterwards."""
    if server_bin() is None:
        reason = "PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    if connections["default"].vendor != "postgresql":
        pytest.skip("the read replica needs PostgreSQL (DATABASE_URL=postgres://…)")
    pair = PrimaryWithReplica()
    try:
        pair.start()
        primary = pair.primary.port
        _psql(primary, f"CREATE DATABASE {DB}")
        # The schema from the test database, and the migrations' data (roles, sources) from the copy the suite
        # serialized at set-up: the test database itself may be between a flush and its restore right now.
        default = connections["default"]
        source_db = default.settings_dict
        schema = subprocess.run(
            ["pg_dump", "--schema-only", "--no-owner"]
            + ["-h", source_db["HOST"] or "127.0.0.1", "-p", str(source_db["PORT"] or 5432)]
            + ["-U", source_db["USER"] or "postgres", source_db["NAME"]],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(
            ["psql", "-q", "-h", "127.0.0.1", "-p", str(primary), "-U", "postgres", "-d", DB, "-v", "ON_ERROR_STOP=1"],
            input=schema,
            check=True,
            capture_output=True,
        )
        saved = {key: source_db[key] for key in ("NAME", "HOST", "PORT")}
        with django_db_blocker.unblock():
            default.close()
            source_db.update(NAME=DB, HOST="127.0.0.1", PORT=primary)
            try:
                default.creation.deserialize_db_from_string(default._test_serialized_contents)
                with default.cursor() as cursor:  # explicit ids were inserted: move the sequences past them
                    for statement in default.ops.sequence_reset_sql(no_style(), apps.get_models()):
                        cursor.execute(statement)
            finally:
                default.close()
                source_db.update(saved)
        _psql(primary, "ALTER SYSTEM SET synchronous_standby_names = '*'")
        _psql(primary, "ALTER SYSTEM SET synchronous_commit = 'remote_apply'")
        _psql(primary, "SELECT pg_reload_conf()")
        yield pair
    finally:
        pair.close()


@pytest.fixture
def replica_setup(pg_pair, django_db_blocker, settings):
    """`default` on the private primary, `replica` on its standby, for one test; the test database afterwards."""
    default = connections["default"]
    saved = {key: default.settings_dict[key] for key in ("NAME", "HOST", "PORT", "ATOMIC_REQUESTS")}
    with django_db_blocker.unblock():
        default.close()
        default.settings_dict.update(NAME=DB, HOST="127.0.0.1", PORT=pg_pair.primary.port)
        connections.settings[REPLICA] = {
            **default.settings_dict,
            "PORT": pg_pair.replica.port,
            "ATOMIC_REQUESTS": False,
            "OPTIONS": {"connect_timeout": 1},
        }
        db_routing._down_until = 0.0
        try:
            yield pg_pair
        finally:
            for alias in ("default", REPLICA):
                connections[alias].close()
            del connections.settings[REPLICA]
            del connections[REPLICA]
            default.settings_dict.update(saved)


@pytest.fixture
def showroom_data(replica_setup):
    """A showroom with its manager and one register entry of today, written on the primary."""
    with time_machine.travel(CURRENT_TIME, tick=False):
        n = next(_showrooms)
        showroom = ShowroomFactory(code=f"rep{n}", name=f"复制店{n}")
        manager = UserFactory(username=f"replica_boss{n}", showroom=showroom, role="manager")
        arrived_at, left_at = visit_times(showroom, TODAY)
        services.visit_register(
            showroom=showroom,
            created_by=manager,
            visit_date=TODAY,
            kind="walk_in",
            customer_name="王先生",
            phone="13800138000",
            no_phone=False,
            source=source("web"),
            arrived_at=arrived_at,
            left_at=left_at,
            summary="看车",
            consultant=manager,
        )
    client = Client()
    client.force_login(manager)
    return client


def _get(client: Client, url: str):
    """The response, and the queries the request sent to the primary and to the replica."""
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections[REPLICA]) as rep:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return response, [q["sql"] for q in primary.captured_queries], [q["sql"] for q in rep.captured_queries]


def test_the_replica_alias_is_the_streaming_standby_and_the_primary_is_not(replica_setup):
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (True,)
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), count(*) FROM pg_stat_replication WHERE state = 'streaming'")
        assert cursor.fetchone() == (False, 1)


def test_the_dashboard_and_its_csv_read_the_replica_and_see_what_the_primary_just_wrote(showroom_data):
    with time_machine.travel(CURRENT_TIME, tick=False):
        page, on_primary, on_replica_ = _get(showroom_data, reverse("reports:dashboard"))
        csv, csv_primary, csv_replica = _get(showroom_data, reverse("reports:dashboard_csv", args=["visits_by_day"]))
    assert page.status_code == 200 and csv.status_code == 200
    assert any("leads_visit" in sql for sql in on_replica_)
    assert not any("leads_visit" in sql for sql in on_primary)  # the session and the user: the primary
    assert any("leads_visit" in sql for sql in csv_replica) and not any("leads_visit" in sql for sql in csv_primary)
    assert page.context["key_figures"][0].value == 1  # the entry written on the primary a moment ago


def test_a_list_export_reads_the_replica_and_records_itself_on_the_primary(showroom_data):
    with time_machine.travel(CURRENT_TIME, tick=False):
        response, on_primary, on_replica_ = _get(showroom_data, reverse("reports:register_export"))
    assert response.status_code == 200
    assert any("leads_visit" in sql for sql in on_replica_)
    assert any("INSERT INTO" in sql and "reports_exportrecord" in sql for sql in on_primary)
    assert ExportRecord.objects.using("default").filter(kind=ExportRecord.Kind.REGISTER, row_count=1).exists()


def test_a_browser_that_just_wrote_reads_the_primary_until_its_pin_expires(showroom_data, settings):
    with time_machine.travel(CURRENT_TIME, tick=False) as clock:
        wrote = showroom_data.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
        assert wrote.status_code == 302 and db_routing.PIN_COOKIE in wrote.cookies
        _, on_primary, on_replica_ = _get(showroom_data, reverse("reports:dashboard"))
        assert on_replica_ == [] and any("leads_visit" in sql for sql in on_primary)
        clock.shift(timedelta(seconds=settings.REPLICA_PIN_SECONDS + 1))
        _, on_primary, on_replica_ = _get(showroom_data, reverse("reports:dashboard"))
    assert any("leads_visit" in sql for sql in on_replica_)


def test_a_failed_write_does_not_pin(showroom_data):
    refused = showroom_data.post(reverse("reports:daily_review_reopen", args=[TODAY, 999999]))
    assert refused.status_code >= 400 and db_routing.PIN_COOKIE not in refused.cookies


def test_with_the_replica_stopped_the_dashboard_and_a_task_scope_fall_back_to_the_primary(
    replica_setup, showroom_data, caplog
):
    _get(showroom_data, reverse("reports:dashboard"))  # a kept connection to the replica, which then goes away
    primary = replica_setup.primary.port
    _psql(primary, "ALTER SYSTEM SET synchronous_standby_names = ''")  # commits must not wait for a dead standby
    _psql(primary, "SELECT pg_reload_conf()")
    replica_setup.replica.stop()
    try:
        with caplog.at_level(logging.WARNING, logger="dealer_crm.core.db_routing"):
            with time_machine.travel(CURRENT_TIME, tick=False):
                page, on_primary, on_replica_ = _get(showroom_data, reverse("reports:dashboard"))
            db_routing._down_until = 0.0  # a Celery task's scope, after the retry pause, tries again
            with CaptureQueriesContext(connections["default"]) as in_task, on_replica():
                ExportRecord.objects.count()
    finally:
        replica_setup.replica.start()
        _psql(primary, "ALTER SYSTEM SET synchronous_standby_names = '*'")
        _psql(primary, "SELECT pg_reload_conf()")
    assert page.status_code == 200 and on_replica_ == [] and any("leads_visit" in sql for sql in on_primary)
    assert len(in_task.captured_queries) == 1
    assert caplog.text.count("Read replica unavailable") == 2


@pytest.mark.django_db
def test_without_a_replica_the_scopes_read_the_primary_and_nothing_is_pinned(client, django_user_model):
    """No DATABASE_REPLICA_URL (the suite's own settings): the decorated pages and the task scope are unchanged.
    (Also the one test here on the suite's database, so that it is set up when this file runs alone.)"""
    assert not db_routing.replica_configured()
    with on_replica():
        assert ExportRecord.objects.db == "default"
    client.force_login(UserFactory(username="solo", showroom=ShowroomFactory(code="solo")))
    wrote = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert wrote.status_code == 302 and db_routing.PIN_COOKIE not in wrote.cookies
