"""Import of legacy visitor registers kept in Excel (来店(电)顾客登记表 as .xlsx), years of them at once if need be.

Three steps, shared by the upload pages and `manage.py import_register`:

1. parse: find the register's header row (Chinese or English headers, their usual synonyms, any column order, a
   title line above it), then read every row into typed values: dates as real Excel dates or "2025-03-08",
   "2025/3/8", "2025年3月8日"; times as Excel times or "14:30"; a combined "进店-离去" column "14:30-15:10".
2. check: every rule the register's service applies (phone normal form, departure after arrival, on the same day,
   not in the future, not on a signed-off day, a consultant of the showroom), reported per row in the user's
   language; plus duplicates, skipped rather than refused.
3. apply: the valid rows, in one transaction, each through leads.services.visit_register (so the register's rules
   and the lead tracker apply to them exactly as to an entry typed in), keeping the original dates and
   consultants. The rejected rows are written back as an .xlsx with an error column, so nothing is lost.

A duplicate is a row with the same showroom, date, arrival time (to the minute), customer name and phone as an
entry already in the register or an earlier row of the file. Looked up before inserting (one query per file),
and guarded in the database by ImportedRow's unique constraint, which settles two imports of the same file
running at the same moment.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import chain
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel

from dealer_crm.core.models import CarModel, District, InformationSource, Showroom, User
from dealer_crm.core.phones import normalize_phone
from leads.models import VISIT_GRADES, Gender, Visit, VisitKind
from leads.selectors import register_days_for
from leads.services import CLOCK_SKEW, visit_register

from .excel import RAW, TEXT, Col, Sheet, new_workbook
from .models import ImportBatch, ImportedRow

HEADER_SCAN_ROWS = 15  # a title, a showroom line, a blank line … the header is near the top
MIN_HEADER_MATCHES = 4

# field -> what its column is called on the paper forms and in other people's spreadsheets (compared without
# spaces, brackets or case); the workbook's own headers, in both languages, are added by `header_names`.
HEADER_SYNONYMS: dict[str, list[str]] = {
    "number": ["序号", "编号", "no", "no.", "#", "number"],
    "date": ["日期", "来店日期", "到店日期", "来电日期", "登记日期", "date", "visitdate"],
    "kind": ["来店/来电", "来店(电)", "来店/电", "店/电", "类型", "方式", "walk-inorcall", "type", "kind"],
    "customer_name": ["客户姓名", "姓名", "客户", "客户名称", "顾客姓名", "name", "customer", "customername"],
    "gender": ["性别", "gender", "sex"],
    "phone": ["电话", "手机", "联系电话", "手机号", "手机号码", "联系方式", "phone", "mobile", "tel", "telephone"],
    "address": ["区域/地址", "区域", "地址", "住址", "所在区域", "district/address", "address", "district"],
    "car_model": ["拟购车型", "意向车型", "车型", "modelofinterest", "model", "carmodel"],
    "source": ["信息来源", "来源", "获知渠道", "informationsource", "source"],
    "arrival": [
        "进店时间",
        "到店时间",
        "来店时间",
        "来电时间",
        "进店",
        "到店",
        "arrival",
        "arrived",
        "start",
        "timein",
    ],
    "departure": [
        "离去时间",
        "离店时间",
        "离开时间",
        "离去",
        "离店",
        "结束时间",
        "departure",
        "left",
        "end",
        "timeout",
    ],
    "arrival_departure": [
        "进店-离去时间",
        "进店-离去",
        "进店—离去时间",
        "到店-离店时间",
        "到店-离店",
        "进店离去时间",
        "时间",
        "arrival-departure",
        "time",
    ],
    "duration": ["时长", "停留时间", "duration", "duration(minutes)", "minutes"],
    "party_size": ["人数", "来店人数", "partysize", "people", "persons"],
    "grade": ["意向级别", "级别", "客户级别", "intentgrade", "grade"],
    "summary": ["洽谈经过", "洽谈内容", "洽谈摘要", "洽谈情况", "talksummary", "summary"],
    "consultant": ["销售顾问", "接待人", "接待顾问", "顾问", "接待", "consultant", "salesconsultant"],
    "remarks": ["备注", "remarks", "remark", "comment", "comments", "note"],
}
# The workbook's own column of each field (reports.workbook.REGISTER_COLUMNS keys), so an exported register
# reads back whichever language it was written in.
EXPORT_KEYS = {
    "number": "number",
    "date": "date",
    "kind": "kind",
    "customer": "customer_name",
    "gender": "gender",
    "phone": "phone",
    "address": "address",
    "model": "car_model",
    "source": "source",
    "arrival": "arrival",
    "departure": "departure",
    "duration": "duration",
    "party": "party_size",
    "grade": "grade",
    "summary": "summary",
    "consultant": "consultant",
    "remarks": "remarks",
}
REQUIRED_COLUMNS = ("date", "customer_name", "consultant")

NO_PHONE_WORDS = {"无", "没有", "未留", "不留", "不愿留", "拒留", "none", "no", "n/a", "na", "-", "—", "–", "/"}
WALK_IN_WORDS = {"来店", "店", "到店", "展厅", "walk-in", "walkin", "walk in", "visit", "showroom"}
CALL_WORDS = {"来电", "电", "电话", "call", "phone", "phone call", "phonecall"}
MALE_WORDS = {"男", "先生", "m", "male", "mr", "mr."}
FEMALE_WORDS = {"女", "女士", "小姐", "f", "female", "ms", "ms.", "mrs", "mrs."}
TOTAL_WORDS = {"合计", "总计", "小计", "total", "totals", "sum"}
WALK_IN_KEYS = {re.sub(r"\s+", "", word.lower()) for word in WALK_IN_WORDS}
CALL_KEYS = {re.sub(r"\s+", "", word.lower()) for word in CALL_WORDS}

DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
]
TIME_PATTERN = re.compile(r"^(\d{1,2})\s*[:：.点时]\s*(\d{1,2})(?:\s*[:：]\s*\d{1,2})?\s*分?$")
RANGE_SEPARATOR = re.compile(r"\s*(?:-|–|—|~|～|至|到)\s*")


def squeeze(text: str) -> str:
    """A header or word as compared: lower case, no spaces, ASCII brackets."""
    text = str(text).strip().lower().replace("（", "(").replace("）", ")").replace("／", "/")
    return re.sub(r"\s+", "", text)


def header_names() -> dict[str, str]:
    """Every known header (squeezed) -> field, the workbook's own headers in both languages included."""
    from .workbook import REGISTER_COLUMNS

    names = {squeeze(name): key for key, synonyms in HEADER_SYNONYMS.items() for name in synonyms}
    for language, _label in settings.LANGUAGES:
        with translation.override(language):
            for column in REGISTER_COLUMNS:
                if column.key in EXPORT_KEYS:  # not "late": the CRM's own mark, never imported
                    names[squeeze(str(column.header))] = EXPORT_KEYS[column.key]
    return names


# --- Parsing ----------------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the file: the cells as they were, what was read from them, and what is wrong with it."""

    line: int  # the row number in the sheet, as Excel shows it
    cells: tuple  # the original values, in the file's column order
    values: dict = field(default_factory=dict)  # field -> typed value
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicate: bool = False
    consultant_name: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.duplicate

    @property
    def rejected(self) -> bool:
        """Wrong, and not already in the register (a duplicate is skipped whatever else is wrong with it: what it
        says is in the register already, e.g. a file imported again after its days were signed off)."""
        return bool(self.errors) and not self.duplicate

    @property
    def status(self) -> str:
        return "duplicate" if self.duplicate else "rejected" if self.errors else "ok"

    @property
    def key(self) -> tuple | None:
        values = self.values
        if not all(values.get(name) for name in ("visit_date", "arrived_at", "customer_name")):
            return None
        return (values["visit_date"], values["arrived_at"], values["customer_name"], values.get("phone", ""))


@dataclass
class Parsed:
    """A file's register: its sheet, header and rows, or the reason it could not be read."""

    sheet: str = ""
    header: tuple = ()
    columns: dict[str, int] = field(default_factory=dict)  # field -> column index
    rows: list[Row] = field(default_factory=list)
    error: str = ""

    @property
    def unknown_consultants(self) -> list[str]:
        return sorted(
            {row.consultant_name for row in self.rows if row.consultant_name and "consultant" not in row.values}
        )

    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            "valid": sum(1 for row in self.rows if row.ok),
            "duplicates": sum(1 for row in self.rows if row.duplicate),
            "rejected": sum(1 for row in self.rows if row.rejected),
        }


def find_header(rows: list[tuple], names: dict[str, str]) -> tuple[int, dict[str, int]] | None:
    """The first row that names enough known columns, and field -> column index from it."""
    for index, row in enumerate(rows):
        columns: dict[str, int] = {}
        for position, cell in enumerate(row):
            if cell is None:
                continue
            key = names.get(squeeze(cell))
            if key and key not in columns:
                columns[key] = position
        if len(columns) >= MIN_HEADER_MATCHES and "customer_name" in columns:
            return index, columns
    return None


def read_register(path) -> Parsed:
    """Find the register in the workbook (the first sheet with a recognisable header) and read its rows raw."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - anything openpyxl cannot open is "not an .xlsx register"
        return Parsed(error=_("This file cannot be read as an Excel workbook (.xlsx)."))
    names = header_names()
    try:
        for ws in workbook.worksheets:
            rows = ws.iter_rows(values_only=True)
            top = []
            for row in rows:
                top.append(row)
                if len(top) >= HEADER_SCAN_ROWS:
                    break
            found = find_header(top, names)
            if found is None:
                continue
            header_index, columns = found
            missing = [name for name in REQUIRED_COLUMNS if name not in columns]
            if missing:
                return Parsed(
                    sheet=ws.title,
                    error=_("The register's header has no column for: %(columns)s.")
                    % {"columns": ", ".join(field_labels()[name] for name in missing)},
                )
            if "arrival" not in columns and "arrival_departure" not in columns:
                return Parsed(sheet=ws.title, error=_("The register's header has no column for the arrival time."))
            parsed = Parsed(sheet=ws.title, header=top[header_index], columns=columns)
            line = header_index + 1
            for cells in chain(top[header_index + 1 :], rows):
                line += 1
                if cells is None or all(cell is None or str(cell).strip() == "" for cell in cells):
                    continue
                first = next((cell for cell in cells if cell is not None and str(cell).strip()), "")
                if squeeze(first) in TOTAL_WORDS:
                    continue  # the form's totals line
                parsed.rows.append(Row(line=line, cells=tuple(cells)))
            return parsed
    finally:
        workbook.close()
    return Parsed(error=_("No sheet of this workbook has a register header (日期, 客户姓名, 电话, 进店时间, …)."))


def field_labels() -> dict[str, str]:
    return {
        "date": pgettext("excel", "Date"),
        "customer_name": pgettext("excel", "Customer name"),
        "consultant": pgettext("excel", "Consultant"),
    }


@dataclass
class Reference:
    """The showroom's names the rows are matched against, loaded once per file (a fixed few queries)."""

    showroom: Showroom
    consultants: dict[str, User]
    districts: dict[str, District]
    car_models: dict[str, CarModel]
    sources: dict[str, InformationSource]
    kind_labels: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, showroom: Showroom) -> Reference:
        consultants: dict[str, User] = {}
        for user in User.objects.filter(showroom=showroom, is_active=True):
            for name in (user.get_full_name(), user.username):
                if name:
                    consultants.setdefault(squeeze(name), user)
        car_models: dict[str, CarModel] = {}
        names_seen: dict[str, int] = {}
        for model in CarModel.objects.all():
            car_models[squeeze(f"{model.brand}{model.name}")] = model
            names_seen[squeeze(model.name)] = names_seen.get(squeeze(model.name), 0) + 1
        for model in CarModel.objects.all():
            if names_seen[squeeze(model.name)] == 1:  # a model's name alone, when no other brand uses it
                car_models.setdefault(squeeze(model.name), model)
        sources: dict[str, InformationSource] = {}
        for source in InformationSource.objects.all():
            for name in (source.name_zh, source.name_en, source.code):
                sources[squeeze(name)] = source
        districts = {district.name: district for district in District.objects.filter(showroom=showroom)}
        kind_labels = {value: squeeze(str(label)) for value, label in VisitKind.choices}
        return cls(showroom, consultants, districts, car_models, sources, kind_labels)


def parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and 20000 < value < 80000:  # an Excel serial date left unformatted
        return from_excel(value).date()
    text = str(value).strip()
    for pattern in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            return date(*map(int, match.groups()))
    raise ValueError(text)


def parse_time(value) -> time:
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds() // 60)
        return time(minutes // 60, minutes % 60)
    if isinstance(value, float | int) and 0 <= value < 1:  # an Excel time left unformatted
        minutes = round(value * 24 * 60)
        return time(minutes // 60 % 24, minutes % 60)
    match = TIME_PATTERN.match(str(value).strip())
    if not match:
        raise ValueError(value)
    return time(int(match.group(1)), int(match.group(2)))


def parse_range(value) -> tuple[time, time]:
    parts = RANGE_SEPARATOR.split(str(value).strip())
    if len(parts) != 2:
        raise ValueError(value)
    return parse_time(parts[0]), parse_time(parts[1])


def text_of(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_row(row: Row, columns: dict[str, int], reference: Reference, consultant_map: dict[str, User]) -> None:
    """Fill row.values from its cells, adding an error (in the active language) for every cell that is wrong."""

    def cell(name: str):
        index = columns.get(name)
        if index is None or index >= len(row.cells):
            return None
        value = row.cells[index]
        return None if isinstance(value, str) and not value.strip() else value

    values, errors = row.values, row.errors
    showroom = reference.showroom
    zone = showroom.zone

    name = text_of(cell("customer_name"))
    if not name:
        errors.append(_("The customer's name (or “Mr. Wang / Ms. Li”) is missing."))
    values["customer_name"] = name[:50]

    raw_date = cell("date")
    visit_date = None
    if raw_date is None:
        errors.append(_("The date is missing."))
    else:
        try:
            visit_date = parse_date(raw_date)
        except (ValueError, TypeError, OverflowError):
            errors.append(_("“%(value)s” is not a date (write 2025-03-08).") % {"value": text_of(raw_date)})
    values["visit_date"] = visit_date

    arrival = departure = None
    try:
        if cell("arrival") is not None:
            arrival = parse_time(cell("arrival"))
        if cell("departure") is not None:
            departure = parse_time(cell("departure"))
        if (arrival is None or departure is None) and cell("arrival_departure") is not None:
            arrival, departure = parse_range(cell("arrival_departure"))
    except (ValueError, TypeError):
        errors.append(_("The arrival and departure times must be like 14:30, or 14:30-15:10 in one cell."))
    else:
        if arrival is None:
            errors.append(_("The arrival time is missing."))
        if departure is None:
            errors.append(_("The departure time is missing."))
    if visit_date and arrival and departure:
        values["arrived_at"] = datetime.combine(visit_date, arrival, tzinfo=zone)
        values["left_at"] = datetime.combine(visit_date, departure, tzinfo=zone)

    kind_text = squeeze(text_of(cell("kind")))
    if not kind_text or kind_text in WALK_IN_KEYS or kind_text == reference.kind_labels[VisitKind.WALK_IN]:
        values["kind"] = VisitKind.WALK_IN
    elif kind_text in CALL_KEYS or kind_text == reference.kind_labels[VisitKind.CALL]:
        values["kind"] = VisitKind.CALL
    else:
        errors.append(
            _("“%(value)s” is neither a walk-in (来店) nor a call (来电).") % {"value": text_of(cell("kind"))}
        )

    if "kind" in values:
        values["kind_label"] = str(VisitKind(values["kind"]).label)

    gender_text = squeeze(text_of(cell("gender")))
    values["gender"] = (
        Gender.MALE if gender_text in MALE_WORDS else Gender.FEMALE if gender_text in FEMALE_WORDS else ""
    )
    if not values["gender"] and name:  # "王先生" / "李女士": the salutation says it
        values["gender"] = Gender.MALE if name.endswith("先生") else Gender.FEMALE if name.endswith("女士") else ""

    phone_text = text_of(cell("phone"))
    if not phone_text or squeeze(phone_text) in NO_PHONE_WORDS:
        values["phone"], values["no_phone"] = "", True
    else:
        try:
            values["phone"], values["no_phone"] = normalize_phone(phone_text), False
        except ValidationError as error:
            errors.append(f"{phone_text}: {' '.join(error.messages)}")

    address = text_of(cell("address"))
    values["district"], values["address"] = None, address[:200]
    for district_name, district in reference.districts.items():
        if address == district_name or address.startswith(district_name + " ") or address.startswith(district_name):
            values["district"] = district
            values["address"] = address[len(district_name) :].strip()[:200]
            break

    remarks = [text_of(cell("remarks"))]
    model_text = text_of(cell("car_model"))
    values["car_model"] = reference.car_models.get(squeeze(model_text)) if model_text else None
    if model_text and values["car_model"] is None:
        row.warnings.append(
            _("Model “%(value)s” is not in the catalogue: kept in the remarks.") % {"value": model_text}
        )
        remarks.append(pgettext("excel", "Model of interest") + f": {model_text}")
    source_text = text_of(cell("source"))
    values["source"] = reference.sources.get(squeeze(source_text)) if source_text else None
    if source_text and values["source"] is None:
        row.warnings.append(_("Source “%(value)s” is unknown: kept in the remarks.") % {"value": source_text})
        remarks.append(pgettext("excel", "Information source") + f": {source_text}")
    values["remarks"] = "; ".join(part for part in remarks if part)

    party = cell("party_size")
    try:
        values["party_size"] = int(text_of(party) or 1)
        if values["party_size"] < 1:
            raise ValueError
    except ValueError:
        errors.append(_("The party size must be a whole number of 1 or more."))

    grade = text_of(cell("grade")).upper().removesuffix("级")
    if grade and grade not in VISIT_GRADES:
        errors.append(_("“%(value)s” is not an intent grade (H, A, B, C or O).") % {"value": grade})
    elif grade and values.get("no_phone"):
        errors.append(_("Only a customer who left a phone number can be graded."))
    values["grade"] = grade if grade in VISIT_GRADES else ""
    values["summary"] = text_of(cell("summary"))

    consultant_name = text_of(cell("consultant"))
    row.consultant_name = consultant_name
    consultant = consultant_map.get(consultant_name) or reference.consultants.get(squeeze(consultant_name))
    if not consultant_name:
        errors.append(_("The consultant is missing."))
    elif consultant is None:
        errors.append(
            _("No consultant of this showroom is called “%(name)s”: choose one for this name.")
            % {"name": consultant_name}
        )
    else:
        values["consultant"] = consultant


def check_rows(rows: list[Row], showroom: Showroom, *, now: datetime) -> None:
    """The register's rules across rows: time order, the future, signed-off days, duplicates (2 queries)."""
    for row in rows:
        values = row.values
        if "arrived_at" in values:
            if values["left_at"] <= values["arrived_at"]:
                row.errors.append(_("Departure must be after arrival."))
            elif values["left_at"] > now + CLOCK_SKEW:
                row.errors.append(_("Departure cannot be in the future."))
    dates = sorted({row.values["visit_date"] for row in rows if row.values.get("visit_date")})
    if not dates:
        return
    signed_off = {
        day for day, register_day in register_days_for(showroom.pk, dates).items() if register_day.is_signed_off
    }
    existing = set(
        Visit.objects.live()
        .filter(showroom=showroom, visit_date__in=dates)
        .values_list("visit_date", "arrived_at", "customer_name", "phone")
    )
    existing |= set(
        ImportedRow.objects.filter(showroom=showroom, visit_date__in=dates).values_list(
            "visit_date", "arrived_at", "customer_name", "phone"
        )
    )
    seen: set = set()
    for row in rows:
        day = row.values.get("visit_date")
        if day in signed_off:
            row.errors.append(
                _("The register of %(date)s is signed off; ask the manager to reopen it.") % {"date": day.isoformat()}
            )
        key = row.key
        if key is not None:
            if key in existing or key in seen:
                row.duplicate = True
            seen.add(key)


def register_import_parse(
    path, *, showroom: Showroom, consultant_map: dict[str, User] | None = None, now: datetime | None = None
) -> Parsed:
    """Read and check a register file; nothing is written. Rows keep the file's order."""
    parsed = read_register(path)
    if parsed.error:
        return parsed
    reference = Reference.load(showroom)
    for row in parsed.rows:
        read_row(row, parsed.columns, reference, consultant_map or {})
    check_rows(parsed.rows, showroom, now=now or timezone.now())
    return parsed


# --- Applying -----------------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    imported: int
    duplicates: int
    rejected: int
    rejected_rows: list[Row]


VISIT_VALUE_FIELDS = (
    "kind",
    "customer_name",
    "gender",
    "phone",
    "no_phone",
    "district",
    "address",
    "car_model",
    "source",
    "arrived_at",
    "left_at",
    "party_size",
    "grade",
    "summary",
    "remarks",
    "consultant",
)


def register_import_apply(*, batch: ImportBatch, parsed: Parsed, created_by: User | None) -> ImportResult:
    """Import the parsed file's valid rows, in one transaction, each through visit_register.

    1. Rows go in by date, and within a day in the file's order: the order they were written on the sheet, so
       each day's running numbers come out as the sheet's (an exported register reads back with its numbers).
    2. Each row in its own savepoint with its ImportedRow: a row the service refuses after all (the day was
       signed off a moment ago) or that a concurrent import of the same file got in first (the unique
       constraint) is set aside without undoing the others.
    3. The batch records the counts; the rejected rows are returned for the rejected-rows file.
    """
    imported = 0
    duplicates = sum(1 for row in parsed.rows if row.duplicate)
    order = sorted(
        (row for row in parsed.rows if row.ok),
        key=lambda row: (row.values["visit_date"], row.line),
    )
    with transaction.atomic():
        for row in order:
            values = row.values
            try:
                with transaction.atomic():
                    visit = visit_register(
                        showroom=batch.showroom,
                        created_by=created_by or values["consultant"],
                        visit_date=values["visit_date"],
                        **{name: values[name] for name in VISIT_VALUE_FIELDS},
                    )
                    ImportedRow.objects.create(
                        showroom=batch.showroom,
                        visit_date=values["visit_date"],
                        arrived_at=values["arrived_at"],
                        customer_name=values["customer_name"],
                        phone=values["phone"],
                        visit=visit,
                        batch=batch,
                    )
            except ValidationError as error:
                row.errors.extend(error.messages)
            except IntegrityError:
                row.duplicate = True
                duplicates += 1
            else:
                imported += 1
        rejected = [row for row in parsed.rows if row.rejected]
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.IMPORTED,
            rows_total=len(parsed.rows),
            imported=imported,
            duplicates=duplicates,
            rejected=len(rejected),
            imported_at=timezone.now(),
        )
    return ImportResult(imported=imported, duplicates=duplicates, rejected=len(rejected), rejected_rows=rejected)


def rejected_rows_write(parsed: Parsed, rows: Iterable[Row], target) -> int:
    """The rejected rows as they were in the file (its own header and cells), with a last column saying what is
    wrong with each: fixed, the file can be imported again (the rows that went in are skipped as duplicates)."""
    width = max([len(parsed.header), *(len(row.cells) for row in rows)] or [0])
    header = [text_of(cell) for cell in parsed.header] + [""] * (width - len(parsed.header))
    # The original cells keep their own types (a date stays a date); only the last two columns are ours.
    columns = [Col(f"c{index}", name, RAW, 14) for index, name in enumerate(header)]
    columns.append(Col("line", pgettext("excel", "Row in the file"), TEXT, 8))
    columns.append(Col("errors", pgettext("excel", "Errors"), TEXT, 60))
    workbook = new_workbook()
    sheet = Sheet(workbook, pgettext("excel", "Rejected rows"), columns)
    count = 0
    for row in rows:
        cells = list(row.cells) + [None] * (width - len(row.cells))
        sheet.row([*cells, str(row.line), " ".join(row.errors)])
        count += 1
    sheet.close()
    workbook.save(target)
    return count


# --- Files ----------------------------------------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_path(batch: ImportBatch) -> Path:
    return Path(settings.IMPORTS_DIR) / batch.file_path


def rejected_path(batch: ImportBatch) -> Path:
    return import_path(batch).with_suffix(".rejected.xlsx")


def import_batch_create(
    *, showroom: Showroom, uploaded_by: User | None, uploaded_by_name: str = "", source: Path, original_name: str
) -> ImportBatch:
    """Record an uploaded file, kept under IMPORTS_DIR/<showroom>/ until it is imported (the preview reads it
    again when the user confirms)."""
    import shutil
    import uuid

    relative = Path(showroom.code) / f"{uuid.uuid4().hex}.xlsx"
    target = Path(settings.IMPORTS_DIR) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return ImportBatch.objects.create(
        showroom=showroom,
        uploaded_by=uploaded_by,
        uploaded_by_name=uploaded_by_name or str(uploaded_by),
        uploaded_at=timezone.now(),
        original_name=original_name[:200],
        file_path=str(relative),
        sha256=file_sha256(target),
    )
