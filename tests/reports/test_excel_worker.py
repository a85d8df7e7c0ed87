"""The background export end to end: the page's service enqueues the task through the real Redis broker, a real
Celery worker process builds the workbook against the test's PostgreSQL database, and the file it leaves is the
one the download view serves. The worker fixtures are tests/followups/test_worker.py's (same pattern, same
bounded waits). The worker runs on the real clock, so the data is yesterday's, by the showroom's real date."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from dealer_crm.core.clock import showroom_today
from leads.services import register as services
from reports.excel import export_services
from reports.models import ExportRecord
from tests.factories import ShowroomFactory, UserFactory, source
from tests.workers import database_url, queue, start_worker, wait_for  # noqa: F401 - fixtures

from .excel_support import data_rows, open_xlsx

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def exports(monkeypatch, settings, tmp_path):
    """Autouse, so it is set before the worker fixture copies the environment into the worker's."""
    folder = tmp_path / "exports"
    monkeypatch.setenv("EXPORTS_DIR", str(folder))
    settings.EXPORTS_DIR = folder
    return folder


@pytest.fixture
def month_with_visits(transactional_db):
    showroom = ShowroomFactory(code="xw01", name="西五展厅")
    consultant = UserFactory(showroom=showroom, username="xw_sc", last_name="周", first_name="敏")
    manager = UserFactory(showroom=showroom, username="xw_boss", role="manager")
    yesterday = showroom_today(showroom) - timedelta(days=1)
    for n in range(12):
        arrived = datetime(
            yesterday.year, yesterday.month, yesterday.day, 9 + n // 2, 30 * (n % 2), tzinfo=showroom.zone
        )
        services.visit_register(
            showroom=showroom,
            created_by=consultant,
            visit_date=yesterday,
            kind="walk_in",
            customer_name=f"客户{n}",
            phone=f"139000001{n:02d}",
            no_phone=False,
            source=source("web"),
            arrived_at=arrived,
            left_at=arrived + timedelta(minutes=20),
            grade="B",
            consultant=consultant,
        )
    return manager, yesterday


def test_a_real_worker_builds_a_large_month_enqueued_by_the_page(
    start_worker,  # noqa: F811 - the imported fixture
    queue,  # noqa: F811 - the imported fixture
    month_with_visits,
    settings,
    exports,
    client,
):
    manager, day = month_with_visits
    settings.EXCEL_EXPORT_QUEUE = queue
    settings.EXCEL_BACKGROUND_ROWS = 5  # 12 entries and their 12 contacts: the background path
    start_worker()

    record, background = export_services.monthly_export_request(
        user=manager, month=day.replace(day=1), consultant=None, language="zh-hans"
    )
    assert background and record.rows_expected == 24

    done = wait_for(
        lambda: ExportRecord.objects.filter(pk=record.pk, status__in=["done", "failed"]).first(),
        "the worker to build the workbook",
        logs=start_worker.logs(),
    )
    assert (done.status, done.error, done.progress) == ("done", "", 100)
    assert (exports / done.file_path).is_file()

    client.force_login(manager)
    response = client.get(reverse("reports:export_download", args=[record.pk]))
    workbook = open_xlsx(response)
    assert [row[3] for row in data_rows(workbook["来店(电)顾客登记表"])] == [f"客户{n}" for n in range(12)]
    assert done.row_count >= 24
