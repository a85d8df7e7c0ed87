"""A background export whose worker is killed (kill -9, the whole process group) while it writes rows is finished
by a new worker within a bounded time: real Celery workers on the real Redis broker, the test's PostgreSQL
database, a claim TTL of two seconds. The test plays beat: it sends the beat job's task (reports.requeue_exports)
through the broker, at most once a second, until the export is done or the deadline passes.

To kill the worker while it is writing rows (and not before or after), the test holds an exclusive lock on the
leads table, which the build first reads for the lead tracker sheet, right after the register sheet's rows: the
worker has written rows (and reported them) and waits there when it is killed."""

import os
import signal
import time

import psycopg2
import pytest
from django.db import connection

from reports.excel import export_services
from reports.models import ExportRecord
from reports.tasks import requeue_exports
from tests.reports.test_excel_worker import month_with_visits  # noqa: F401 - fixture
from tests.workers import database_url, queue, start_worker, wait_for  # noqa: F401 - fixtures

from .excel_support import data_rows, open_xlsx

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CLAIM_TTL_SECONDS = 2


@pytest.fixture(autouse=True)
def crash_settings(monkeypatch, settings, tmp_path, queue):  # noqa: F811 - the imported fixture
    """Autouse, so the workers' environment (copied when their fixture starts) has them too."""
    folder = tmp_path / "exports"
    values = {
        "EXPORTS_DIR": str(folder),
        "EXPORT_CLAIM_TTL_SECONDS": str(CLAIM_TTL_SECONDS),
        "EXCEL_PROGRESS_EVERY": "5",
        "EXCEL_EXPORT_QUEUE": queue,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings.EXPORTS_DIR = folder
    settings.EXCEL_EXPORT_QUEUE = queue
    settings.EXCEL_BACKGROUND_ROWS = 5
    return folder


def waiting_on_leads(lock) -> bool:
    with lock.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM pg_locks WHERE relation = 'leads_lead'::regclass AND NOT granted
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"""
        )
        return cursor.fetchone()[0] == 1


def test_an_export_whose_worker_is_killed_while_writing_rows_is_finished_by_a_new_worker(
    start_worker,  # noqa: F811 - the imported fixture
    queue,  # noqa: F811 - the imported fixture
    month_with_visits,  # noqa: F811 - the imported fixture
    crash_settings,
):
    manager, day = month_with_visits
    first = start_worker()
    lock = psycopg2.connect(**connection.get_connection_params())
    try:
        lock.cursor().execute("LOCK TABLE leads_lead IN ACCESS EXCLUSIVE MODE")
        record, background = export_services.monthly_export_request(
            user=manager, month=day.replace(day=1), consultant=None, language="zh-hans"
        )
        assert background
        wait_for(
            lambda: waiting_on_leads(lock), "the first worker to reach the tracker sheet", logs=start_worker.logs()
        )
        written = ExportRecord.objects.get(pk=record.pk)
        assert (written.status, written.attempts, written.rows_written) == ("running", 1, 10)  # register rows
        # openpyxl streams the sheets to its own temporary files and writes the .part file on save: nothing yet.
        assert list((crash_settings / "xw01").iterdir()) == []

        os.killpg(first.pid, signal.SIGKILL)  # the worker and its pool child, as an OOM killer or a crash would
        first.wait()
        lock.rollback()
    finally:
        lock.close()

    start_worker()
    started = time.monotonic()
    last_beat = 0.0

    def finished():
        nonlocal last_beat
        if time.monotonic() - last_beat >= 1:
            requeue_exports.apply_async(queue=queue)  # the beat job, run by the new worker
            last_beat = time.monotonic()
        return ExportRecord.objects.filter(pk=record.pk, status__in=["done", "failed"]).first()

    done = wait_for(finished, "a new worker to finish the export", timeout=30, logs=start_worker.logs())
    # The claim's 2 s, a beat, a build (seconds, on a busy machine): not the broker's 15-minute visibility timeout.
    assert time.monotonic() - started < 30

    assert (done.status, done.error, done.attempts, done.progress) == ("done", "", 2, 100)
    assert ExportRecord.objects.count() == 1
    files = sorted(path.name for path in (crash_settings / "xw01").iterdir())
    assert files == [f"{record.pk}.xlsx"]  # one file, the dead attempt's partial file gone
    with (crash_settings / done.file_path).open("rb") as handle:
        workbook = open_xlsx(handle)
    assert [row[3] for row in data_rows(workbook["来店(电)顾客登记表"])] == [f"客户{n}" for n in range(12)]
    assert done.row_count >= 24
    assert export_services.export_notice(done) == "已完成，共尝试 2 次：之前的尝试被中断。"
