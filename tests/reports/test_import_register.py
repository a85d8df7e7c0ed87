"""Importing legacy Excel registers: headers in either language and their synonyms, any column order, the date and
time spellings found in real files, every register rule per row in the user's language, duplicates skipped (twice
the same file imports nothing new), the rejected rows written back with an error column, the command line, and
the round trip: an exported month imported into an empty showroom gives the same register back."""

import io
from datetime import date, datetime, time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from leads.models import Lead, Visit
from leads.services.register import VISIT_FIELDS
from reports.excel import register_import
from reports.models import ExportRecord, ImportBatch, ImportedRow, ImportSynonym
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


def parse_and_import(path, showroom, *, by=None, mappings=None, file_kind=""):
    parsed = register_import.register_import_parse(path, showroom=showroom, mappings=mappings, file_kind=file_kind)
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
    parsed, result = parse_and_import(path, showroom, file_kind="walk_in")

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
    parsed, result = parse_and_import(path, showroom, mappings={"car_model": {"modely": register_import.KEEP}})

    assert (result.imported, result.rejected) == (2, 0), [row.errors for row in parsed.rows]
    zhou, wu = Visit.objects.get(customer_name="Mr. Zhou"), Visit.objects.get(customer_name="Ms. Wu")
    assert (zhou.kind, str(zhou.car_model), wu.kind, wu.party_size) == ("call", "丰田 凯美瑞", "walk_in", 3)
    # A model outside the catalogue, kept in the remarks at the user's word: not lost, and a warning.
    assert wu.car_model is None and "Model Y" in wu.remarks
    assert parsed.rows[1].warnings


# --- What is wrong with a row, in the user's language --------------------------------------------------------------

BAD_FILE = [
    ["日期", "客户姓名", "电话", "进店时间", "离去时间", "销售顾问", "来电/来店"],
    ["2026-11-10", "好客户", "13800138010", "10:00", "10:30", "张伟", "来店"],  # line 2: fine
    ["2026-11-10", "坏电话", "12345", "10:00", "10:30", "张伟", "来店"],  # 3
    ["昨天", "坏日期", "13800138011", "10:00", "10:30", "张伟", "来店"],  # 4
    ["2026-11-10", "不认识", "13800138012", "10:00", "10:30", "王老师", "来店"],  # 5
    ["2026-11-10", "好客户", "13800138010", "10:00", "10:30", "张伟", "来店"],  # 6: the same as line 2
    ["2026-11-10", "倒过来", "13800138013", "11:00", "10:30", "张伟", "来店"],  # 7
    ["2026-11-12", "签核日", "13800138014", "10:00", "10:30", "张伟", "来店"],  # 8: the 12th is signed off
    ["2026-11-21", "未来客", "13800138015", "16:00", "16:30", "张伟", "来店"],  # 9: it is 15:30 now
    ["2026-11-10", "", "13800138016", "9:00", "10:30", "张伟", "来店"],  # 10: no name
    ["2026-11-10", "坏时间", "13800138017", "十点", "10:30", "张伟", "来店"],  # 11
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
    assert by_line[5].errors == [
        zh("%(column)s “%(value)s” matches nothing in the CRM: say what it stands for.")
        % {"column": "销售顾问", "value": "王老师"}
    ]
    assert by_line[7].errors == [zh("Departure must be after arrival.")]
    assert by_line[8].errors == [
        zh("The register of %(date)s is signed off; ask the manager to reopen it.") % {"date": "2026-11-12"}
    ]
    assert by_line[9].errors == [zh("Departure cannot be in the future.")]
    assert by_line[10].errors == ["缺少客户姓名（或“王先生/李女士”）。"]
    assert by_line[11].errors == ["进店、离去时间应写作 14:30，或在一个单元格中写作 14:30-15:10。"]
    assert parsed.counts() == {"rows": 10, "valid": 1, "duplicates": 1, "rejected": 8, "warnings": 0}
    assert [(value.field, value.text, value.count) for value in parsed.still_unmatched] == [("consultant", "王老师", 1)]


def test_the_valid_rows_go_in_and_the_rejected_ones_come_back_with_an_error_column(bad_file, showroom, manager):
    parsed, result = parse_and_import(bad_file, showroom, by=manager)
    assert (result.imported, result.duplicates, result.rejected) == (1, 1, 8)
    assert Visit.objects.filter(customer_name="好客户").count() == 1

    buffer = io.BytesIO()
    assert register_import.rejected_rows_write(parsed, result.rejected_rows, buffer) == 8
    sheet = load_workbook(io.BytesIO(buffer.getvalue()))["未导入的行"]
    rows = values(sheet)
    assert rows[0] == (
        "日期",
        "客户姓名",
        "电话",
        "进店时间",
        "离去时间",
        "销售顾问",
        "来电/来店",
        "原文件行号",
        "错误",
    )
    assert rows[1][:7] == tuple(BAD_FILE[2]) and rows[1][7] == "3"  # as it was in the file, phone and all
    assert [row[1] for row in rows[1:]] == ["坏电话", "坏日期", "不认识", "倒过来", "签核日", "未来客", None, "坏时间"]
    assert all(row[8] for row in rows[1:])
    assert sheet.freeze_panes == "A2"


def test_an_unknown_name_imports_once_the_preview_says_who_it_is(bad_file, showroom, world):
    mappings = {"consultant": {"王老师": str(world.li.pk)}}
    parsed = register_import.register_import_parse(bad_file, showroom=showroom, mappings=mappings)
    row = next(row for row in parsed.rows if row.line == 5)
    assert row.ok and row.values["consultant"] == world.li


def test_the_same_file_twice_imports_nothing_the_second_time(world, showroom, tmp_path):
    path = xlsx(
        tmp_path / "twice.xlsx",
        [["日期", "客户姓名", "电话", "进店时间", "离去时间", "销售顾问", "来店/来电"]]
        + [["2026-11-11", f"客户{n}", f"1380013810{n}", f"1{n}:00", f"1{n}:20", "张伟", "来店"] for n in range(5)],
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


def run_import(*args) -> tuple[int, str, str]:
    """The command as a shell runs it: (exit status, stdout, stderr); CommandError's returncode is what
    manage.py exits with (BaseCommand.run_from_argv)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_register", *map(str, args), stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_import_register_command_prints_the_counts_exits_1_and_writes_the_rejected_rows(bad_file, showroom, tmp_path):
    good = xlsx(
        tmp_path / "good.xlsx",
        [
            ["日期", "客户姓名", "电话", "进店时间", "离去时间", "销售顾问", "来店/来电"],
            ["2026-11-13", "周先生", "", "9:00", "9:30", "李娜", "来电"],
        ],
    )
    status, out, _err = run_import(bad_file, good, "--showroom", "bj01")

    assert status == 1
    lines = out.splitlines()
    assert f"{bad_file}: 1 imported / 1 duplicates / 8 rejected / 0 warnings" in lines
    assert f"  rejected rows written to {bad_file}.rejected.xlsx" in lines
    assert "  row 5 refused: 销售顾问“王老师”与 CRM 中的任何值都不匹配：请说明它代表什么。" in lines
    assert "  unmatched consultant “王老师” ×1" in lines
    assert f"{good}: 1 imported / 0 duplicates / 0 rejected / 0 warnings" in lines
    assert lines[-1] == "Total: 2 imported / 1 duplicates / 8 rejected / 0 warnings"
    assert len(data_rows(open_xlsx(Path(f"{bad_file}.rejected.xlsx"))["未导入的行"], totals=False)) == 8
    assert not Path(f"{good}.rejected.xlsx").exists()
    assert ImportBatch.objects.filter(channel="command", uploaded_by=None).count() == 2
    assert Visit.objects.get(customer_name="周先生").kind == "call"

    status, out, _err = run_import(good, "--showroom", "bj01")
    assert status == 0 and out.splitlines()[-1] == f"{good}: 0 imported / 1 duplicates / 0 rejected / 0 warnings"


def test_import_register_command_maps_names_and_values(bad_file, world, tmp_path):
    status, out, _err = run_import(bad_file, "--showroom", "bj01", "--map-consultant", "王老师=li")
    assert f"{bad_file}: 2 imported / 1 duplicates / 7 rejected / 0 warnings" in out.splitlines()
    assert status == 1  # seven rows still refused
    assert Visit.objects.get(customer_name="不认识").consultant == world.li

    with pytest.raises(CommandError, match="--map-source 亲友=不存在"):
        call_command("import_register", str(bad_file), "--showroom", "bj01", "--map-source", "亲友=不存在")


SOURCES_FILE = [
    ["日期", "客户姓名", "电话", "进店-离去", "接待人", "来电/来店", "信息来源"],
    ["2026-11-16", "甲先生", "13800138031", "10:00-10:30", "张伟", "来店", "亲友"],  # seeded synonym
    ["2026-11-16", "乙女士", "13800138032", "11:00-11:30", "张伟", "来店", "亲友会"],  # close to 亲友介绍
    ["2026-11-16", "丙先生", "13800138033", "12:00-12:30", "张伟", "来店", "亲友会"],
    ["2026-11-16", "丁女士", "13800138034", "13:00-13:30", "张伟", "来店", "抖音"],  # nothing like it
]


def test_values_go_by_name_code_and_synonym_and_the_rest_is_counted_with_a_close_match(world, showroom, tmp_path):
    path = xlsx(tmp_path / "sources.xlsx", SOURCES_FILE)
    status, out, _err = run_import(path, "--showroom", "bj01", "--dry-run")

    assert status == 1
    lines = out.splitlines()
    assert "  unmatched source “亲友会” ×2 — close to “亲友介绍”: --map-source 亲友会=亲友介绍" in lines
    assert "  unmatched source “抖音” ×1" in lines
    assert f"{path}: 1 to import / 0 duplicates / 3 rejected / 0 warnings (dry run)" in lines
    assert not Visit.objects.filter(customer_name="甲先生").exists()  # a dry run writes nothing

    status, out, _err = run_import(
        path, "--showroom", "bj01", "--map-source", "亲友会=亲友介绍", "--map-source", "抖音=web"
    )
    assert status == 0, out
    assert dict(Visit.objects.filter(phone__startswith="1380013803").values_list("customer_name", "source__code")) == {
        "甲先生": "friends",
        "乙女士": "friends",
        "丙先生": "friends",
        "丁女士": "web",
    }


def test_strict_refuses_a_file_with_a_warning_and_keep_in_remarks_is_a_warning(world, showroom, tmp_path):
    path = xlsx(tmp_path / "sources.xlsx", SOURCES_FILE)
    keep = ("--map-source", "亲友会=-", "--map-source", "抖音=-")
    status, out, _err = run_import(path, "--showroom", "bj01", "--strict", *keep)
    assert status == 1 and f"{path}: refused (--strict: warnings)" in out.splitlines()
    assert not Visit.objects.filter(customer_name="甲先生").exists()

    status, out, _err = run_import(path, "--showroom", "bj01", *keep)
    assert status == 0 and f"{path}: 4 imported / 0 duplicates / 0 rejected / 3 warnings" in out.splitlines()
    assert "信息来源: 抖音" in Visit.objects.get(customer_name="丁女士").remarks


def test_a_file_without_a_required_column_is_refused_with_exit_1(world, showroom, tmp_path):
    path = xlsx(
        tmp_path / "nokind.xlsx",
        [
            ["日期", "客户姓名", "电话", "进店时间", "离去时间", "销售顾问"],
            ["2026-11-16", "甲", "", "9:00", "9:30", "张伟"],
        ],
    )
    status, out, err = run_import(path, "--showroom", "bj01")
    assert status == 1 and f"{path}: refused" in out.splitlines()
    assert f"{path}: 登记表的表头缺少以下列：来店/来电。" in err.splitlines(), err
    assert not Visit.objects.filter(customer_name="甲").exists()  # never a walk-in by default

    status, out, err = run_import(path, "--showroom", "bj01", "--kind", "call")
    assert status == 0 and Visit.objects.get(customer_name="甲").kind == "call"


def test_the_command_lists_every_column_mapped_or_ignored(world, showroom, tmp_path):
    path = xlsx(
        tmp_path / "columns.xlsx",
        [
            ["北京一店 来店(电)顾客登记表"],
            ["序号", "日期", "客户姓名", "电话", "进-离", "接待人", "来电(店)", "结案情形", "天气"],
            [1, "2026-11-16", "甲先生", "", "9:00-9:30", "张伟", "来电", "已购", "晴"],
        ],
    )
    status, out, _err = run_import(path, "--showroom", "bj01")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == f"{path}: sheet “Sheet”, header on row 2"
    assert lines[1:10] == [
        "  A 序号: ignored: worked out by the CRM",
        "  B 日期: 日期",
        "  C 客户姓名: 客户姓名或称呼",
        "  D 电话: 电话",
        "  E 进-离: 进店–离去时间",
        "  F 接待人: 销售顾问",
        "  G 来电(店): 来店/来电",
        "  H 结案情形: → remarks",
        "  I 天气: ignored: heading not recognised",
    ]
    assert "  warning: 第 I 列“天气”未导入。" in lines
    assert Visit.objects.get(customer_name="甲先生").remarks == "结案情形: 已购"


# --- The same register, however it was written --------------------------------------------------------------------

CANONICAL = [
    [
        "日期",
        "来店/来电",
        "客户姓名",
        "性别",
        "电话",
        "拟购车型",
        "信息来源",
        "进店时间",
        "离去时间",
        "意向级别",
        "销售顾问",
    ],
    [
        date(2026, 9, 3),
        "来店",
        "赵先生",
        "男",
        "13800138001",
        "丰田 凯美瑞",
        "网络",
        time(14, 30),
        time(15, 10),
        "B",
        "张伟",
    ],
    [date(2026, 9, 3), "来电", "钱女士", "女", "", None, "亲友介绍", time(16, 0), time(16, 5), None, "李娜"],
    [date(2026, 9, 4), "来店", "孙先生", "男", "13800138003", "凯美瑞", "路过", time(9, 0), time(9, 45), "A", "李娜"],
]


def variant_rows() -> dict[str, list[list]]:
    """The canonical register as other showrooms wrote it."""
    headers = [
        "登记日期",
        "来电/来店",
        "顾客姓名",
        "Sex",
        "手机号",
        "意向车型",
        "获知渠道",
        "进店-离去时间",
        "级别",
        "接待人",
    ]
    text_dates = ["2026年9月3日", "2026/9/3", "2026-09-04"]
    serial_dates = [46268, 46268.0, 46269]  # Excel's day numbers for 2026-09-03 and -04
    kinds = ["店", "电", "来店"]
    genders = ["先生", "女士", "M"]
    sources = ["网上", "亲友", "路过"]
    times = ["14:30-15:10", "16:00—16:05", "9:00~9:45"]
    grades = ["B级", "", "a"]
    consultants = ["zhang", "李娜", "li"]
    models = ["丰田凯美瑞", "", "凯美瑞"]
    phones = ["138 0013 8001", "无", "+86 13800138003"]
    names = ["赵先生", "钱女士", "孙先生"]

    def rows(dates):
        return [
            [
                dates[i],
                kinds[i],
                names[i],
                genders[i],
                phones[i],
                models[i],
                sources[i],
                times[i],
                grades[i],
                consultants[i],
            ]
            for i in range(3)
        ]

    return {
        "text dates, a title row, other headings": [
            ["来店(电)顾客登记表"], ["展厅：北京一店"], headers, *rows(text_dates)
        ],
        "Excel serial dates": [headers, *rows(serial_dates)],
        "full-width headings, English": [
            ["Ｄａｔｅ", "Walk-in / Call", "Customer Name", "Gender", "Mobile", "Model", "Source", "Time", "Grade",
             "Sales Consultant"],
            *rows(text_dates),
        ],
    }  # fmt: skip


def imported_register(showroom) -> list[tuple]:
    return list(
        Visit.objects.filter(showroom=showroom)
        .order_by("visit_date", "number")
        .values_list(
            "visit_date", "number", "kind", "customer_name", "gender", "phone", "no_phone", "car_model__name",
            "source__code", "arrived_at", "left_at", "grade", "consultant__username",
        )
    )  # fmt: skip


def register_values(parsed) -> list[dict]:
    """What each row gives visit_register: the entry as it will be in the register."""
    return [{name: row.values[name] for name in ("visit_date", *VISIT_FIELDS)} for row in parsed.rows]


@pytest.mark.parametrize("variant", list(variant_rows()))
def test_every_spelling_of_a_register_imports_as_the_canonical_file(variant, world, showroom, tmp_path):
    canonical = register_import.register_import_parse(xlsx(tmp_path / "canonical.xlsx", CANONICAL), showroom=showroom)
    assert [row.errors for row in canonical.rows] == [[], [], []]

    parsed, result = parse_and_import(xlsx(tmp_path / "variant.xlsx", variant_rows()[variant]), showroom)

    assert [row.errors for row in parsed.rows] == [[], [], []]
    assert register_values(parsed) == register_values(canonical)
    assert (result.imported, parsed.counts()["warnings"]) == (3, 0)
    register = imported_register(showroom.pk)
    assert [entry[2:7] for entry in register if entry[0].month == 9] == [
        ("walk_in", "赵先生", "m", "13800138001", False),
        ("call", "钱女士", "f", "", True),
        ("walk_in", "孙先生", "m", "13800138003", False),
    ]
    assert [entry[7:9] for entry in register if entry[0].month == 9] == [
        ("凯美瑞", "web"),
        (None, "friends"),
        ("凯美瑞", "passing_by"),
    ]
    assert register[0][9] == datetime(2026, 9, 3, 14, 30, tzinfo=SHANGHAI)


def test_header_keys_ignore_width_case_spaces_punctuation_and_pair_order():
    key = register_import.header_key
    assert key("来电/来店") == key("来店 / 来电") == key("来店／来电")
    assert key("Ｐｈｏｎｅ　Ｎｏ．") == key("phone no")
    names = register_import.header_names()
    assert names[key("来电/来店")] == "kind" and names[key("登记日期")] == "visit_date"
    assert names[key("获知渠道")] == "source" and names[key("手机号")] == "phone" and names[key("顾问")] == "consultant"
    # Every register field but the no-phone flag has a column.
    assert set(VISIT_FIELDS) - {"no_phone"} <= set(register_import.HEADER_SYNONYMS)


def test_a_synonym_must_name_a_value_the_crm_knows(db):
    ImportSynonym(column="source", synonym="朋友圈", meaning="friends").full_clean()
    with pytest.raises(ValidationError) as error:
        ImportSynonym(column="source", synonym="朋友圈", meaning="朋友们").full_clean()
    assert "meaning" in error.value.message_dict


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
    assert page.context["counts"] == {"rows": 10, "valid": 1, "duplicates": 1, "rejected": 8, "warnings": 0}
    assert "“昨天”不是日期（请写作 2025-03-08）。" in html and "王老师" in html
    assert Visit.objects.filter(customer_name="好客户").count() == 0  # nothing before the confirmation

    # The preview asks who 王老师 is; checked again with 李娜 chosen, that row is valid too.
    chosen = {"column_0": "consultant", "text_0": "王老师", "map_0": str(world.li.pk)}
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


def test_the_preview_shows_the_columns_and_the_unmatched_values_to_map_in_english(
    client_for, world, showroom, manager, tmp_path
):
    path = xlsx(tmp_path / "sources.xlsx", SOURCES_FILE)
    client = client_for(manager)
    with open(path, "rb") as upload:
        client.post(reverse("reports:import_upload"), {"file": upload})
    preview_url = reverse("reports:import_preview", args=[ImportBatch.objects.get().pk])

    page = client.get(preview_url, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Heading in the file" in html and "获知渠道" not in html and "信息来源" in html
    unmatched = [value for _index, value, _vocabulary in page.context["unmatched"]]
    assert [(value.text, value.count, value.suggestion_label) for value in unmatched] == [
        ("亲友会", 2, "Friends & family"),
        ("抖音", 1, ""),
    ]
    assert "None of these: keep it in the remarks" in html
    assert 'id="import-submit" disabled' in html

    # Mapped (亲友会 as suggested, 抖音 kept in the remarks), the file imports whole.
    friends = page.context["unmatched"][0][2].exact("friends")
    answers = {"column_0": "source", "text_0": "亲友会", "map_0": friends}
    answers |= {"column_1": "source", "text_1": "抖音", "map_1": register_import.KEEP}
    assert client.get(preview_url, answers).context["counts"]["valid"] == 4
    client.post(reverse("reports:import_confirm", args=[ImportBatch.objects.get().pk]), answers)
    assert Visit.objects.filter(customer_name__in=["甲先生", "乙女士", "丙先生", "丁女士"]).count() == 4


def test_confirming_with_values_still_unmatched_imports_nothing(client_for, world, showroom, manager, tmp_path):
    path = xlsx(tmp_path / "sources.xlsx", SOURCES_FILE)
    client = client_for(manager)
    with open(path, "rb") as upload:
        client.post(reverse("reports:import_upload"), {"file": upload})
    batch = ImportBatch.objects.get()
    client.post(reverse("reports:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "previewed" and not Visit.objects.filter(customer_name="甲先生").exists()


def test_only_superusers_see_and_edit_the_synonyms_in_the_admin(client_for, showroom):
    url = reverse("admin:reports_importsynonym_changelist")
    staff_admin = UserFactory(username="it", showroom=showroom, role="admin", is_staff=True)
    assert client_for(staff_admin).get(url).status_code == 403
    root = UserFactory(username="root", showroom=showroom, is_staff=True, is_superuser=True)
    page = client_for(root).get(url, {"q": "亲友"})
    assert page.status_code == 200 and "亲友推荐" in page.content.decode()  # seeded by the migration
    response = client_for(root).post(
        reverse("admin:reports_importsynonym_add"), {"column": "source", "synonym": "老乡介绍", "meaning": "亲友介绍"}
    )
    assert response.status_code == 302 and ImportSynonym.objects.get(synonym="老乡介绍").meaning == "亲友介绍"


def test_a_file_without_a_kind_column_asks_the_preview_for_the_files_kind(client_for, world, manager, tmp_path):
    path = xlsx(
        tmp_path / "calls.xlsx",
        [
            ["日期", "客户姓名", "电话", "进店时间", "离去时间", "销售顾问"],
            ["2026-11-16", "甲", "", "9:00", "9:05", "张伟"],
        ],
    )
    client = client_for(manager)
    with open(path, "rb") as upload:
        client.post(reverse("reports:import_upload"), {"file": upload})
    preview_url = reverse("reports:import_preview", args=[ImportBatch.objects.get().pk])
    page = client.get(preview_url)
    assert page.context["parsed"].needs_kind and 'id="import-file-kind"' in page.content.decode()
    assert client.get(preview_url, {"file_kind": "call"}).context["counts"]["valid"] == 1
    client.post(reverse("reports:import_confirm", args=[ImportBatch.objects.get().pk]), {"file_kind": "call"})
    assert Visit.objects.get(customer_name="甲").kind == "call"
