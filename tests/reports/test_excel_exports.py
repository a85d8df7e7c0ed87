"""The export pages: who may take what, the record every export leaves, the list pages' exports (exactly what their
filters show, masked as the page masks), the background path (the task's unit of work run directly, the progress
endpoint, the permission-checked download), and a fixed number of queries whatever the rows."""

from datetime import datetime
from pathlib import Path

import pytest
from django.urls import reverse

from leads.selectors.register import visit_phone_for
from reports.excel import export_services
from reports.models import ExportRecord
from tests.factories import UserFactory
from tests.reports.conftest import nov

from .excel_support import data_rows, header, open_xlsx, values

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT = reverse("reports:export_page")


@pytest.fixture(autouse=True)
def private_folders(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"
    settings.IMPORTS_DIR = tmp_path / "imports"
    return tmp_path


def download(response) -> object:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;")
    return open_xlsx(response)


# --- The monthly workbook: who gets what -----------------------------------------------------------------------


def test_a_manager_exports_the_whole_showroom_and_the_export_is_recorded(client_for, world, showroom, manager):
    response = client_for(manager).post(EXPORT, {"month": "2026-11"})

    workbook = download(response)
    assert 'filename="bj01_2026-11.xlsx"' in response["Content-Disposition"]
    assert {row[15] for row in data_rows(workbook["来店(电)顾客登记表"])} == {"张伟", "李娜"}
    record = ExportRecord.objects.get()
    assert (record.kind, record.showroom, record.requested_by, record.consultant) == (
        "monthly",
        showroom,
        manager,
        None,
    )
    assert (record.month, record.status, record.background, record.channel) == (nov(1), "done", False, "web")
    assert record.row_count == workbook_rows(workbook) and record.row_count > 9
    assert record.requested_at is not None and record.file_path == ""  # built in the request: nothing kept on disk


def workbook_rows(workbook) -> int:
    cover = {row[0]: row[1] for row in values(workbook["封面"]) if row and row[0]}
    return sum(value for key, value in cover.items() if key in workbook.sheetnames)


def test_a_consultant_exports_only_their_own_share_whatever_they_ask(client_for, world, showroom):
    response = client_for(world.li).post(EXPORT, {"month": "2026-11", "consultant": world.zhang.pk})

    workbook = download(response)
    assert 'filename="bj01_2026-11_li.xlsx"' in response["Content-Disposition"]
    assert {row[15] for row in data_rows(workbook["来店(电)顾客登记表"])} == {"李娜"}
    record = ExportRecord.objects.get()
    assert (record.requested_by, record.consultant) == (world.li, world.li)


def test_a_manager_may_export_one_consultants_share(client_for, world, manager):
    workbook = download(client_for(manager).post(EXPORT, {"month": "2026-11", "consultant": world.zhang.pk}))
    assert {row[15] for row in data_rows(workbook["来店(电)顾客登记表"])} == {"张伟"}
    assert ExportRecord.objects.get().consultant == world.zhang


def test_a_manager_cannot_pick_a_consultant_of_another_showroom(client_for, world, manager, other_showroom):
    stranger = UserFactory(showroom=other_showroom)
    response = client_for(manager).post(EXPORT, {"month": "2026-11", "consultant": stranger.pk})
    assert response.status_code == 200  # the form again, with the error
    assert "consultant" in response.context["form"].errors
    assert not ExportRecord.objects.exists()


def test_the_export_page_offers_the_whole_showroom_to_managers_only(client_for, world, manager):
    assert "consultant" in client_for(manager).get(EXPORT).context["form"].fields
    assert "consultant" not in client_for(world.zhang).get(EXPORT).context["form"].fields


def test_export_history_is_for_managers_and_lists_every_export_of_the_showroom(
    client_for, world, manager, other_manager
):
    client_for(world.zhang).post(EXPORT, {"month": "2026-11"})
    client_for(other_manager).post(EXPORT, {"month": "2026-11"})  # another showroom's
    client_for(world.zhang).get(reverse("reports:register_export"))

    page = client_for(manager).get(reverse("reports:export_history"))
    assert page.status_code == 200
    records = list(page.context["page"].object_list)
    assert [(record.kind, record.requested_by) for record in records] == [
        ("register", world.zhang),
        ("monthly", world.zhang),
    ]
    assert client_for(world.zhang).get(reverse("reports:export_history")).status_code == 403


# --- The background path ----------------------------------------------------------------------------------------


@pytest.fixture
def background(settings):
    """Every month is "large": the page hands it to the task."""
    settings.EXCEL_BACKGROUND_ROWS = 1
    settings.EXCEL_PROGRESS_EVERY = 5
    return settings


def test_a_large_month_goes_to_the_task_enqueued_once_the_record_is_committed(
    client_for, world, manager, background, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        "reports.tasks.build_monthly_export.apply_async", lambda args, queue, **options: sent.append((args, queue))
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(manager).post(EXPORT, {"month": "2026-11"})

    record = ExportRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:export_progress", args=[record.pk])
    assert (record.status, record.background, record.progress) == ("pending", True, 0)
    assert record.rows_expected == 9 + 14  # the month's register entries and contacts
    assert sent == []  # nothing sent before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert sent == [([record.pk], "celery")]


def test_the_task_builds_the_file_reports_progress_and_the_page_offers_the_download(
    client_for, world, manager, background, monkeypatch, private_folders, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("reports.tasks.build_monthly_export.apply_async", lambda args, queue, **options: None)
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):  # enqueued: the page does not say the broker is down
        client.post(EXPORT, {"month": "2026-11"})
    record = ExportRecord.objects.get()
    status_url = reverse("reports:export_status", args=[record.pk])
    assert client.get(status_url).json() == {
        "status": "pending",
        "status_label": "排队中",
        "progress": 0,
        "rows_written": 0,
        "rows_expected": 23,
        "row_count": None,
        "download_url": "",
        "error": "",
        "attempts": 0,
        "notice": "",
    }
    progress = []
    build = export_services.monthly_export_build

    def watched(*, record, target, progress_report=None, **kwargs):
        report = kwargs.pop("progress")

        def seen(rows):  # each report, as the progress endpoint then reads it from the database
            report(rows)
            progress.append(client.get(status_url).json()["progress"])

        return build(record=record, target=target, progress=seen)

    monkeypatch.setattr(export_services, "monthly_export_build", watched)
    export_services.monthly_export_run(record_id=record.pk)  # the task's unit of work
    monkeypatch.undo()

    record.refresh_from_db()
    assert (record.status, record.progress) == ("done", 100)
    assert len(progress) >= 3 and progress == sorted(progress) and 0 < progress[0] < progress[-1] < 100
    path = Path(private_folders / "exports" / record.file_path)
    assert path.is_file() and path.parent.name == "bj01"
    state = client.get(status_url).json()
    assert state["status"] == "done" and state["row_count"] == record.row_count
    assert state["download_url"] == reverse("reports:export_download", args=[record.pk])
    workbook = download(client.get(state["download_url"]))
    assert workbook.sheetnames[1] == "来店(电)顾客登记表"
    page = client.get(reverse("reports:export_progress", args=[record.pk]))
    assert page.status_code == 200 and state["download_url"] in page.content.decode()

    # Delivered twice by the broker: the second run finds it done and builds nothing.
    assert export_services.monthly_export_run(record_id=record.pk) is None


def test_a_failed_build_is_recorded_and_shown(client_for, world, manager, background, monkeypatch):
    monkeypatch.setattr("reports.tasks.build_monthly_export.apply_async", lambda args, queue, **options: None)
    client = client_for(manager)
    client.post(EXPORT, {"month": "2026-11"})
    record = ExportRecord.objects.get()

    def broken(**kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(export_services, "monthly_export_build", broken)
    with pytest.raises(OSError):
        export_services.monthly_export_run(record_id=record.pk)
    state = client.get(reverse("reports:export_status", args=[record.pk])).json()
    assert (state["status"], state["error"], state["download_url"]) == ("failed", "disk full", "")


def test_only_the_requester_and_the_showrooms_managers_see_an_export(
    client_for, world, manager, other_manager, background, monkeypatch
):
    monkeypatch.setattr("reports.tasks.build_monthly_export.apply_async", lambda args, queue, **options: None)
    client_for(world.zhang).post(EXPORT, {"month": "2026-11"})
    record = ExportRecord.objects.get()
    export_services.monthly_export_run(record_id=record.pk)
    urls = [
        reverse(name, args=[record.pk])
        for name in ("reports:export_progress", "reports:export_status", "reports:export_download")
    ]
    for url in urls:
        assert client_for(world.zhang).get(url).status_code == 200
        assert client_for(manager).get(url).status_code == 200
        assert client_for(world.li).get(url).status_code == 404  # a colleague's export
        assert client_for(other_manager).get(url).status_code == 404  # another showroom's
        assert client_for(None).get(url).status_code == 302  # the login page


# --- List pages: exactly what the page shows -----------------------------------------------------------------------


def test_the_register_export_holds_the_pages_rows_with_the_pages_masking(client_for, world):
    client = client_for(world.li)
    query = {"date_from": "2026-11-01", "date_to": "2026-11-30", "kind": "walk_in"}
    page = client.get(reverse("leads:visit_list"), query)
    shown = [(visit.customer_name, visit_phone_for(world.li, visit)) for visit in page.context["paginator"].object_list]

    workbook = download(client.get(reverse("reports:register_export"), query))
    ws = workbook["来店(电)顾客登记表"]
    rows = data_rows(ws)
    assert [(row[3], row[5] or "") for row in rows] == shown
    assert ("V3客户", "139****0002") in shown and ("V8客户", "13900000005") in shown  # zhang's masked, li's own not
    record = ExportRecord.objects.get()
    assert (record.kind, record.requested_by, record.row_count) == ("register", world.li, len(rows))
    assert record.filters == {key: [value] for key, value in query.items()}


def test_the_register_export_without_filters_is_todays_sheet_like_the_page(client_for, world):
    workbook = download(client_for(world.manager).get(reverse("reports:register_export")))
    assert [row[3] for row in data_rows(workbook["来店(电)顾客登记表"])] == ["V9客户", "V6客户"]


def test_the_tracker_export_holds_the_consultants_own_open_leads_overdue_first(client_for, world):
    client = client_for(world.zhang)
    page = client.get(reverse("leads:lead_list"))
    workbook = download(client.get(reverse("reports:tracker_export")))
    ws = workbook["意向客户进度管控表"]
    assert header(ws)[:3] == ["客户姓名", "级别", "下次跟进"]
    rows = data_rows(ws)
    assert [row[0] for row in rows] == [lead.customer_name for lead in page.context["paginator"].object_list]
    assert rows[0][:4] == ("V0客户", "B", datetime(2026, 11, 7), 14)  # due 11-07: two weeks overdue
    assert ws["C2"].is_date and ws["D2"].data_type == "n"
    assert {row[8] for row in rows} == {"张伟"}


def test_the_tracker_export_applies_the_filters(client_for, world):
    workbook = download(client_for(world.manager).get(reverse("reports:tracker_export"), {"grade": "A"}))
    assert [row[0] for row in data_rows(workbook["意向客户进度管控表"])] == ["V1客户"]


def test_the_lost_export_is_the_pages_period_analysis_and_its_leads_for_managers_only(client_for, world, manager):
    workbook = download(
        client_for(manager).get(reverse("reports:lost_export"), {"start": "2026-11-01", "end": "2026-11-30"})
    )
    assert workbook.sheetnames == ["意向客户流失分析表", "战败客户"]
    assert data_rows(workbook["战败客户"], totals=False)[0][1:3] == ("V8客户", "13900000005")
    assert ExportRecord.objects.get().kind == "lost"
    assert client_for(world.zhang).get(reverse("reports:lost_export")).status_code == 403


@pytest.mark.parametrize(
    ("url_name", "params"),
    [
        ("reports:register_export", {"date_from": "2026-11-01", "date_to": "2026-11-30"}),
        ("reports:tracker_export", {}),
        ("reports:lost_export", {"start": "2026-11-01", "end": "2026-11-30"}),
    ],
)
def test_list_exports_run_the_same_queries_whatever_the_rows(
    client_for, world, manager, request, django_assert_max_num_queries, django_assert_num_queries, url_name, params
):
    client = client_for(manager)
    with django_assert_max_num_queries(50) as small:
        assert client.get(reverse(url_name), params).status_code == 200
    request.getfixturevalue("busier")
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(reverse(url_name), params)
    assert response.status_code == 200


def test_the_monthly_export_runs_the_same_queries_whatever_the_rows(
    client_for, world, manager, request, django_assert_max_num_queries, django_assert_num_queries
):
    client = client_for(manager)
    client.post(EXPORT, {"month": "2026-11"})  # October's grade status is computed once and kept
    with django_assert_max_num_queries(500) as small:
        client.post(EXPORT, {"month": "2026-11"})
    request.getfixturevalue("busier")
    with django_assert_num_queries(len(small.captured_queries)):
        client.post(EXPORT, {"month": "2026-11"})


def test_old_background_files_are_deleted_and_their_records_kept(
    client_for, world, manager, background, monkeypatch, frozen_clock, settings
):
    from datetime import timedelta

    from reports.tasks import purge_exports

    monkeypatch.setattr("reports.tasks.build_monthly_export.apply_async", lambda args, queue, **options: None)
    client_for(manager).post(EXPORT, {"month": "2026-11"})
    record = export_services.monthly_export_run(record_id=ExportRecord.objects.get().pk)
    path = export_services.export_path(record)
    assert path.is_file()

    frozen_clock.shift(timedelta(days=settings.EXCEL_KEEP_DAYS - 1))
    assert purge_exports() == 0 and path.is_file()
    frozen_clock.shift(timedelta(days=2))
    assert purge_exports() == 1 and not path.is_file()
    record.refresh_from_db()
    assert (record.status, record.file_path, record.row_count > 0) == ("done", "", True)
    assert client_for(manager).get(reverse("reports:export_download", args=[record.pk])).status_code == 404
