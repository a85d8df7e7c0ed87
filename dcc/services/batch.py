"""A portal's batch file of inquiries (.xlsx or .csv, as a car portal's lead list exports it), through the one
intake service, with a preview first.

Nothing is guessed (the project's rule for imports); what the file does not say plainly is refused or asked:
- The header is the first non-empty row of the first sheet. Each heading is matched to an inquiry field by
  HEADINGS after `heading_key` (full-width as half-width, case, whitespace): exactly, never by a close match.
  A heading that matches nothing is listed as not read. A file without a column for the customer's name, the
  phone or the platform's lead id is refused, naming what is missing; so is a field named by two columns.
- A CSV is read as UTF-8 (with or without its BOM) or as GB18030 only when one of them alone reads it; a file
  both read (Chinese text can be valid in either) is put to the user, who says which.
- A time without a zone is the showroom's local time (what a portal's export shows), and the preview says so;
  a date without a time is a problem of its row.
Every row is checked as online_lead_receive checks it (online_lead_validate; the file's replays found by
online_leads_received in one query), writing nothing: it is to be received, already received (its platform lead
id came from this source before), or it has problems, each named by field.
A second row with a lead id of an earlier row is a problem: which of the two is right is not for us to say.
`batch_receive` then re-reads the file and takes each row still good through online_lead_receive.

Between the preview and the confirmation the file lies under IMPORTS_DIR/dcc/<showroom>/, named by a random
token that the clerk's session holds (`batch_file_keep`, `batch_file_path`).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from dealer_crm.core.models import Showroom, User

from ..models import LeadSource, Via
from .intake import online_lead_receive, online_lead_validate, online_leads_received

SUFFIXES = (".xlsx", ".csv")
REQUIRED = ("customer_name", "phone", "platform_lead_id")
UTF8, GB18030 = "utf-8", "gb18030"
ENCODINGS = (UTF8, GB18030)

# Field -> the headings portals and people give it, in Chinese and English; compared through `heading_key`.
# "ID", "时间", "备注2"… alone are not here on purpose: a heading that could mean two things is not read.
HEADINGS: dict[str, list[str]] = {
    "customer_name": ["姓名", "客户姓名", "客户名称", "顾客姓名", "联系人", "name", "customer", "customer name"],
    "phone": [
        "电话", "手机", "手机号", "手机号码", "联系电话", "电话号码", "联系方式",
        "phone", "mobile", "phone number", "mobile number", "telephone", "tel",
    ],
    "platform_lead_id": [
        "线索ID", "线索编号", "线索号", "线索id号", "lead id", "lead_id", "lead no", "lead number",
        "platform's lead id",
    ],
    "city": ["城市", "地区", "所在城市", "所在地区", "区域", "区县", "city", "district", "city or district", "area"],
    "car_model_text": [
        "意向车型", "车型", "关注车型", "咨询车型", "意向车系", "车系", "model", "car model", "model of interest",
    ],
    "message": ["留言", "备注", "留言内容", "客户留言", "咨询内容", "message", "comment", "comments", "remarks"],
    "platform_received_at": [
        "下发时间", "提交时间", "创建时间", "留资时间", "线索时间", "线索创建时间",
        "created", "created at", "submitted", "submitted at", "received by the platform",
    ],
}  # fmt: skip

# The clerk's form's own labels (dcc.forms.OnlineLeadForm), so that the preview speaks of the same fields.
LABELS = {
    "source": gettext_lazy("Lead source"),
    "customer_name": gettext_lazy("Customer name"),
    "phone": gettext_lazy("Phone"),
    "platform_lead_id": gettext_lazy("Platform's lead id"),
    "city": gettext_lazy("City or district"),
    "car_model_text": gettext_lazy("Model of interest"),
    "message": gettext_lazy("Message"),
    "platform_received_at": gettext_lazy("Received by the platform"),
}

DATE_TIME = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def heading_key(text) -> str:
    """A heading as compared: full-width as half-width (NFKC), case folded, whitespace removed; nothing else."""
    return "".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


KNOWN_HEADINGS = {heading_key(name): name_of for name_of, names in HEADINGS.items() for name in names}


class BatchError(Exception):
    """The file as a whole cannot be taken; `needs_encoding`: only because its encoding is for the user to say."""

    def __init__(self, message: str, *, needs_encoding: bool = False):
        super().__init__(message)
        self.needs_encoding = needs_encoding


@dataclass
class Column:
    index: int
    heading: str
    field: str = ""  # "" when the heading matches nothing

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)

    @property
    def label(self) -> str:
        return str(LABELS[self.field]) if self.field else ""


NEW, REPLAY, PROBLEM = "new", "replay", "problem"


@dataclass
class Row:
    line: int  # the row number as the spreadsheet shows it
    values: dict  # field -> value as read (platform_received_at a datetime or None)
    status: str = NEW
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (field, its label, what is wrong)

    def problem(self, name: str, message: str) -> None:
        self.problems.append((name, str(LABELS.get(name, name)), message))


@dataclass
class Batch:
    """A file's columns and checked rows, or why it cannot be taken (`error`)."""

    columns: list[Column] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    encoding: str = ""  # a CSV's, as read
    time_zone: str = ""
    error: str = ""
    needs_encoding: bool = False

    @property
    def matched(self) -> list[Column]:
        return [column for column in self.columns if column.field]

    @property
    def unmatched(self) -> list[Column]:
        return [column for column in self.columns if not column.field and column.heading]

    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            NEW: sum(row.status == NEW for row in self.rows),
            REPLAY: sum(row.status == REPLAY for row in self.rows),
            PROBLEM: sum(row.status == PROBLEM for row in self.rows),
        }


# --- Reading ------------------------------------------------------------------------------------------------------


def _xlsx_rows(path: Path) -> list[tuple]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - whatever openpyxl cannot open is "not an .xlsx file"
        raise BatchError(_("This file cannot be read as an Excel workbook (.xlsx).")) from None
    try:
        return _bounded(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


def csv_encoding(raw: bytes) -> str:
    """UTF-8 or GB18030, when the bytes say so unambiguously (a BOM, or only one of them reads them); else
    BatchError, with both readings of the first line when both read it, for the user to choose."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    readings = {}
    for encoding in ENCODINGS:
        try:
            readings[encoding] = raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    if len(readings) == 1 or (len(readings) == 2 and readings[UTF8] == readings[GB18030]):  # one, or ASCII
        return next(iter(readings))
    if not readings:
        raise BatchError(_("This CSV file is neither UTF-8 nor GB18030 text."))
    first = {encoding: text.splitlines()[0][:80] if text else "" for encoding, text in readings.items()}
    raise BatchError(
        _("This CSV file reads as UTF-8 (“%(utf8)s”) and as GB18030 (“%(gb)s”): say which it is.")
        % {"utf8": first[UTF8], "gb": first[GB18030]},
        needs_encoding=True,
    )


def _csv_rows(path: Path, encoding: str) -> tuple[list[tuple], str]:
    raw = path.read_bytes()
    if encoding not in ENCODINGS:
        encoding = csv_encoding(raw)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise BatchError(_("This CSV file is not %(encoding)s text.") % {"encoding": encoding.upper()}) from None
    text = text.removeprefix("\ufeff")
    try:
        return _bounded(tuple(row) for row in csv.reader(io.StringIO(text, newline=""))), encoding
    except csv.Error:
        raise BatchError(_("This file cannot be read as a CSV table.")) from None


def _bounded(rows) -> list[tuple]:
    """The rows, refused beyond the header and DCC_BATCH_MAX_ROWS rows (a stream: a huge file is not read whole)."""
    kept = []
    for row in rows:
        kept.append(row)
        if len(kept) > settings.DCC_BATCH_MAX_ROWS + 1:
            raise BatchError(_("The file has more than %(rows)s rows.") % {"rows": settings.DCC_BATCH_MAX_ROWS})
    return kept


def _blank(row: tuple) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in row)


def header_columns(header: tuple) -> list[Column]:
    """Each column of the header and the field it fills; a field named twice or a required one missing refuses
    the file."""
    columns = [
        Column(index=index, heading=heading, field=KNOWN_HEADINGS.get(heading_key(heading), "") if heading else "")
        for index, heading in enumerate("" if cell is None else str(cell).strip() for cell in header)
    ]
    by_field: dict[str, list[Column]] = {}
    for column in columns:
        if column.field:
            by_field.setdefault(column.field, []).append(column)
    for name, named in by_field.items():
        if len(named) > 1:
            raise BatchError(
                _("Columns %(columns)s all give the %(field)s: keep one of them.")
                % {"columns": ", ".join(f"{c.letter} “{c.heading}”" for c in named), "field": LABELS[name]}
            )
    missing = [str(LABELS[name]) for name in REQUIRED if name not in by_field]
    if missing:
        headings = ", ".join(f"“{column.heading}”" for column in columns if column.heading) or "–"
        raise BatchError(
            _("The file has no column for: %(fields)s (its headings: %(headings)s).")
            % {"fields": ", ".join(missing), "headings": headings}
        )
    return columns


def _text(value) -> str:
    """A cell as text: a number as the digits it shows (a phone or an id stored as a number), no "1.39e10"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def _moment(value, zone) -> datetime | None:
    """A cell of the platform's time: an Excel date-time or text "2026-12-04 10:30[:00][+08:00]"; without a zone
    in the showroom's. Raises ValueError for anything else (a date alone included)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        matched = DATE_TIME.match(str(value).strip())
        if not matched:
            raise ValueError
        year, month, day, hour, minute, second, offset = matched.groups()
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        if offset == "Z":
            moment = moment.replace(tzinfo=UTC)
        elif offset:
            digits = offset[1:].replace(":", "")
            shift = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            moment = moment.replace(tzinfo=dt_timezone(-shift if offset[0] == "-" else shift))
    return timezone.make_aware(moment, zone) if timezone.is_naive(moment) else moment


# --- Checking -------------------------------------------------------------------------------------------------


def batch_check(*, path: Path, source: LeadSource, entered_by: User | None, encoding: str = "") -> Batch:
    """The file read and every row checked as the intake service would check it; nothing is written."""
    showroom = source.showroom
    batch = Batch(time_zone=showroom.time_zone)
    try:
        if path.suffix == ".csv":
            rows, batch.encoding = _csv_rows(path, encoding)
        else:
            rows = _xlsx_rows(path)
        lines = [(number, row) for number, row in enumerate(rows, start=1) if not _blank(row)]
        if not lines:
            raise BatchError(_("The file is empty."))
        header_line, header = lines[0]
        batch.columns = header_columns(header)
    except BatchError as error:
        batch.error, batch.needs_encoding = str(error), error.needs_encoding
        return batch
    first_line_of: dict[str, int] = {}
    rows = [_row(number, cells, batch.columns, showroom) for number, cells in lines[1:]]
    received = online_leads_received(source, (row.values["platform_lead_id"].strip() for row in rows))
    for row in rows:
        _check(row, source, entered_by, received)  # a time it could not read aside, every other problem is named
        lead_id = row.values["platform_lead_id"].strip()
        if lead_id in first_line_of:
            row.problem(
                "platform_lead_id",
                _("The same as on row %(line)s: one row per lead.") % {"line": first_line_of[lead_id]},
            )
        elif lead_id:
            first_line_of[lead_id] = row.line
        if row.problems:
            row.status = PROBLEM
        batch.rows.append(row)
    return batch


def _row(number: int, cells: tuple, columns: list[Column], showroom: Showroom) -> Row:
    values = {name: "" for name in HEADINGS} | {"platform_received_at": None}
    row = Row(line=number, values=values)
    for column in columns:
        if not column.field:
            continue
        cell = cells[column.index] if column.index < len(cells) else None
        if column.field == "platform_received_at":
            try:
                values[column.field] = _moment(cell, showroom.zone)
            except (ValueError, OverflowError):
                row.problem(
                    column.field,
                    _("“%(text)s” is not a date and time such as 2026-03-08 14:30.") % {"text": _text(cell)},
                )
        else:
            values[column.field] = _text(cell)
    return row


def _check(row: Row, source: LeadSource, entered_by: User | None, received: set[str]) -> None:
    try:
        online_lead_validate(source=source, via=Via.BATCH, entered_by=entered_by, **row.values)
    except ValidationError as error:
        for name, messages in getattr(error, "message_dict", {"": error.messages}).items():
            for message in messages:
                row.problem(name, message)
    else:
        if row.values["platform_lead_id"].strip() in received:
            row.status = REPLAY


# --- Receiving ------------------------------------------------------------------------------------------------


@dataclass
class BatchResult:
    received: int = 0  # new inquiries (a new lead or added to an open one)
    replays: int = 0  # already received from this source: nothing changed
    problems: int = 0  # not received, as the preview said or because the service refused them now


def batch_receive(*, path: Path, source: LeadSource, entered_by: User, encoding: str = "") -> tuple[Batch, BatchResult]:
    """Check the file again (the preview may be stale: another clerk, the API, a source switched off) and take each
    good row through online_lead_receive.

    Each row in its own transaction (the service's), not the whole file in one: the rows are independent
    inquiries, and each is idempotent on its lead id, so a file cut short (a timeout, a row the service refuses
    now) keeps what it entered and is simply uploaded again; and one long transaction would hold the showroom's
    rotation lock (taken for each new lead) for the whole file, keeping the API's deliveries waiting behind it.
    """
    batch = batch_check(path=path, source=source, entered_by=entered_by, encoding=encoding)
    result = BatchResult()
    if batch.error:
        return batch, result
    for row in batch.rows:
        if row.status == PROBLEM:
            result.problems += 1
            continue
        try:
            _inquiry, created = online_lead_receive(source=source, via=Via.BATCH, entered_by=entered_by, **row.values)
        except ValidationError:
            result.problems += 1
        else:
            if created:
                result.received += 1
            else:
                result.replays += 1
    return batch, result


# --- Keeping the file between the two steps -----------------------------------------------------------------------

TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _folder(showroom: Showroom) -> Path:
    return Path(settings.IMPORTS_DIR) / "dcc" / showroom.code


def batch_file_keep(upload, showroom: Showroom) -> str:
    """Store an uploaded file for its preview and confirmation; the token (with the file's suffix) finds it."""
    suffix = Path(upload.name).suffix.lower()
    if suffix not in SUFFIXES:
        raise BatchError(_("Upload an .xlsx or .csv file."))
    token = uuid.uuid4().hex
    folder = _folder(showroom)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{token}{suffix}", "wb") as target:
        for chunk in upload.chunks():
            target.write(chunk)
    return f"{token}{suffix}"


def batch_file_path(showroom: Showroom, kept: str) -> Path | None:
    """The kept file of this token, or None (no such file, or not a token of ours: no path is built from it)."""
    token, suffix = Path(kept).stem, Path(kept).suffix
    if not TOKEN.match(token) or suffix not in SUFFIXES:
        return None
    path = _folder(showroom) / f"{token}{suffix}"
    return path if path.is_file() else None


def batch_file_discard(showroom: Showroom, kept: str) -> None:
    path = batch_file_path(showroom, kept)
    if path is not None:
        path.unlink(missing_ok=True)
