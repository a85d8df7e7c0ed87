"""The DCC desk's beat tasks end to end: two scans sent through the real Redis broker, run at once by two real
Celery worker processes against the test's PostgreSQL database, escalate each overdue online lead once and settle
each appointment past its slot as a no-show once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dcc.models import LeadSource, OnlineLead, Platform, Via
from dcc.services.intake import online_lead_receive
from dcc.tasks import escalate_overdue, settle_no_shows
from leads.models import Appointment, Lead, LeadEvent
from tests.factories import ShowroomFactory, UserFactory
from tests.workers import send_twice_at_once, task_results

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
    send_twice_at_once(escalate_overdue, queue=queue, table="dcc_onlinelead", logs=start_worker.logs)

    results = task_results(escalate_overdue, start_worker.logs)
    assert sum(results) == overdue_inquiries  # neither escalated one the other did
    assert LeadEvent.objects.filter(kind=LeadEvent.Kind.RESPONSE_OVERDUE).count() == overdue_inquiries
    assert set(OnlineLead.objects.values_list("escalation_level", flat=True)) == {1}


def test_two_no_show_scans_run_at_once_by_two_workers_settle_each_appointment_once(
    start_worker, queue, overdue_inquiries
):
    consultant = UserFactory(username="wkconsultant", showroom=Lead.objects.first().showroom, role="consultant")
    ended = timezone.now() - timedelta(hours=2)
    for lead in Lead.objects.all():
        Appointment.objects.create(
            showroom=lead.showroom, lead=lead, booked_by=consultant, booked_at=ended - timedelta(days=1),
            purpose="viewing", starts_at=ended - timedelta(hours=1), ends_at=ended, day=ended.date(),
        )  # fmt: skip
    start_worker()
    start_worker()
    send_twice_at_once(settle_no_shows, queue=queue, table="leads_appointment", logs=start_worker.logs)

    assert sum(task_results(settle_no_shows, start_worker.logs)) == 5  # neither settled one the other did
    assert set(Appointment.objects.values_list("state", flat=True)) == {Appointment.State.NO_SHOW}
    assert LeadEvent.objects.filter(kind=LeadEvent.Kind.APPOINTMENT_NO_SHOW).count() == 5
