"""Helpers for the Excel tests: open what the app wrote, the way someone opening the file in Excel would see it."""

import io
from datetime import date, datetime

from django.utils import translation
from openpyxl import load_workbook

from reports.excel.workbook import MonthlyWorkbook, Progress, build_monthly_workbook


def open_xlsx(data) -> object:
    """A workbook from bytes, a response, or a path; formulas as written (not their cached values)."""
    if hasattr(data, "streaming_content"):
        data = b"".join(data.streaming_content)
    if isinstance(data, bytes | bytearray):
        data = io.BytesIO(data)
    return load_workbook(data)


def values(ws) -> list[tuple]:
    return [tuple(row) for row in ws.iter_rows(values_only=True)]


def data_rows(ws, *, header_row: int = 1, totals: bool = True) -> list[tuple]:
    """The rows under the header, without the totals row (when the sheet has one)."""
    rows = values(ws)[header_row:]
    return rows[:-1] if totals and rows else rows


def header(ws, row: int = 1) -> list[str]:
    return [cell.value for cell in ws[row]]


def zh_excel(message: str) -> str:
    """A column header as the zh-hans catalogue gives it (the "excel" context)."""
    with translation.override("zh-hans"):
        return translation.pgettext("excel", message)


def build(showroom, month: date, *, consultant=None, viewer=None, language="zh-hans", progress=None) -> object:
    """The monthly workbook built in memory and opened again."""
    buffer = io.BytesIO()
    spec = MonthlyWorkbook(
        showroom=showroom,
        month=month,
        generated_by=str(viewer) if viewer else "test",
        consultant=consultant,
        viewer=viewer,
        generated_at=datetime(2026, 11, 21, 15, 30, tzinfo=showroom.zone),
        language=language,
    )
    rows = build_monthly_workbook(spec, buffer, progress=progress or Progress())
    buffer.seek(0)
    workbook = load_workbook(buffer)
    workbook.total_rows = rows
    return workbook
