"""The monthly workbook in a real browser, built in the background by a real Celery worker.

Issue 7: the manager opens the Excel page from the navbar, asks for this month's workbook; the month is "large"
(the threshold is set to one row for the test), so the page hands it to the task and shows its progress page.
The task waits in Redis until a worker starts: the page shows it queued at 0 %, then, with a real `celery
worker` process running (the pattern of tests/followups/test_worker.py), the bar fills to 100 % by itself (the
page polls the status endpoint every second) and the download link appears; the file is downloaded through the
permission-checked view and opened with openpyxl.

Why a real worker rather than running the task function in a thread: the live server, the worker and the test
are three parties sharing one committed database, exactly as in production; a thread would share the test's
process and settings and prove less. It needs Redis and PostgreSQL, hence the marks (the suite's conftest skips
it without them, and fails the run in CI if it is skipped).
"""

import re

import pytest
from openpyxl import load_workbook

from reports.models import ExportRecord
from tests.i18n import zh
from tests.workers import database_url, queue, start_worker, wait_for  # noqa: F401 - fixtures

from .conftest import DESKTOP, expect, follow_nav_link, log_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def exports(monkeypatch, settings, tmp_path):
    """The private exports folder, for the live server (settings) and the worker (its environment); autouse so it
    is in the environment before the worker fixture copies it."""
    folder = tmp_path / "exports"
    monkeypatch.setenv("EXPORTS_DIR", str(folder))
    monkeypatch.setenv("EXCEL_PROGRESS_EVERY", "1")
    settings.EXPORTS_DIR = folder
    return folder


def test_manager_generates_a_month_in_the_background_watches_it_and_downloads_it(
    new_page,
    manager,
    consultant,
    log_visit_today,
    register_now,
    settings,
    start_worker,  # noqa: F811 - the imported fixture
    queue,  # noqa: F811 - the imported fixture
    screenshot,
    tmp_path,
):
    settings.EXCEL_BACKGROUND_ROWS = 1
    settings.EXCEL_EXPORT_QUEUE = queue
    for n, (name, phone) in enumerate([("王先生", "13900000011"), ("李女士", ""), ("赵先生", "13900000013")]):
        log_visit_today(
            consultant=consultant,
            customer_name=name,
            phone=phone,
            no_phone=not phone,
            minutes_ago=150 - 40 * n,
            minutes=20,
        )
    month = register_now.strftime("%Y-%m")

    # --- The manager, at the desk: Reports → Monthly Excel workbook.
    desk = log_in(new_page(**DESKTOP), manager)
    follow_nav_link(desk, "/reports/exports/")
    expect(desk).to_have_url(re.compile(r"/reports/exports/$"))
    form = desk.locator("#export-form")
    form.locator("input[name=month]").fill(month)
    screenshot(desk, "export-page-desktop")
    form.locator("#export-submit").click()

    # Handed to the task: the progress page, queued at 0 % (no worker runs yet).
    record = ExportRecord.objects.get()
    expect(desk).to_have_url(re.compile(rf"/reports/exports/{record.pk}/$"))
    bar = desk.locator("#export-bar")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    expect(desk.locator("#export-status-label")).to_have_text(zh("Waiting"))
    expect(desk.locator("#export-download")).to_be_hidden()
    screenshot(desk, "export-progress-queued-desktop")
    assert (record.status, record.background, record.rows_expected) == ("pending", True, 5)  # 3 entries, 2 contacts

    # A worker starts and takes the task; the page follows by itself, without a reload.
    start_worker()
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=30_000)
    expect(desk.locator("#export-status-label")).to_have_text(zh("Ready"))
    download_link = desk.locator("#export-download")
    expect(download_link).to_be_visible()
    record.refresh_from_db()
    expect(desk.locator("#export-rows")).to_have_text(f"工作簿共 {record.row_count} 行")
    # The bar's fill slides to its width (Bootstrap's transition): wait until it is full before the picture.
    desk.wait_for_function(
        "() => { const bar = document.getElementById('export-bar');"
        " return bar.firstElementChild.getBoundingClientRect().width >= bar.getBoundingClientRect().width - 1; }"
    )
    screenshot(desk, "export-progress-done-desktop")

    with desk.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename == f"{manager.showroom.code}_{month}.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    workbook = load_workbook(saved)
    register = workbook["来店(电)顾客登记表"]
    rows = list(register.iter_rows(min_row=2, values_only=True))[:-1]  # without the totals row
    assert [row[3] for row in rows] == ["王先生", "李女士", "赵先生"]
    assert [row[5] for row in rows] == ["13900000011", None, "13900000013"]
    assert register.freeze_panes == "A2" and register["B2"].is_date

    record.refresh_from_db()
    assert (record.status, record.requested_by, record.progress) == ("done", manager, 100)
