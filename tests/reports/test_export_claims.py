"""A background export's claim on the suite's frozen clock: taken once, kept alive by the heartbeat, expired
without it, re-queued by the beat job, given up after EXPORT_MAX_ATTEMPTS. The units of work are called
directly; the broker send is recorded (tests/reports/test_export_crash.py sends through a real one)."""

from datetime import timedelta

import pytest

from reports.excel import export_services
from reports.models import ExportRecord
from tests.conftest import CURRENT_TIME

from .excel_support import open_xlsx

TTL = timedelta(minutes=2)


@pytest.fixture
def sent(monkeypatch, settings, tmp_path):
    """The tasks handed to the broker (record ids), in order."""
    settings.EXPORTS_DIR = tmp_path / "exports"
    settings.EXPORT_CLAIM_TTL = TTL
    settings.EXPORT_MAX_ATTEMPTS = 3
    settings.EXCEL_BACKGROUND_ROWS = 1
    settings.EXCEL_PROGRESS_EVERY = 5
    ids: list[int] = []
    monkeypatch.setattr(
        "reports.tasks.build_monthly_export.apply_async", lambda args, queue, **options: ids.append(args[0])
    )
    return ids


@pytest.fixture
def export(world, manager, sent, frozen_clock):
    """A background export of the world's month, committed and handed to the broker."""
    record, background = export_services.monthly_export_request(
        user=manager, month=CURRENT_TIME.date(), consultant=None, language="zh-hans"
    )
    assert background
    assert export_services.export_enqueue(record_id=record.pk)
    sent.clear()
    return record


def fresh(record: ExportRecord) -> ExportRecord:
    return ExportRecord.objects.get(pk=record.pk)


def test_the_first_claim_takes_the_export_and_a_duplicate_task_gets_nothing(export, frozen_clock):
    assert export_services.export_claim(record_id=export.pk) == 1
    frozen_clock.shift(TTL - timedelta(seconds=1))

    assert export_services.export_claim(record_id=export.pk) is None  # the holder is alive
    record = fresh(export)
    assert (record.status, record.attempts, record.heartbeat_at) == ("running", 1, CURRENT_TIME)


def test_a_claim_without_a_heartbeat_for_the_ttl_is_taken_over_and_the_old_worker_is_fenced_off(export, frozen_clock):
    assert export_services.export_claim(record_id=export.pk) == 1
    frozen_clock.shift(TTL + timedelta(seconds=1))

    assert export_services.export_claim(record_id=export.pk) == 2
    with pytest.raises(export_services.ClaimLost):  # the first worker wakes up: its writes match nothing
        export_services.export_heartbeat(record_id=export.pk, attempt=1, rows=10, expected=20)
    export_services.export_heartbeat(record_id=export.pk, attempt=2, rows=10, expected=20)
    record = fresh(export)
    assert (record.attempts, record.rows_written, record.progress) == (2, 10, 50)


def test_the_heartbeat_keeps_a_long_build_claimed(export, frozen_clock):
    assert export_services.export_claim(record_id=export.pk) == 1
    for rows in (100, 200, 300):
        frozen_clock.shift(TTL - timedelta(seconds=1))
        export_services.export_heartbeat(record_id=export.pk, attempt=1, rows=rows, expected=400)
        assert export_services.export_claim(record_id=export.pk) is None


def test_the_beat_job_requeues_a_dead_claim_once_it_expired_and_not_before(export, sent, frozen_clock):
    export_services.export_claim(record_id=export.pk)
    frozen_clock.shift(TTL - timedelta(seconds=1))
    assert export_services.exports_requeue() == 0
    assert export_services.export_notice(fresh(export)) == ""  # alive, as far as anyone can tell

    frozen_clock.shift(timedelta(seconds=2))
    assert export_services.export_notice(fresh(export)) == "生成此工作簿的后台进程已停止，将在一分钟内自动重新开始。"
    assert export_services.exports_requeue() == 1
    assert sent == [export.pk]


def test_an_export_the_broker_never_took_is_sent_by_the_beat_job(export, sent, frozen_clock):
    ExportRecord.objects.filter(pk=export.pk).update(enqueued_at=None)  # the broker was down when it was asked for
    assert export_services.export_notice(fresh(export)).startswith("后台服务暂时无法连接")

    assert export_services.exports_requeue() == 1
    assert sent == [export.pk]
    assert fresh(export).enqueued_at == CURRENT_TIME
    assert export_services.export_notice(fresh(export)) == ""
    assert export_services.exports_requeue() == 0  # taken: not sent again until a claim's lifetime has passed
    frozen_clock.shift(TTL + timedelta(seconds=1))
    assert export_services.exports_requeue() == 1  # a restarted broker may have lost it


def test_an_interrupted_export_is_rebuilt_into_its_one_file_and_says_it_restarted(export, frozen_clock, settings):
    # Attempt 1 died while writing: its claim and partial file are left behind.
    assert export_services.export_claim(record_id=export.pk) == 1
    final = export_services.monthly_export_file(fresh(export))
    final.parent.mkdir(parents=True)
    final.with_name(f".{final.stem}.1.part").write_bytes(b"half a workbook")
    frozen_clock.shift(TTL + timedelta(seconds=1))

    record = export_services.monthly_export_run(record_id=export.pk)

    assert record is not None
    record = fresh(export)
    assert (record.status, record.attempts, record.progress) == ("done", 2, 100)
    assert sorted(path.name for path in final.parent.iterdir()) == [final.name]  # one file, no partial left
    assert record.file_path == f"bj01/{record.pk}.xlsx"
    with final.open("rb") as handle:
        assert open_xlsx(handle).sheetnames[1] == "来店(电)顾客登记表"
    assert export_services.export_notice(record) == "已完成，共尝试 2 次：之前的尝试被中断。"
    assert export_services.monthly_export_run(record_id=export.pk) is None  # redelivered afterwards: nothing


def test_a_worker_that_lost_its_claim_mid_build_stops_and_leaves_no_file(export, frozen_clock, monkeypatch):
    build = export_services.monthly_export_build

    def taken_over_midway(*, record, target, progress):
        def report(rows):
            frozen_clock.shift(TTL + timedelta(seconds=1))  # this worker stalls past its claim...
            assert export_services.export_claim(record_id=record.pk) == 2  # ...and another takes it
            progress(rows)

        return build(record=record, target=target, progress=report)

    monkeypatch.setattr(export_services, "monthly_export_build", taken_over_midway)

    assert export_services.monthly_export_run(record_id=export.pk) is None

    record = fresh(export)
    assert (record.status, record.attempts) == ("running", 2)  # the other worker's, untouched
    folder = export_services.monthly_export_file(record).parent
    assert list(folder.iterdir()) == []


def test_an_export_whose_workers_keep_dying_is_failed_after_the_last_attempt(export, sent, frozen_clock):
    for attempt in (1, 2, 3):
        assert export_services.export_claim(record_id=export.pk) == attempt
        frozen_clock.shift(TTL + timedelta(seconds=1))
    assert export_services.export_claim(record_id=export.pk) is None  # no attempts left

    assert export_services.exports_requeue() == 0
    record = fresh(export)
    assert (record.status, record.error) == ("failed", "")
    assert record.finished_at == CURRENT_TIME + 3 * (TTL + timedelta(seconds=1))
    assert sent == []
    assert export_services.export_notice(record) == "中断 3 次后已停止。请重新导出，或每次只导出一位顾问的数据。"


def test_a_database_error_gives_the_claim_back_for_the_retry(export, monkeypatch):
    from django.db import OperationalError

    def database_gone(**kwargs):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(export_services, "monthly_export_build", database_gone)
    with pytest.raises(OperationalError):
        export_services.monthly_export_run(record_id=export.pk)

    record = fresh(export)
    assert (record.status, record.attempts, record.heartbeat_at) == ("pending", 1, None)
    assert export_services.export_claim(record_id=export.pk) == 2  # the task's retry takes it at once
