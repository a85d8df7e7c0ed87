"""dealer_crm.core.excel's declarative sheets: how write_rows reads each cell from a row (Col.value), the totals
row, the progress count, and that the rows are written as they come (a queryset's iterator stays a stream)."""

import io
from collections import namedtuple
from datetime import date, datetime

from openpyxl import load_workbook

from dealer_crm.core.excel import DATE, INT, TEXT, Col, Sheet, new_workbook, write_sheet


class Counter:
    def __init__(self):
        self.rows = 0

    def add(self, n: int = 1) -> None:
        self.rows += n


def saved(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return load_workbook(buffer)


def rows_of(ws) -> list[tuple]:
    return [tuple(row) for row in ws.iter_rows(values_only=True)]


Lead = namedtuple("Lead", ["customer_name", "grade", "visits", "opened", "owner"])
Owner = namedtuple("Owner", ["name"])


def test_each_cell_is_read_by_its_columns_value_and_the_totals_row_sums_the_table():
    columns = [
        Col("customer", "Customer", TEXT, 12, value="customer_name"),  # a field named otherwise
        Col("grade", "Grade"),  # the field named like the key
        Col("visits", "Visits", INT, 8, "sum"),
        Col("opened", "Opened", DATE, 11),
        Col("owner", "Owner", value="owner.name"),  # a nested attribute
        Col("hot", "Hot", value=lambda lead: "yes" if lead.grade in ("H", "A") else "no"),  # computed
    ]
    rows = [Lead("王先生", "H", 2, date(2026, 11, 2), Owner("张伟")), Lead("李女士", "C", 1, None, Owner("李娜"))]
    workbook = new_workbook()
    progress = Counter()

    written = write_sheet(workbook, "Leads", columns, iter(rows), progress=progress, totals="Total")

    assert written == 2 and progress.rows == 2
    ws = saved(workbook)["Leads"]
    assert rows_of(ws) == [
        ("Customer", "Grade", "Visits", "Opened", "Owner", "Hot"),
        ("王先生", "H", 2, datetime(2026, 11, 2), "张伟", "yes"),
        ("李女士", "C", 1, None, "李娜", "no"),
        ("Total", None, "=SUM(C2:C3)", None, None, None),
    ]
    assert ws["D2"].is_date
    assert ws.auto_filter.ref == "A1:F3"


def test_mapping_rows_are_read_by_key_and_plain_tuples_by_position():
    workbook = new_workbook()
    by_key = [Col("reason", "Reason"), Col("n", "Lost", INT, value=lambda row: row["n"] * 10)]
    write_sheet(workbook, "By key", by_key, [{"n": 3, "reason": "price"}])
    in_order = [Col("label", "Label"), Col("a", "A", INT), Col("b", "B", INT, value=lambda row: row[2] + 1)]
    write_sheet(workbook, "In order", in_order, [("x", 1, 2), ["y", 3, 4]])

    opened = saved(workbook)
    assert rows_of(opened["By key"]) == [("Reason", "Lost"), ("price", 30)]
    assert rows_of(opened["In order"]) == [("Label", "A", "B"), ("x", 1, 3), ("y", 3, 5)]


def test_rows_are_written_one_by_one_as_the_iterator_gives_them_and_none_is_an_empty_table():
    workbook = new_workbook()
    sheet = Sheet(workbook, "Stream", [Col("n", "N", INT)])

    def rows():
        for n in range(3):
            # Each row is asked for only once the one before it is written: nothing is read ahead.
            assert sheet.data_rows == n
            yield (n,)

    assert sheet.write_rows(rows()) == 3
    assert sheet.write_rows(iter(())) == 0
    sheet.totals("Total")
    sheet.close()
    assert rows_of(saved(workbook)["Stream"]) == [("N",), (0,), (1,), (2,), ("Total",)]
