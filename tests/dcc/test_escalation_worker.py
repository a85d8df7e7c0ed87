"""The escalation task end to end: two scans sent through the real Redis broker, run at once by two real Celery
worker processes against the test's PostgreSQL database, escalate each overdue online lead once."""

import re
from datetime import timedelta

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from dcc.models import LeadSource, OnlineLead, Platform, Via
from dcc.services.intake import online_lead_receive
from dcc.tasks import escalate_overdue
from leads.models import Lead, LeadEvent
from tests.factories import ShowroomFactory, UserFactory
from tests.workers import wait_for

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def overdue_inquiries(transactional_db):
    """Online leads received on the real clock (the workers run on it) whose deadline has passed."""
    showroom = ShowroomFactory(code="wk02")
    UserFactory(username="wkboss", showroom=showroom, role="manager")
    lead_source = LeadSource.objects.create(showroom=showroom, code="ah", name="汽车之家", platform=Platform.AUTOHOME)
    for number in range(5):
        online_lead_receive(
            source=lead_source,
            via=Via.API,
            platform_lead_id=f"AH-{number}",
            customer_name="赵女士",
            phone=f"1391234567{number}",
            city="",
            car_model_text="",
            message="",
            platform_received_at=None,
        )
    past = timezone.now() - timedelta(minutes=1)
    OnlineLead.objects.update(response_due_at=past)
    Lead.objects.update(response_due_at=past)
    return 5


def test_two_scans_run_at_once_by_two_workers_escalate_each_lead_once(start_worker, queue, overdue_inquiries):  # noqa: F811
    start_worker()
    start_worker()
    # Hold the inquiries so both scans reach their first query and wait there together; then let both go at once.
    lock = psycopg2.connect(**connection.get_connection_params())
    try:
        lock.cursor().execute("LOCK TABLE dcc_onlinelead IN ACCESS EXCLUSIVE MODE")
        escalate_overdue.apply_async(queue=queue)
        escalate_overdue.apply_async(queue=queue)

        def both_scans_waiting():
            with lock.cursor() as cursor:
                cursor.execute(
                    """SELECT count(*) FROM pg_locks
                    WHERE relation = 'dcc_onlinelead'::regclass AND NOT granted
                    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"""
                )
                return cursor.fetchone()[0] == 2

        wait_for(both_scans_waiting, "both scans to wait on the inquiries", logs=start_worker.logs())
        lock.rollback()
    finally:
        lock.close()

    def both_scans_finished():
        results = [
            int(found)
            for log in start_worker.logs()
            for found in re.findall(r"dcc\.escalate_overdue\[[^\]]+\] succeeded in [\d.]+s: (\d+)", log.read_text())
        ]
        return results if len(results) == 2 else None

    results = wait_for(both_scans_finished, "both scans to finish", logs=start_worker.logs())
    assert sum(results) == overdue_inquiries  # neither escalated one the other did
    assert LeadEvent.objects.filter(kind=LeadEvent.Kind.RESPONSE_OVERDUE).count() == overdue_inquiries
    assert set(OnlineLead.objects.values_list("escalation_level", flat=True)) == {1}
