"""The monthly workbook, opened with openpyxl: its sheets, headers, values and their cell types, the finish (frozen
header, autofilter, print titles, landscape fit to width), totals as formulas, and every figure against the
selectors the pages show (tests/reports/conftest.py's month of 北京一店, November 2026)."""

from datetime import date, datetime, time

import pytest
from django.utils import translation

from dealer_crm.core.models import CarModel
from leads.grade_status import monthly_grade_status
from reports.analytics import selectors
from reports.excel.export_selectors import consultant_performance
from reports.excel.workbook import Progress, register_columns
from tests.reports.conftest import nov

from .excel_support import build, data_rows, header, values, zh_excel

pytestmark = pytest.mark.django_db

SHEETS_ZH = [
    "Cover",
    "Visitor register",
    "Lead tracker",
    "Daily sales reports",
    "Daily report contacts",
    "Monthly grade status",
    "Showroom traffic",
    "Visitors per day",
    "Lost-lead analysis",
    "Lost leads",
    "Consultant performance",
    "Deliveries",
    "Callbacks",
    "Online leads by platform",
    "Online leads by consultant",
]
PAPER_FORM = ["序号", "日期", "来店/来电", "客户姓名", "性别", "电话", "区域/地址", "拟购车型", "信息来源", "进店时间",
              "离去时间", "时长(分钟)", "人数", "意向级别", "洽谈经过", "销售顾问", "备注", "补登"]  # fmt: skip


@pytest.fixture
def workbook(world, showroom, manager):
    return build(showroom, nov(1), viewer=manager)


def month_scope(showroom, consultant=None) -> selectors.Scope:
    return selectors.Scope(showroom=showroom, start=nov(1), end=nov(30), consultant=consultant)


def test_the_workbook_has_a_sheet_per_form_named_in_the_users_language(world, showroom, manager):
    chinese = build(showroom, nov(1), viewer=manager)
    english = build(showroom, nov(1), viewer=manager, language="en")

    assert chinese.sheetnames == [zh_excel(name)[:31] for name in SHEETS_ZH]
    assert chinese.sheetnames[:3] == ["封面", "来店(电)顾客登记表", "意向客户进度管控表"]
    assert english.sheetnames == SHEETS_ZH


def test_register_headers_are_the_paper_forms_columns_in_chinese_and_english(world, showroom, manager):
    assert header(build(showroom, nov(1), viewer=manager)["来店(电)顾客登记表"]) == PAPER_FORM
    with translation.override("en"):
        english = [str(column.header) for column in register_columns()]
    assert english == ["No.", "Date", "Walk-in or call", "Customer name", "Gender", "Phone", "District / address",
                       "Model of interest", "Information source", "Arrival", "Departure", "Duration (minutes)",
                       "Party size", "Intent grade", "Talk summary", "Consultant", "Remarks", "Late entry"]  # fmt: skip
    assert header(build(showroom, nov(1), viewer=manager, language="en")["Visitor register"]) == english


def test_register_rows_are_the_months_live_entries_in_paper_order_with_real_cell_types(workbook, world):
    ws = workbook["来店(电)顾客登记表"]
    rows = data_rows(ws)

    # V0 (October), V10 (deleted) and the other showroom's entry are not in November's register of 北京一店.
    assert [row[3] for row in rows] == ["V1客户", "V2客户", "V7客户", "V8客户", "V3客户", "V4客户", "V5客户",
                                        "V6客户", "V9客户"]  # fmt: skip
    first = rows[0]
    assert first[:9] == (1, datetime(2026, 11, 2), "来店", "V1客户", None, "13900000001", "朝阳区", None, "网络")
    assert first[9:] == (time(9, 15), time(9, 40), 25, 1, "B", "看了凯美瑞，关心油耗和价格", "张伟", None, None)
    assert rows[5][2] == "来电" and rows[5][5] == "13900000003"  # V4, a call
    assert rows[1][5] is None  # V2 left no phone

    line = ws[2]
    assert isinstance(line[0].value, int) and line[0].data_type == "n"
    assert line[1].is_date and line[1].number_format == "yyyy-mm-dd"
    assert isinstance(line[9].value, time) and line[9].number_format == "hh:mm"
    assert isinstance(line[11].value, int) and isinstance(line[12].value, int)
    # A phone number is an identifier, kept as text (a leading 0 or +86 must survive): never a number.
    assert line[5].data_type == "s" and isinstance(line[5].value, str)


def test_every_sheet_has_a_frozen_filtered_header_printed_landscape_on_every_page(workbook):
    for title in workbook.sheetnames[1:]:
        ws = workbook[title]
        if title != zh_excel("Lost-lead analysis"):
            assert ws.freeze_panes == "A2", title
            assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), title
        assert ws.print_title_rows == "$1:$1", title
        assert ws.page_setup.orientation == "landscape", title
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True, title
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), title
    register = workbook["来店(电)顾客登记表"]
    assert register.auto_filter.ref == "A1:R10"  # the header and the nine entries, not the totals row
    assert register.column_dimensions["O"].width == 40  # the talk summary gets room


def test_totals_rows_are_sum_formulas_over_the_data_rows(workbook):
    register = values(workbook["来店(电)顾客登记表"])
    assert register[-1][0] == "合计"
    assert register[-1][11:13] == ("=SUM(L2:L10)", "=SUM(M2:M10)")
    performance = values(workbook["顾问业绩"])
    assert performance[-1] == ("合计", "=SUM(B2:B3)", "=SUM(C2:C3)", '=IF(B4=0,"",C4/B4)', "=SUM(E2:E3)",
                               "=SUM(F2:F3)", "=SUM(G2:G3)", "=SUM(H2:H3)", '=IF(E4=0,"",G4/E4)')  # fmt: skip


def test_consultant_performance_adds_up_the_daily_reports_with_shares_as_percent_cells(workbook, showroom, world):
    ws = workbook["顾问业绩"]
    assert header(ws) == [
        "销售顾问",
        "来店(电)批次",
        "留电话",
        "留电率",
        "新增意向客户",
        "试乘试驾",
        "订车",
        "交车",
        "成交率",
    ]
    rows = data_rows(ws)
    assert rows == [
        ("张伟", 6, 5, pytest.approx(5 / 6), 4, 1, 2, 1, 0.5),
        ("李娜", 3, 1, pytest.approx(1 / 3), 1, 0, 0, 0, 0),
    ]
    assert ws["D2"].number_format == "0.0%" and isinstance(ws["D2"].value, float)
    assert ws["I4"].number_format == "0.0%"
    # The same rules as the daily report: the month's lines are the daily lines added up.
    days = [date(2026, 11, day) for day in range(1, 31)]
    daily = [selectors.daily_report_figures(showroom=showroom, day=day) for day in days]
    zhang = world.zhang.pk
    assert 6 == sum(figures[zhang].visitors for figures in daily if zhang in figures)
    assert 4 == sum(figures[zhang].new_leads for figures in daily if zhang in figures)
    assert 2 == sum(figures[zhang].orders for figures in daily if zhang in figures)
    assert 1 == sum(figures[zhang].deliveries for figures in daily if zhang in figures)
    assert [values for _label, values in consultant_performance(month_scope(showroom)).rows][0][0] == 6


def test_summary_sheets_hold_the_selectors_figures(workbook, showroom, world):
    grade_status = data_rows(workbook["月份意向客户级别状况表"])
    expected = monthly_grade_status(showroom=showroom, month=nov(1))
    assert [row[0] for row in grade_status] == [str(line.consultant) for line in expected]
    zhang = expected[0]
    assert grade_status[0][1:] == (*zhang.at_start.values(), sum(zhang.at_start.values()), zhang.new, zhang.upgraded,
                                   zhang.downgraded, zhang.ordered, zhang.lost, *zhang.at_end.values(),
                                   sum(zhang.at_end.values()))  # fmt: skip

    traffic = data_rows(workbook["展厅客流量统计表"])
    figure = selectors.traffic_by_slot(month_scope(showroom))
    assert traffic == [(label, *row) for label, row in figure.rows]

    per_day = data_rows(workbook["每日来店批次"])
    assert len(per_day) == 30 and per_day[1][:2] == (datetime(2026, 11, 2), "星期一")
    assert per_day[1][2:] == (2, 0, 2)

    lost = values(workbook["意向客户流失分析表"])
    assert lost[:3] == [("按原因", "战败数", "占比"), ("购买了竞品", 1, 1), ("合计", "=SUM(B2:B2)", "=SUM(C2:C2)")]
    assert workbook["意向客户流失分析表"]["C2"].number_format == "0.0%"
    assert data_rows(workbook["战败客户"], totals=False) == [
        (
            datetime(2026, 11, 20),
            "V8客户",
            "13900000005",
            "李娜",
            "展厅来店",
            "购买了竞品",
            "比亚迪",
            None,
            None,
            "刘强",
        )
    ]


def test_daily_reports_sheet_has_each_consultants_lines_per_day(workbook, showroom, world):
    rows = data_rows(workbook["营业日报表"])
    # Up to today (the 21st): 张伟 on the 21st: a walk-in, an order on the spot, a callback.
    line = next(row for row in rows if row[0] == datetime(2026, 11, 21) and row[1] == "张伟")
    figures = selectors.daily_report_figures(showroom=showroom, day=nov(21))[world.zhang.pk]
    assert line[2:14] == (figures.walk_ins, figures.calls, figures.with_phone, figures.new_leads, figures.contacts,
                          figures.test_drives, figures.quotations, figures.orders, figures.deliveries,
                          figures.callbacks, figures.lost, figures.missed_follow_ups)  # fmt: skip
    assert line[14] == "未提交"
    contacts = data_rows(workbook["营业活动访问日报表"], totals=False)
    assert len(contacts) == 14
    assert contacts[-2][:6] == (datetime(2026, 11, 21), time(11, 0), "张伟", "V4客户", "13900000003", "回访")


def test_tracker_sheet_reads_the_month_from_the_leads_history(workbook):
    rows = {row[0]: row for row in data_rows(workbook["意向客户进度管控表"])}
    assert set(rows) == {"V0客户", "V1客户", "V3客户", "V4客户", "V6客户", "V8客户"}
    # L6 (V0): open since October, B all month, never contacted in it.
    assert rows["V0客户"][5:10] == (datetime(2026, 10, 31), "B", "B", "跟进中", 0)
    # L2 (V3): A when created on the 7th, ordered by the end of the month; six contacts in November.
    assert rows["V3客户"][5:12] == (datetime(2026, 11, 7), None, "O", "已订车", 6, datetime(2026, 11, 20), None)
    assert rows["V8客户"][2] == "李娜" and rows["V8客户"][8] == "战败"


def test_cover_says_showroom_month_who_and_when(workbook):
    cover = values(workbook["封面"])
    facts = {row[0]: row[1] for row in cover if row and row[0]}
    assert facts["展厅"] == "北京一店 (bj01)"
    assert facts["月份"] == "2026-11"
    assert facts["范围"] == "全展厅"
    assert facts["导出人"] == "刘强"
    assert facts["导出时间"] == datetime(2026, 11, 21, 15, 30)
    assert facts["来店(电)顾客登记表"] == 9
    assert workbook.total_rows == sum(value for key, value in facts.items() if key in workbook.sheetnames)


def test_a_consultants_workbook_is_the_same_sheets_filtered_to_them(world, showroom):
    workbook = build(showroom, nov(1), consultant=world.zhang, viewer=world.zhang)

    assert workbook.sheetnames[1:] == build(showroom, nov(1), viewer=world.manager).sheetnames[1:]
    assert {row[15] for row in data_rows(workbook["来店(电)顾客登记表"])} == {"张伟"}
    assert {row[2] for row in data_rows(workbook["意向客户进度管控表"])} == {"张伟"}
    assert [row[0] for row in data_rows(workbook["顾问业绩"])] == ["张伟"]
    assert {row[1] for row in data_rows(workbook["营业日报表"])} == {"张伟"}
    assert data_rows(workbook["战败客户"], totals=False) == []  # 李娜's lost lead is hers
    assert {row[0] for row in data_rows(workbook["月份意向客户级别状况表"])} == {"张伟"}
    assert dict((row[0], row[1]) for row in values(workbook["封面"]) if row and row[0])["范围"] == "张伟"


def test_customer_text_is_never_a_formula(make_visit, consultant, showroom, manager, frozen_clock):
    make_visit(consultant=consultant, day=nov(20), customer_name="=HYPERLINK(1)", summary="=1+1", phone="13800000001")
    ws = build(showroom, nov(1), viewer=manager)["来店(电)顾客登记表"]
    assert ws["D2"].value == "=HYPERLINK(1)" and ws["D2"].data_type == "s"
    assert ws["O2"].data_type == "s"


def test_progress_is_reported_every_n_rows(world, busier, showroom, manager):
    seen = []
    workbook = build(showroom, nov(1), viewer=manager, progress=Progress(report=seen.append, every=10))
    assert seen and all(b - a >= 10 for a, b in zip([0, *seen], seen, strict=False))
    assert seen[-1] <= workbook.total_rows


def test_the_workbook_runs_the_same_queries_whatever_the_rows(
    world, showroom, manager, django_assert_num_queries, django_assert_max_num_queries, request
):
    build(showroom, nov(1), viewer=manager)  # October's grade status is computed once and kept (leads.grade_status)
    with django_assert_max_num_queries(1000) as small:
        build(showroom, nov(1), viewer=manager)
    request.getfixturevalue("busier")  # more consultants, entries, leads and contacts in the same month
    with django_assert_num_queries(len(small.captured_queries)) as large:
        workbook = build(showroom, nov(1), viewer=manager)
    assert len(data_rows(workbook["来店(电)顾客登记表"])) > 9 + 20
    assert len(large.captured_queries) == len(small.captured_queries)


def test_deliveries_and_callbacks_sheets_read_the_delivery_app(world, showroom, manager):
    from delivery import services as delivery_services
    from tests.delivery.conftest import ALL_REQUIRED, VIN, contract_fields

    car = CarModel.objects.get(brand="丰田", name="凯美瑞")
    fields = contract_fields(car, number="HT-V6", vin=VIN, signed_on=nov(21), planned_delivery_date=nov(21))
    contract = delivery_services.contract_sign(lead=world.leads["L4"], by=world.zhang, **fields)
    delivery = delivery_services.delivery_book(
        contract=contract,
        by=world.zhang,
        starts_at=datetime(2026, 11, 21, 16, 0, tzinfo=showroom.zone),
        consultant=world.zhang,
        service_advisor="孙师傅",
        expected_version=None,
    )
    delivery_services.delivery_complete(
        delivery=delivery,
        by=world.zhang,
        items=ALL_REQUIRED,
        customer_signed_name="V6客户",
        expected_version=delivery.version,
    )

    workbook = build(showroom, nov(1), viewer=manager)
    deliveries = data_rows(workbook["交车"], totals=False)
    assert deliveries == [
        (datetime(2026, 11, 21, 16, 0), "HT-V6", "V6客户", "13900000004", "丰田 凯美瑞", "张伟", "孙师傅", "已交车",
         datetime(2026, 11, 21))
    ]  # fmt: skip
    assert workbook["交车"]["A2"].number_format == "yyyy-mm-dd hh:mm"
    callbacks = data_rows(workbook["回访"], totals=False)
    assert callbacks and all(row[0].month == 11 for row in callbacks)  # due in November: the 3-day call
    assert callbacks[0][1:7] == (1, "V6客户", "13900000004", "丰田 凯美瑞", "张伟", "待回访")
    # A consultant's workbook holds their own customers' deliveries only.
    assert data_rows(build(showroom, nov(1), consultant=world.li, viewer=world.li)["交车"], totals=False) == []
