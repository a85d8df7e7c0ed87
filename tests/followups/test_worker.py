"""The reminder task end to end: sent through the real Redis broker, run by real Celery worker processes against
the test's PostgreSQL database. These wait (bounded) for other processes; nothing here waits on a business clock.

The workers run on the real clock, so the data is due by the real showroom-local date, and the showroom's
reminder hour is 0 so the run acts whatever the hour is."""

from datetime import datetime, timedelta

import pytest

from dealer_crm.core.clock import showroom_date_of, showroom_today
from followups.models import Reminder, ReminderRun
from followups.tasks import generate_reminders
from leads.models import Lead
from leads.services import register as services
from tests.factories import ShowroomFactory, UserFactory, source
from tests.followups.conftest import next_phone
from tests.workers import send_twice_at_once, wait_for

# Committed data (the worker is another process), restored afterwards like the e2e tests do: the roles and
# information sources come from data migrations that a plain flush would lose.
pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def due_leads(transactional_db):
    """A showroom whose reminder hour has always come, and leads due `overdue` days before its real local today."""
    showroom = ShowroomFactory(code="wk01", reminder_hour=0)
    consultant = UserFactory(showroom=showroom)

    def make(*overdue: int) -> list[Lead]:
        yesterday = showroom_today(showroom) - timedelta(days=1)
        leads = []
        for days in overdue:
            arrived = datetime(yesterday.year, yesterday.month, yesterday.day, 10, tzinfo=showroom.zone)
            visit = services.visit_register(
                showroom=showroom,
                created_by=consultant,
                visit_date=yesterday,
                kind="walk_in",
                customer_name="王先生",
                phone=next_phone(),
                no_phone=False,
                source=source("web"),
                arrived_at=arrived,
                left_at=arrived + timedelta(minutes=30),
                grade="A",
                consultant=consultant,
            )
            lead = Lead.objects.get(showroom=showroom, phone=visit.phone)
            Lead.objects.filter(pk=lead.pk).update(next_follow_up=showroom_today(showroom) - timedelta(days=days))
            lead.refresh_from_db()
            leads.append(lead)
        return leads

    make.showroom = showroom
    return make


def expected_reminders(leads: list[Lead], run: ReminderRun) -> set[tuple]:
    """One reminder per lead, overdue by the days from its due date to the run's showroom-local date."""
    run_day = showroom_date_of(leads[0].showroom, run.started_at)
    return {(lead.pk, lead.next_follow_up, (run_day - lead.next_follow_up).days) for lead in leads}


def test_a_real_worker_makes_the_reminders_of_a_task_sent_through_redis(start_worker, queue, due_leads):
    leads = due_leads(0, 2, 5)
    start_worker()

    generate_reminders.apply_async(queue=queue)

    run = wait_for(
        lambda: ReminderRun.objects.filter(finished_at__isnull=False).first(),
        "the reminder run",
        logs=start_worker.logs(),
    )
    assert run.reminders_created == 3
    assert set(Reminder.objects.values_list("lead_id", "due_date", "overdue_days")) == expected_reminders(leads, run)


def test_the_task_sent_twice_and_run_at_once_by_two_workers_leaves_one_reminder_per_due_lead(
    start_worker, queue, due_leads
):
    leads = due_leads(*range(20))
    start_worker()
    start_worker()
    # Both runs reach their INSERT and wait on the reminder table together; then both go at once.
    send_twice_at_once(generate_reminders, queue=queue, table="followups_reminder", logs=start_worker.logs)

    def both_runs_finished():
        runs = list(ReminderRun.objects.filter(finished_at__isnull=False))
        return runs if len(runs) == 2 else None

    runs = wait_for(both_runs_finished, "both reminder runs to finish", logs=start_worker.logs())
    assert Reminder.objects.count() == 20
    assert sum(run.reminders_created for run in runs) == 20  # neither counted a reminder the other made
    assert set(Reminder.objects.values_list("lead_id", "due_date", "overdue_days")) == expected_reminders(
        leads, runs[0]
    )
