"""Building blocks of every Excel file the CRM writes: openpyxl's write-only mode, one sheet at a time.

Write-only mode (Workbook(write_only=True)) streams each row to a temporary file as it is appended, so memory
stays flat whatever the number of rows; the price is that everything above the rows (column widths, frozen
panes, fit-to-page) must be set before the first row, and nothing can be changed once written. `Sheet` keeps
that order and gives every sheet the same finish:

- real cell types: dates as dates, times as times, counts as numbers, shares as fractions with a 0.0% format;
  never a number stored as text (phone numbers excepted, on purpose: see `TEXT`);
- a styled header row, frozen, repeated on every printed page (print_title_rows), an autofilter over the
  table, sensible widths, landscape fit to one page wide;
- totals rows as formulas (=SUM(...)), so a total is still right after someone edits a cell in Excel.

Cells are plain values wherever that suffices; a WriteOnlyCell only where a cell needs a style (a header, a
time, a share), because each styled cell costs an object and a style look-up.

A sheet is declared as its columns, each saying how its cell is read from a row (`Col.value`); `write_sheet`
writes a whole one-table sheet from them: header, rows, totals, autofilter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any

from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

# Column kinds: how a column's values are written and formatted.
TEXT = "text"  # strings; also phone numbers: identifiers, not quantities (a leading 0 or +86 must survive,
# and no one adds up phone numbers), so they are text on purpose
INT = "int"
NUMBER = "number"  # a decimal, one place
DATE = "date"
TIME = "time"
DATETIME = "datetime"
PERCENT = "percent"  # a fraction (0.253) shown as 25.3%
RAW = "raw"  # someone else's cells, written back as they came (strings are still never formulas)

FORMATS = {
    DATE: "yyyy-mm-dd",
    TIME: "hh:mm",
    DATETIME: "yyyy-mm-dd hh:mm",
    PERCENT: "0.0%",
    NUMBER: "0.0",
    INT: "0",
}

# Kinds whose cells carry a number format of their own (a date's yyyy-mm-dd is openpyxl's default).
STYLED_KINDS = (TIME, DATETIME, PERCENT, NUMBER)

# Control characters XML 1.0 cannot hold (a summary pasted from somewhere else may carry one); openpyxl refuses
# them, and one bad cell must not cost the whole file.
ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
MAX_CELL_TEXT = 32_767  # Excel's limit per cell
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_NO_ROW = object()  # next()'s default in Sheet.write_rows: the rows were empty

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
THIN = Side(style="thin", color="B7B7B7")
HEADER_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOTAL_FONT = Font(bold=True)
TOTAL_FILL = PatternFill("solid", fgColor="DDEBF7")
TITLE_FONT = Font(bold=True, size=14)
SECTION_FONT = Font(bold=True, size=12)


@dataclass(frozen=True)
class Col:
    """One column: its header (translated when the sheet is written), kind, width in characters, what its
    cell in a totals row holds: "sum" (=SUM of the column), ("ratio", numerator key, denominator key) for a
    share of two summed columns, or None (empty), and how `Sheet.write_rows` reads its cell from a row (`value`):

    - a callable: row -> the cell's value;
    - a name: the row's field of that name (an attribute, dotted for a nested one, or a mapping's key);
    - None: the field named like the column's `key`, or, when the rows are plain tuples or lists (already in
      the columns' order), the item at the column's position.
    """

    key: str
    header: str | Promise
    kind: str = TEXT
    width: float = 12
    total: str | tuple | None = None
    value: Callable[[Any], Any] | str | None = None


def clean_text(value: str) -> str:
    value = ILLEGAL.sub("", value)
    return value[:MAX_CELL_TEXT]


def sheet_title(text: str) -> str:
    """A valid, unique-enough worksheet name: at most 31 characters, none of []:*?/\\."""
    return SHEET_TITLE_FORBIDDEN.sub("-", str(text))[:31]


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


class Sheet:
    """A write-only worksheet with one table (or several stacked ones) and the finish described above.

    Use: `sheet = Sheet(workbook, title, columns)`, then `sheet.write_rows(rows)` (each row read through the
    columns' `value`) or `sheet.row(values)` per row (a sequence in the columns' order), then `sheet.totals()`,
    then `sheet.close()` (sets the autofilter over the table, which openpyxl writes after the rows). A sheet of
    one table is all of that in one call: `write_sheet`.
    """

    def __init__(
        self,
        workbook: Workbook,
        title: str | Promise,
        columns: Sequence[Col] | None = None,
        *,
        heading: str | None = None,
        autofilter: bool = True,
        repeat_header: bool = True,
    ):
        self.ws = workbook.create_sheet(sheet_title(title))
        self.rows_written = 0  # every row of the sheet, headings and totals included
        self.data_rows = 0  # data rows of all tables
        self.columns: list[Col] = []
        self.autofilter = autofilter
        self.repeat_header = repeat_header
        self._table_first_row = 0
        self._header_row = 0
        self._last_data_row = 0
        self._first_header_row = 0
        self._filter_ref = ""
        self._text_columns: list[tuple[int, bool]] = []
        self._styled_columns: list[tuple[int, str]] = []

        ws = self.ws
        # Before any row: what openpyxl writes at the top of the sheet's XML.
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as it takes
        ws.print_options.gridLines = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        if columns is not None:
            for index, column in enumerate(columns, start=1):
                ws.column_dimensions[get_column_letter(index)].width = column.width
            header_row = 2 if heading else 1
            # Freeze everything above the first data row, so the header stays in sight while scrolling.
            ws.freeze_panes = f"A{header_row + 1}"
        if heading:
            self.heading(heading)
        if columns is not None:
            self.header(columns)

    # --- rows ------------------------------------------------------------------------------------------

    def _cell(self, value, *, font=None, fill=None, number_format=None, alignment=None, border=None):
        cell = WriteOnlyCell(self.ws, value=value)
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if number_format is not None:
            cell.number_format = number_format
        if alignment is not None:
            cell.alignment = alignment
        if border is not None:
            cell.border = border
        return cell

    def _append(self, cells: Iterable) -> int:
        self.ws.append(list(cells))
        self.rows_written += 1
        return self.rows_written

    def heading(self, text: str, *, font: Font = TITLE_FONT) -> None:
        self._append([self._cell(clean_text(str(text)), font=font)])

    def pair(self, label: str, value, *, number_format: str | None = None) -> None:
        """A label in bold and its value: the cover's lines."""
        value_cell = self._cell(value, number_format=number_format) if number_format else value
        self._append([self._cell(clean_text(str(label)), font=SECTION_FONT), value_cell])

    def blank(self) -> None:
        self._append([])

    def header(self, columns: Sequence[Col]) -> None:
        """Start a table: its header row. The first table's header is the one printed on every page."""
        self.columns = list(columns)
        self._text_columns = [
            (index, column.kind == RAW) for index, column in enumerate(columns) if column.kind in (TEXT, RAW)
        ]
        self._styled_columns = [
            (index, FORMATS[column.kind]) for index, column in enumerate(columns) if column.kind in STYLED_KINDS
        ]
        row = self._append(
            self._cell(
                str(column.header), font=HEADER_FONT, fill=HEADER_FILL, alignment=HEADER_ALIGNMENT, border=HEADER_BORDER
            )
            for column in self.columns
        )
        self._header_row = self._last_data_row = row
        self._table_first_row = row + 1
        if not self._first_header_row:
            self._first_header_row = row
            if self.repeat_header:
                self.ws.print_title_rows = f"{row}:{row}"

    def write_rows(self, rows: Iterable, *, progress=None) -> int:
        """A data row per item of `rows`, each cell read through its column's `value`; the rows written.

        `rows` is consumed as it comes (a queryset's .iterator() stays a stream). The readers are chosen once,
        from the first row, and are C-level getters (attrgetter, itemgetter) wherever a column reads a field, so
        a row costs one call per computed cell on top of writing it. `progress`: anything with an add(), called
        once per row.
        """
        rows = iter(rows)
        first = next(rows, _NO_ROW)
        if first is _NO_ROW:
            return 0
        readers = self._readers(first)
        write = self._write
        written = 0
        for row in chain((first,), rows):
            write([read(row) for read in readers])
            written += 1
            if progress is not None:
                progress.add()
        return written

    def _readers(self, row) -> list[Callable[[Any], Any]]:
        """How each column reads its cell from rows like `row` (see Col.value)."""
        positional = type(row) in (tuple, list)
        by_name = itemgetter if isinstance(row, Mapping) else attrgetter
        readers = []
        for index, column in enumerate(self.columns):
            if callable(column.value):
                readers.append(column.value)
            elif column.value is not None:
                readers.append(by_name(column.value))
            elif positional:
                readers.append(itemgetter(index))
            else:
                readers.append(by_name(column.key))
        return readers

    def row(self, values: Sequence) -> None:
        """One data row, in the columns' order. None (or "") leaves a cell empty."""
        self._write(list(values))

    def _write(self, values: list) -> None:
        """Write one row's values (a list of its own, changed in place).

        The hot path of every long sheet, so it touches only the cells that need it: text cells are checked for
        what XML or Excel would misread, and times, shares and datetimes get a styled cell for their format.
        Counts go in as they are; dates too (openpyxl gives a date its yyyy-mm-dd format by itself).
        """
        for index, raw in self._text_columns:
            value = values[index]
            if value is None:
                continue
            if value.__class__ is not str:
                if raw:
                    continue  # someone else's number or date, kept as it came
                value = str(value)
            if not value:
                values[index] = None
            elif value[0] == "=" or len(value) > MAX_CELL_TEXT or ILLEGAL.search(value):
                values[index] = self._text_cell(value)
            else:
                values[index] = value
        for index, number_format in self._styled_columns:
            value = values[index]
            if value is not None:
                values[index] = self._styled(value, number_format)
        self.ws.append(values)
        self.rows_written += 1
        self.data_rows += 1
        self._last_data_row = self.rows_written

    def _text_cell(self, value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=clean_text(value))
        # Customer data is never a formula (formula injection): a text cell, whatever it starts with.
        cell.data_type = "s"
        return cell

    def _styled(self, value, number_format: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=value)
        cell.number_format = number_format
        return cell

    def totals(self, label: str | Promise, *, label_column: int = 0) -> None:
        """The table's totals row: a formula per column that has a total (=SUM over the table's data rows)."""
        self.end_table()
        first, last = self._table_first_row, self.rows_written
        row_number = self.rows_written + 1
        letters = {column.key: get_column_letter(index) for index, column in enumerate(self.columns, start=1)}
        cells = []
        for index, column in enumerate(self.columns):
            letter = letters[column.key]
            value = None
            if index == label_column:
                value = str(label)
            elif column.total == "sum":
                value = f"=SUM({letter}{first}:{letter}{last})" if last >= first else 0
            elif isinstance(column.total, tuple) and column.total[0] == "ratio":
                numerator, denominator = letters[column.total[1]], letters[column.total[2]]
                value = f'=IF({denominator}{row_number}=0,"",{numerator}{row_number}/{denominator}{row_number})'
            number_format = FORMATS.get(column.kind) if index != label_column else None
            cells.append(self._cell(value, font=TOTAL_FONT, fill=TOTAL_FILL, number_format=number_format))
        self._append(cells)

    def end_table(self) -> None:
        """The autofilter covers the sheet's first table: its header and data rows, not its totals."""
        if self.autofilter and not self._filter_ref and self.columns:
            self._filter_ref = f"A{self._header_row}:{get_column_letter(len(self.columns))}{self._last_data_row}"

    def close(self) -> None:
        self.end_table()
        if self._filter_ref:
            self.ws.auto_filter.ref = self._filter_ref


def write_sheet(
    workbook: Workbook,
    title: str | Promise,
    columns: Sequence[Col],
    rows: Iterable,
    *,
    progress=None,
    totals: str | Promise | None = None,
) -> int:
    """A sheet of one table: its header, a row per item of `rows` (Sheet.write_rows), a totals row labelled
    `totals` (none without), the autofilter; the data rows written."""
    sheet = Sheet(workbook, title, columns)
    sheet.write_rows(rows, progress=progress)
    if totals is not None:
        sheet.totals(totals)
    sheet.close()
    return sheet.data_rows


def to_naive_local(moment: datetime | None, zone) -> datetime | None:
    """Excel has no time zones: a moment becomes the showroom's wall-clock time."""
    if moment is None:
        return None
    return moment.astimezone(zone).replace(tzinfo=None)


def local_date(moment: datetime | None, zone) -> date | None:
    """The showroom's calendar day of a moment."""
    if moment is None:
        return None
    return moment.astimezone(zone).date()


def local_time(moment: datetime | None, zone) -> time | None:
    if moment is None:
        return None
    return moment.astimezone(zone).time().replace(second=0, microsecond=0, tzinfo=None)


def share(part: int | None, whole: int | None) -> float | None:
    """A fraction for a PERCENT cell; None (an empty cell) when there is nothing to divide by."""
    return part / whole if whole else None
