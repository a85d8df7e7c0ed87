"""The one history (dealer_crm/core/history.py): one value format for every model, and the data migration that
moved the apps' own history tables into it."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dealer_crm.core.history import Revision, changes_between, history_value
from leads.models import RegisterDay, Visit
from tests.factories import ShowroomFactory, UserFactory

BEFORE = [
    ("core", "0008_history"),
    ("leads", "0013_dcc_online_leads_and_appointments"),
    ("delivery", "0004_group_role_permissions"),
    ("reports", "0009_group_role_permissions"),
]
AFTER = [
    ("leads", "0015_history_into_core"),
    ("delivery", "0005_history_into_core"),
    ("reports", "0010_history_into_core"),
]


def test_a_moment_is_stored_as_showroom_local_iso_whatever_zone_it_came_in(db):
    showroom = ShowroomFactory()  # Asia/Shanghai
    visit = Visit(showroom=showroom, arrived_at=datetime(2026, 11, 21, 2, 0, tzinfo=UTC))
    local = Visit(showroom=showroom, arrived_at=datetime(2026, 11, 21, 10, 0, tzinfo=showroom.zone))

    assert history_value(visit, "arrived_at") == "2026-11-21T10:00:00+08:00"
    assert changes_between(visit, local, ["arrived_at"]) == {}  # the same moment: no change


def test_a_related_row_is_stored_with_its_pk_and_label_and_a_choice_as_its_code(db):
    consultant = UserFactory(first_name="伟", last_name="张")
    visit = Visit(showroom=consultant.showroom, consultant=consultant, kind="walk_in")

    assert history_value(visit, "consultant") == {"pk": consultant.pk, "label": str(consultant)}
    assert history_value(visit, "kind") == "walk_in"


# Committed data: the migration executor runs outside the test's transaction.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_data_migration_moves_the_old_sign_off_events_into_revisions():
    showroom = ShowroomFactory()
    manager = UserFactory(showroom=showroom)
    at = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        day = old.get_model("leads", "RegisterDay").objects.create(showroom_id=showroom.pk, date=at.date())
        old.get_model("leads", "RegisterDayEvent").objects.create(
            day=day, action="reopened", by_id=manager.pk, at=at, reason="漏填了意向车型"
        )
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
    finally:
        MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())

    revision = RegisterDay.objects.get(pk=day.pk).revisions.get()
    assert (revision.action, revision.by_id, revision.at, revision.reason, revision.showroom_id) == (
        "reopened",
        manager.pk,
        at,
        "漏填了意向车型",
        showroom.pk,
    )
    assert Revision.objects.count() == 1
