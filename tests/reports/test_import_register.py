"""Importing legacy Excel registers: headers in either language and their synonyms, any column order, the date and
time spellings found in real files, every register rule per row in the user's language, duplicates skipped (twice
the same file imports nothing new), the rejected rows written back with an error column, the command line, and
the round trip: an exported month imported into an empty showroom gives the same register back."""

import io
from datetime import date, datetime, time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from leads.models import Lead, Visit
from reports import register_import
from reports.models import ExportRecord, ImportBatch, ImportedRow
from tests.conftest import SHANGHAI
from tests.factories import DistrictFactory, ShowroomFactory, UserFactory
from tests.i18n import zh
from tests.reports.conftest import nov
from tests.signing import sign_off_day

from .excel_support import build, data_rows, open_xlsx, values

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_folders(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"
    settings.IMPORTS_DIR = tmp_path / "imports"
    return tmp_path


def xlsx(path: Path, rows: list[list]) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def parse_and_import(path, showroom, *, by=None, consultant_map=None):
    parsed = register_import.register_import_parse(path, showroom=showroom, consultant_map=consultant_map)
    assert not parsed.error, parsed.error
    batch = register_import.import_batch_create(
        showroom=showroom, uploaded_by=by, uploaded_by_name="test", source=Path(path), original_name=Path(path).name
    )
    return parsed, register_import.register_import_apply(batch=batch, parsed=parsed, created_by=by)


def register_of(showroom) -> list[tuple]:
    return list(
        Visit.objects.filter(showroom=showroom)
        .order_by("visit_date", "number")
        .values_list("visit_date", "number", "customer_name", "phone", "arrived_at", "left_at", "consultant__username")
    )


# --- The round trip -----------------------------------------------------------------------------------------------


def test_an_exported_register_imported_into_an_empty_showroom_gives_the_same_register(
    world, showroom, manager, tmp_path
):
    exported = build(showroom, nov(1), viewer=manager)
    path = tmp_path / "november.xlsx"
    exported.save(path)  # as it left the CRM: cover first, the register on the second sheet
    empty = ShowroomFactory(code="tj01", name="天津一店")
    UserFactory(username="zhang_tj", last_name="张", first_name="伟", showroom=empty)
    UserFactory(username="li_tj", last_name="李", first_name="娜", showroom=empty)
    for name in ("朝阳区", "海淀区"):
        DistrictFactory(showroom=empty, name=name)

    parsed, result = parse_and_import(path, empty)

    assert parsed.sheet == "来店(电)顾客登记表"
    assert (result.imported, result.duplicates, result.rejected) == (9, 0, 0)
    again = build(empty, nov(1), viewer=UserFactory(showroom=empty, role="manager"))
    original_rows = data_rows(exported["来店(电)顾客登记表"])
    assert data_rows(again["来店(电)顾客登记表"]) == original_rows
    # Through the register's service: customers who left a phone are leads of the same consultants.
    assert set(Lead.objects.filter(showroom=empty).values_list("phone", "owner__last_name")) == {
        ("13900000001", "张"),
        ("13900000002", "张"),
        ("13900000003", "张"),
        ("13900000004", "张"),
        ("13900000005", "李"),
    }


# --- Reading what people actually wrote ---------------------------------------------------------------------------


def test_chinese_synonyms_any_column_order_a_title_line_and_the_date_spellings(world, showroom, tmp_path):
    path = xlsx(
        tmp_path / "legacy.xlsx",
        [
            ["来店(电)顾客登记表", None, None, None, None, None, None],
            ["姓名", "手机", "到店日期", "进店-离去", "接待人", "级别", "来源"],
            ["赵先生", "138-0013-8001", date(2026, 11, 4), "09:00-09:40", "张伟", "B", "网络"],
            ["钱女士", 13800138002, "2026-11-05", "10:00—10:30", "张伟", "", "路过"],
            ["孙先生", "无", "2026/11/6", "11:00~11:20", "李娜", None, None],
            ["李女士", "+86 138 0013 8004", "2026年11月8日", "14:30-15:10", "li", "A级", "亲友介绍"],
            ["合计", None, None, None, None, None, None],
        ],
    )
    parsed, result = parse_and_import(path, showroom)

    assert (result.imported, result.rejected) == (4, 0), [row.errors for row in parsed.rows]
    imported = {
        visit.customer_name: visit
        for visit in Visit.objects.filter(customer_name__in=["赵先生", "钱女士", "孙先生", "李女士"])
    }
    zhao = imported["赵先生"]
    assert (zhao.visit_date, zhao.phone, zhao.grade, zhao.consultant, zhao.gender) == (
        nov(4),
        "13800138001",
        "B",
        world.zhang,
        "m",
    )
    assert zhao.arrived_at == datetime(2026, 11, 4, 9, 0, tzinfo=SHANGHAI)
    assert zhao.left_at == datetime(2026, 11, 4, 9, 40, tzinfo=SHANGHAI)
    assert imported["钱女士"].phone == "13800138002" and imported["钱女士"].visit_date == nov(5)
    assert imported["孙先生"].no_phone and imported["孙先生"].consultant == world.li
    assert imported["李女士"].visit_date == nov(8) and imported["李女士"].phone == "13800138004"
    assert imported["李女士"].grade == "A" and imported["李女士"].source.code == "friends"
    assert imported["李女士"].left_at.astimezone(SHANGHAI).time() == time(15, 10)


def test_english_headers_with_excel_times_and_kinds(world, showroom, tmp_path):
    path = xlsx(
        tmp_path / "english.xlsx",
        [
            ["Consultant", "Date", "Name", "Phone", "Arrival", "Departure", "Type", "Model", "Party size"],
            [
                "zhang",
                datetime(2026, 11, 9),
                "Mr. Zhou",
                "13800138009",
                time(16, 5),
                time(16, 12),
                "call",
                "丰田 凯美瑞",
                1,
            ],
            ["zhang", datetime(2026, 11, 9), "Ms. Wu", "", time(17, 0), time(17, 45), "walk-in", "Model Y", 3],
        ],
    )
    parsed, result = parse_and_import(path, showroom)

    assert (result.imported, result.rejected) == (2, 0), [row.errors for row in parsed.rows]
    zhou, wu = Visit.objects.get(customer_name="Mr. Zhou"), Visit.objects.get(customer_name="Ms. Wu")
    assert (zhou.kind, str(zhou.car_model), wu.kind, wu.party_size) == ("call", "丰田 凯美瑞", "walk_in", 3)
    # A model outside the catalogue is not lost: it goes into the remarks, with a warning in the preview.
    assert wu.car_model is None and "Model Y" in wu.remarks
    assert parsed.rows[1].warnings


# --- What is wrong with a row, in the user's language --------------------------------------------------------------

BAD_FILE = [
    ["日期", "客户姓名", "电话", "进店时间", "离去时间", "销售顾问"],
    ["2026-11-10", "好客户", "13800138010", "10:00", "10:30", "张伟"],  # line 2: fine
    ["2026-11-10", "坏电话", "12345", "10:00", "10:30", "张伟"],  # 3
    ["昨天", "坏日期", "13800138011", "10:00", "10:30", "张伟"],  # 4
    ["2026-11-10", "不认识", "13800138012", "10:00", "10:30", "王老师"],  # 5
    ["2026-11-10", "好客户", "13800138010", "10:00", "10:30", "张伟"],  # 6: the same as line 2
    ["2026-11-10", "倒过来", "13800138013", "11:00", "10:30", "张伟"],  # 7
    ["2026-11-12", "签核日", "13800138014", "10:00", "10:30", "张伟"],  # 8: the 12th is signed off
    ["2026-11-21", "未来客", "13800138015", "16:00", "16:30", "张伟"],  # 9: it is 15:30 now
    ["2026-11-10", "", "13800138016", "9:00", "10:30", "张伟"],  # 10: no name
    ["2026-11-10", "坏时间", "13800138017", "十点", "10:30", "张伟"],  # 11
]


@pytest.fixture
def bad_file(world, showroom, manager, tmp_path):
    sign_off_day(showroom=showroom, day=nov(12), by=manager)
    return xlsx(tmp_path / "bad.xlsx", BAD_FILE)


def test_each_rejected_row_says_what_is_wrong_in_the_users_language(bad_file, showroom):
    parsed = register_import.register_import_parse(bad_file, showroom=showroom)
    by_line = {row.line: row for row in parsed.rows}

    assert by_line[2].status == "ok" and by_line[6].status == "duplicate"
    assert by_line[3].errors == [
        f"12345: {zh('Enter an 11-digit mobile number starting with 1, or a landline with its area code.')}"
    ]
    assert by_line[4].errors == ["“昨天”不是日期（请写作 2025-03-08）。"]
    assert by_line[5].errors == ["本展厅没有名为“王老师”的销售顾问：请为此姓名选择一位。"]
    assert by_line[7].errors == [zh("Departure must be after arrival.")]
    assert by_line[8].errors == [
        zh("The register of %(date)s is signed off; ask the manager to reopen it.") % {"date": "2026-11-12"}
    ]
    assert by_line[9].errors == [zh("Departure cannot be in the future.")]
    assert by_line[10].errors == ["缺少客户姓名（或“王先生/李女士”）。"]
    assert by_line[11].errors == ["进店、离去时间应写作 14:30，或在一个单元格中写作 14:30-15:10。"]
    assert parsed.counts() == {"rows": 10, "valid": 1, "duplicates": 1, "rejected": 8}
    assert parsed.unknown_consultants == ["王老师"]


def test_the_valid_rows_go_in_and_the_rejected_ones_come_back_with_an_error_column(bad_file, showroom, manager):
    parsed, result = parse_and_import(bad_file, showroom, by=manager)
    assert (result.imported, result.duplicates, result.rejected) == (1, 1, 8)
    assert Visit.objects.filter(customer_name="好客户").count() == 1

    buffer = io.BytesIO()
    assert register_import.rejected_rows_write(parsed, result.rejected_rows, buffer) == 8
    sheet = load_workbook(io.BytesIO(buffer.getvalue()))["未导入的行"]
    rows = values(sheet)
    assert rows[0] == ("日期", "客户姓名", "电话", "进店时间", "离去时间", "销售顾问", "原文件行号", "错误")
    assert rows[1][:6] == tuple(BAD_FILE[2]) and rows[1][6] == "3"  # as it was in the file, phone and all
    assert [row[1] for row in rows[1:]] == ["坏电话", "坏日期", "不认识", "倒过来", "签核日", "未来客", None, "坏时间"]
    assert all(row[7] for row in rows[1:])
    assert sheet.freeze_panes == "A2"


def test_an_unknown_name_imports_once_the_preview_says_who_it_is(bad_file, showroom, world):
    parsed = register_import.register_import_parse(bad_file, showroom=showroom, consultant_map={"王老师": world.li})
    row = next(row for row in parsed.rows if row.line == 5)
    assert row.ok and row.values["consultant"] == world.li


def test_the_same_file_twice_imports_nothing_the_second_time(world, showroom, tmp_path):
    path = xlsx(
        tmp_path / "twice.xlsx",
        [["日期", "客户姓名", "电话", "进店时间", "离去时间", "销售顾问"]]
        + [["2026-11-11", f"客户{n}", f"1380013810{n}", f"1{n}:00", f"1{n}:20", "张伟"] for n in range(5)],
    )
    _parsed, first = parse_and_import(path, showroom)
    before = register_of(showroom)
    _parsed, second = parse_and_import(path, showroom)

    assert (first.imported, second.imported, second.duplicates) == (5, 0, 5)
    assert register_of(showroom) == before
    # Day numbers follow the file's order, as on the paper sheet.
    assert [row[1] for row in before if row[0] == nov(11)] == [1, 2, 3, 4, 5]


def test_the_database_refuses_a_second_import_of_the_same_row(world, showroom):
    visit = world.visits["V1"]
    batch = ImportBatch.objects.create(
        showroom=showroom, uploaded_by_name="x", uploaded_at=visit.arrived_at, original_name="a.xlsx", file_path="a"
    )
    key = {
        "showroom": showroom,
        "visit_date": visit.visit_date,
        "arrived_at": visit.arrived_at,
        "customer_name": visit.customer_name,
        "phone": visit.phone,
        "batch": batch,
    }
    ImportedRow.objects.create(visit=visit, **key)
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportedRow.objects.create(visit=world.visits["V2"], **key)


def test_a_file_without_a_register_header_says_so(showroom, tmp_path):
    path = xlsx(tmp_path / "other.xlsx", [["品牌", "价格"], ["丰田", 200000]])
    assert register_import.register_import_parse(path, showroom=showroom).error.startswith("此工作簿中没有")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    assert (
        register_import.register_import_parse(broken, showroom=showroom).error
        == "无法作为 Excel 工作簿 (.xlsx) 读取此文件。"
    )


# --- The command line ----------------------------------------------------------------------------------------------


def test_import_register_command_prints_the_counts_and_writes_the_rejected_rows_beside_each_file(
    bad_file, showroom, tmp_path
):
    good = xlsx(
        tmp_path / "good.xlsx",
        [
            ["日期", "客户姓名", "电话", "进店时间", "离去时间", "销售顾问"],
            ["2026-11-13", "周先生", "", "9:00", "9:30", "李娜"],
        ],
    )
    out = io.StringIO()
    call_command("import_register", str(bad_file), str(good), "--showroom", "bj01", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == f"{bad_file}: 1 imported, 1 skipped as duplicates, 8 rejected → {bad_file}.rejected.xlsx"
    assert lines[1] == f"{good}: 1 imported, 0 skipped as duplicates, 0 rejected"
    assert lines[2] == "Total: 2 imported, 1 skipped as duplicates, 8 rejected."
    assert len(data_rows(open_xlsx(Path(f"{bad_file}.rejected.xlsx"))["未导入的行"], totals=False)) == 8
    assert not Path(f"{good}.rejected.xlsx").exists()
    assert ImportBatch.objects.filter(channel="command", uploaded_by=None).count() == 2

    again = io.StringIO()
    call_command("import_register", str(good), "--showroom", "bj01", stdout=again)
    assert again.getvalue().strip() == f"{good}: 0 imported, 1 skipped as duplicates, 0 rejected"


def test_import_register_command_maps_names_to_usernames(bad_file, world, tmp_path):
    out = io.StringIO()
    call_command("import_register", str(bad_file), "--showroom", "bj01", "--map", "王老师=li", stdout=out)
    assert out.getvalue().startswith(f"{bad_file}: 2 imported")
    assert Visit.objects.get(customer_name="不认识").consultant == world.li


def test_export_monthly_command_writes_the_workbook_and_records_it(world, showroom, tmp_path):
    target = tmp_path / "bj01-2026-11.xlsx"
    out = io.StringIO()
    call_command("export_monthly", "--showroom", "bj01", "--month", "2026-11", "--output", str(target), stdout=out)

    workbook = open_xlsx(target)
    assert len(data_rows(workbook["来店(电)顾客登记表"])) == 9
    record = ExportRecord.objects.get()
    assert (record.channel, record.requested_by, record.status, record.kind) == ("command", None, "done", "monthly")
    assert "manage.py export_monthly" in record.requested_by_name
    cover = {row[0]: row[1] for row in values(workbook["封面"]) if row and row[0]}
    assert cover["导出人"] == record.requested_by_name
    assert out.getvalue().startswith(f"{target}: {record.row_count:,} rows")


# --- The pages -----------------------------------------------------------------------------------------------------


def test_upload_preview_choose_a_consultant_import_and_download_the_rejected_rows(
    client_for, bad_file, showroom, manager, world
):
    client = client_for(manager)
    with open(bad_file, "rb") as upload:
        response = client.post(reverse("reports:import_upload"), {"file": upload})
    batch = ImportBatch.objects.get()
    preview_url = reverse("reports:import_preview", args=[batch.pk])
    assert response["Location"] == preview_url

    page = client.get(preview_url)
    html = page.content.decode()
    assert page.context["counts"] == {"rows": 10, "valid": 1, "duplicates": 1, "rejected": 8}
    assert "“昨天”不是日期（请写作 2025-03-08）。" in html and "王老师" in html
    assert Visit.objects.filter(customer_name="好客户").count() == 0  # nothing before the confirmation

    # The preview asks who 王老师 is; checked again with 李娜 chosen, that row is valid too.
    chosen = {"name_0": "王老师", "map_0": str(world.li.pk)}
    assert client.get(preview_url, chosen).context["counts"]["valid"] == 2
    response = client.post(reverse("reports:import_confirm", args=[batch.pk]), chosen)
    assert response["Location"] == preview_url
    batch.refresh_from_db()
    assert (batch.status, batch.imported, batch.duplicates, batch.rejected) == ("imported", 2, 1, 7)
    assert batch.uploaded_by == manager
    done = client.get(preview_url)
    assert done.templates[0].name == "reports/excel_import_done.html"

    rejected = client.get(reverse("reports:import_rejected", args=[batch.pk]))
    assert rejected.status_code == 200 and rejected["Content-Disposition"].endswith('bad.rejected.xlsx"')
    assert len(data_rows(open_xlsx(rejected)["未导入的行"], totals=False)) == 7
    # Confirming twice imports nothing more.
    client.post(reverse("reports:import_confirm", args=[batch.pk]), chosen)
    assert Visit.objects.filter(customer_name="好客户").count() == 1


def test_only_managers_import_and_only_their_showrooms_files(
    client_for, bad_file, showroom, manager, world, other_manager
):
    assert client_for(world.zhang).get(reverse("reports:import_upload")).status_code == 403
    with open(bad_file, "rb") as upload:
        client_for(manager).post(reverse("reports:import_upload"), {"file": upload})
    batch = ImportBatch.objects.get()
    assert client_for(other_manager).get(reverse("reports:import_preview", args=[batch.pk])).status_code == 404
    assert client_for(world.zhang).post(reverse("reports:import_confirm", args=[batch.pk])).status_code == 403


def test_an_upload_that_is_not_xlsx_is_refused_at_the_form(client_for, manager, tmp_path):
    path = tmp_path / "register.xls"
    path.write_bytes(b"old")
    with open(path, "rb") as upload:
        response = client_for(manager).post(reverse("reports:import_upload"), {"file": upload})
    assert response.status_code == 200 and "file" in response.context["form"].errors
    assert not ImportBatch.objects.exists()
