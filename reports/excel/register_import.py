"""Import of legacy visitor registers kept in Excel (来店(电)顾客登记表 as .xlsx), years of them at once if need be.

Nothing is guessed: every column of the file is either read into a register field or listed as ignored, every
value of a reference column is matched or put to the user, and a file that lacks a column the register needs is
refused. Three steps, shared by the upload pages and `manage.py import_register`:

1. parse: find the header row below any title or showroom line; match each heading, after `header_key` has
   normalised it (full-width/half-width, case, spaces, punctuation, the order of pairs like 来店/来电), against
   HEADER_SYNONYMS and the CRM's own workbook headers in both languages. Then read every row into typed values:
   dates as Excel dates or serials or "2025-03-08", "2025/3/8", "2025年3月8日"; times as Excel times or "14:30";
   a combined "进店-离去" cell "14:30-15:10".
2. match: a value of a reference column (kind, gender, grade, information source, car model, district,
   consultant) is matched by its exact name or code, then by the admin's ImportSynonym list, then by the user's
   own mapping. Anything else is an unmatched value, counted per spelling with a close match to confirm; its
   rows are refused until the user says what it stands for (or, for an optional column, to keep it in the
   remarks).
3. check: every rule the register's service applies (phone normal form, departure after arrival, on the same
   day, not in the future, not on a signed-off day), reported per row in the user's language; duplicates are
   skipped rather than refused.
4. apply: the valid rows, in one transaction, each through leads.services.register.visit_register (so the register's
   rules and the lead tracker apply to them exactly as to an entry typed in), keeping the original dates and
   consultants. The rejected rows are written back as an .xlsx with an error column, so nothing is lost.

A duplicate is a row with the same showroom, date, arrival time (to the minute), customer name and phone as an
entry already in the register or an earlier row of the file. Looked up before inserting (one query per file),
and guarded in the database by ImportedRow's unique constraint, which settles two imports of the same file
running at the same moment.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
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
from django.utils.translation import pgettext, pgettext_lazy
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from dealer_crm.core.excel import RAW, TEXT, Col, new_workbook, write_sheet
from dealer_crm.core.models import CarModel, District, InformationSource, Showroom, User
from dealer_crm.core.phones import normalize_phone
from leads.models import VISIT_GRADES, Gender, Visit, VisitKind
from leads.selectors.register import register_days_for
from leads.services.register import CLOCK_SKEW, VISIT_FIELDS, visit_register

from ..models import ImportBatch, ImportedRow, ImportSynonym

HEADER_SCAN_ROWS = 15  # a title, a showroom line, a blank line … the header is near the top
MIN_HEADER_MATCHES = 4

# --- Headers ------------------------------------------------------------------------------------------------------

# Column -> what it is called on the paper forms (the filling rules, the automaker's 展厅来电/店登记表 and
# 潜客信息卡), in other people's spreadsheets and in English. Compared through `header_key`, so 来电/来店 is
# 来店/来电 and "Phone No." is "phone no"; the workbook's own headers, in both languages, are added by
# `header_names`. The keys are the register's fields (leads.services.register.VISIT_FIELDS) plus:
#   visit_date, arrival_departure: the entry's date; arrival and departure in one cell ("14:30-15:10");
#   number, duration: worked out by the CRM (the day's running number, departure minus arrival): not read;
#   in_remarks: on the paper form but not in the register: kept in the remarks as "heading: value".
HEADER_SYNONYMS: dict[str, list[str]] = {
    "visit_date": [
        "日期", "登记日期", "来店日期", "来电日期", "来店(电)日期", "来店/来电日期", "到店日期", "进店日期",
        "来访日期", "到访日期", "接待日期", "咨询日期", "date", "visit date", "registration date", "date of visit",
    ],
    "kind": [
        "来店/来电", "来店(电)", "来电(店)", "来店/电", "来电/店", "店/电", "来店或来电", "来店来电", "进店/来电",
        "类型", "方式", "来访方式", "接待方式", "walk-in or call", "walk-in/call",
        "visit or call", "type", "kind", "contact type",
    ],
    "customer_name": [
        "客户姓名", "姓名", "客户", "客户名称", "顾客姓名", "顾客名称", "顾客", "来店(电)客户姓名", "客户称呼",
        "name", "customer", "customer name", "client", "client name",
    ],
    "gender": ["性别", "男/女", "gender", "sex"],
    "phone": [
        "电话", "手机", "联系电话", "手机号", "手机号码", "联系方式", "移动电话", "电话号码", "客户电话",
        "phone", "mobile", "tel", "telephone", "phone number", "mobile number", "contact number", "contact",
    ],
    "address": ["区域/地址", "地址", "住址", "联系地址", "客户地址", "居住地", "district/address", "address"],
    "district": ["区域", "所在区域", "县/区", "区县", "地区", "片区", "district", "area", "region"],
    "car_model": [
        "拟购车型", "意向车型", "车型", "关注车型", "咨询车型", "感兴趣车型", "拟购车型(时间)",
        "model of interest", "model", "car model", "vehicle", "vehicle of interest",
    ],
    "source": [
        "信息来源", "来源", "获知渠道", "获知途径", "信息渠道", "客户来源", "渠道来源", "来店(电)信息来源",
        "information source", "source", "lead source", "how did you hear",
    ],
    "arrived_at": [
        "进店时间", "到店时间", "来店时间", "来电时间", "开始时间", "进店", "到店", "arrival", "arrived",
        "arrival time", "start", "start time", "time in",
    ],
    "left_at": [
        "离去时间", "离店时间", "离开时间", "结束时间", "离去", "离店", "departure", "departure time", "left",
        "end", "end time", "time out",
    ],
    "arrival_departure": [
        "进店-离去时间", "进店-离去", "进-离", "进-离时间", "到店-离店时间", "到店-离店", "进店离去时间",
        "来去时间", "接待时间", "时间", "arrival-departure", "time", "times", "time in-out",
    ],
    "party_size": ["人数", "来店人数", "同行人数", "party size", "people", "persons", "group size"],
    "grade": [
        "意向级别", "级别", "客户级别", "意向等级", "初始级别", "客户初始级别", "intent grade", "grade",
        "intent", "rating",
    ],
    "summary": [
        "洽谈经过", "洽谈内容", "洽谈摘要", "洽谈情况", "接待经过", "接待情形", "接待情况", "沟通内容",
        "talk summary", "summary", "conversation", "notes",
    ],
    "consultant": [
        "销售顾问", "接待人", "接待顾问", "顾问", "接待", "接待销售顾问", "值班销售员", "销售员", "业务代表",
        "接待人员", "consultant", "sales consultant", "salesperson", "sales rep", "received by", "sales",
    ],
    "remarks": ["备注", "remarks", "remark", "comment", "comments", "note"],
    "number": ["序号", "编号", "no", "number", "#", "serial"],
    "duration": ["时长", "停留时间", "接待时长", "duration", "duration (minutes)", "minutes"],
    "in_remarks": [
        "追踪后级别", "结案情形", "结案情况", "咨询类型", "follow-up grade", "grade after follow-up", "outcome",
        "result",
    ],
}  # fmt: skip
IGNORED_FIELDS = ("number", "duration")
REFERENCE_COLUMNS = ("kind", "gender", "grade", "source", "car_model", "district", "consultant")

# The workbook's own column of each field (reports.excel.workbook.register_columns keys), so an exported register
# reads back whichever language it was written in.
EXPORT_KEYS = {
    "number": "number",
    "date": "visit_date",
    "kind": "kind",
    "customer": "customer_name",
    "gender": "gender",
    "phone": "phone",
    "address": "address",
    "model": "car_model",
    "source": "source",
    "arrival": "arrived_at",
    "departure": "left_at",
    "duration": "duration",
    "party": "party_size",
    "grade": "grade",
    "summary": "summary",
    "consultant": "consultant",
    "remarks": "remarks",
}
# What a file must have, each as the columns any one of which will do. The kind may instead be given for the
# whole file (a register of calls only), never assumed.
REQUIRED_COLUMNS = (
    ("visit_date",),
    ("customer_name",),
    ("kind",),
    ("arrived_at", "arrival_departure"),
    ("left_at", "arrival_departure"),
    ("consultant",),
)

NO_PHONE_WORDS = {"无", "没有", "未留", "不留", "不愿留", "拒留", "none", "no", "na", ""}
TOTAL_WORDS = {"合计", "总计", "小计", "total", "totals", "sum"}

DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
TIME_PATTERN = re.compile(r"^(\d{1,2})\s*[:.点时]\s*(\d{1,2})(?:\s*:\s*\d{1,2})?\s*分?$")
RANGE_SEPARATOR = re.compile(r"\s*(?:-|–|—|~|至|到)\s*")
PAIR_SEPARATORS = re.compile(r"[/|、,;\\\-–—~]+")


def normalise(text) -> str:
    """A value as compared: full-width as half-width (NFKC), lower case, letters and digits only."""
    return "".join(char for char in unicodedata.normalize("NFKC", str(text)).lower() if char.isalnum())


def header_key(text) -> str:
    """A heading as compared: `normalise`d parts in a fixed order, so 来电/来店 is 来店/来电."""
    parts = PAIR_SEPARATORS.split(unicodedata.normalize("NFKC", str(text)))
    return "/".join(sorted(key for key in map(normalise, parts) if key))


def header_names() -> dict[str, str]:
    """Every known heading (header_key) -> column, the workbook's own headers in both languages included."""
    from .workbook import register_columns

    names = {header_key(name): key for key, synonyms in HEADER_SYNONYMS.items() for name in synonyms}
    for language, _label in settings.LANGUAGES:
        with translation.override(language):
            for column in register_columns():
                if column.key in EXPORT_KEYS:  # not "late": the CRM's own mark, never imported
                    names[header_key(str(column.header))] = EXPORT_KEYS[column.key]
    return names


OTHER_LABELS = {
    "visit_date": pgettext_lazy("excel", "Date"),
    "arrival_departure": pgettext_lazy("excel", "Arrival–departure"),
    "number": pgettext_lazy("excel", "No."),
    "duration": pgettext_lazy("excel", "Duration (minutes)"),
}


def column_label(name: str) -> str:
    """What a column of the register is called, in the active language (the register's own field names)."""
    if name in OTHER_LABELS:
        return str(OTHER_LABELS[name])
    return str(Visit._meta.get_field(name).verbose_name)


# --- Parsing ----------------------------------------------------------------------------------------------------


@dataclass
class Column:
    """One column of the file and what becomes of it: read into `field`, kept in the remarks, or ignored."""

    index: int
    heading: str
    field: str = ""  # the register column it fills; "" when ignored
    ignored_because: str = ""
    has_data: bool = False

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)

    @property
    def status(self) -> str:
        return "ignored" if not self.field else "remarks" if self.field == "in_remarks" else "mapped"

    @property
    def field_label(self) -> str:
        return column_label(self.field) if self.status == "mapped" else ""

    @property
    def warns(self) -> bool:
        """An ignored column the CRM cannot account for, with something in it: data that will not be imported."""
        return self.status == "ignored" and self.has_data and self.ignored_because != "own"


@dataclass
class Unmatched:
    """A value of a reference column that matches nothing in the CRM by name, code or synonym, as written, with
    the rows it is on; `suggestion` is a close match for the user to confirm, `chosen` what the user mapped it to
    (an option key of the column's Vocabulary)."""

    field: str
    text: str
    count: int = 0
    suggestion: str = ""
    suggestion_label: str = ""
    chosen: str = ""

    @property
    def label(self) -> str:
        return column_label(self.field)


@dataclass
class Row:
    """One line of the file: the cells as they were, what was read from them, and what is wrong with it."""

    line: int  # the row number in the sheet, as Excel shows it
    cells: tuple  # the original values, in the file's column order
    values: dict = field(default_factory=dict)  # field -> typed value
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicate: bool = False

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
    """A file's register: its sheet, header, columns and rows, or the reason it could not be read."""

    sheet: str = ""
    header_line: int = 0
    header: tuple = ()
    columns: list[Column] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    unmatched: dict[tuple[str, str], Unmatched] = field(default_factory=dict)  # (field, normalised) -> value
    file_kind: str = ""  # the kind of every row of a file without a kind column, as the user said
    error: str = ""
    needs_kind: bool = False  # refused only for want of a kind column: the user may give the file's kind

    @property
    def fields(self) -> dict[str, int]:
        """Register column -> index of the file's column it is read from."""
        return {column.field: column.index for column in self.columns if column.status == "mapped"}

    @property
    def still_unmatched(self) -> list[Unmatched]:
        return [value for value in self.unmatched.values() if not value.chosen]

    @property
    def warnings(self) -> list[str]:
        """What the file says that will not be imported as it stands (under --strict, each refuses the file)."""
        notes = [
            _("Column %(letter)s “%(heading)s” is not imported.") % {"letter": column.letter, "heading": column.heading}
            for column in self.columns
            if column.warns
        ]
        return notes + [f"{row.line}: {warning}" for row in self.rows for warning in row.warnings]

    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            "valid": sum(1 for row in self.rows if row.ok),
            "duplicates": sum(1 for row in self.rows if row.duplicate),
            "rejected": sum(1 for row in self.rows if row.rejected),
            "warnings": len(self.warnings),
        }


def find_header(rows: list[tuple], names: dict[str, str]) -> int | None:
    """The row that names the most known columns (at least MIN_HEADER_MATCHES): a title or showroom line above it
    names one at most."""
    best, best_count = None, MIN_HEADER_MATCHES - 1
    for index, row in enumerate(rows):
        count = len({names.get(header_key(cell)) for cell in row if cell is not None} - {None})
        if count > best_count:
            best, best_count = index, count
    return best


def header_columns(header: tuple, names: dict[str, str]) -> list[Column]:
    """Every column of the header and what becomes of it; the first column of a field wins, a second is ignored."""
    columns, taken = [], set()
    for index, cell in enumerate(header):
        heading = "" if cell is None else str(cell).strip()
        name = names.get(header_key(heading)) if heading else None
        column = Column(index=index, heading=heading)
        if name in IGNORED_FIELDS:
            column.ignored_because = "own"
        elif name is None:
            column.ignored_because = "unknown" if heading else "no_heading"
        elif name in taken and name != "in_remarks":
            column.ignored_because = "second"
        else:
            column.field = name
            taken.add(name)
        columns.append(column)
    return columns


def missing_columns(columns: list[Column], *, file_kind: str) -> list[str]:
    present = {column.field for column in columns} | ({"kind"} if file_kind else set())
    return [column_label(group[0]) for group in REQUIRED_COLUMNS if not present.intersection(group)]


def read_register(path, *, file_kind: str = "") -> Parsed:
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
            header_index = find_header(top, names)
            if header_index is None:
                continue
            parsed = Parsed(sheet=ws.title, header_line=header_index + 1, header=top[header_index])
            parsed.columns = header_columns(parsed.header, names)
            missing = missing_columns(parsed.columns, file_kind=file_kind)
            if missing:
                parsed.error = _("The register's header has no column for: %(columns)s.") % {
                    "columns": ", ".join(missing)
                }
                parsed.needs_kind = missing == [column_label("kind")]
                return parsed
            if "kind" not in parsed.fields:
                parsed.file_kind = file_kind
            line = header_index + 1
            for cells in chain(top[header_index + 1 :], rows):
                line += 1
                if cells is None or all(cell is None or str(cell).strip() == "" for cell in cells):
                    continue
                first = next((cell for cell in cells if cell is not None and str(cell).strip()), "")
                if normalise(first) in TOTAL_WORDS:
                    continue  # the form's totals line
                parsed.rows.append(Row(line=line, cells=tuple(cells)))
                note_columns_with_data(parsed, cells)
            return parsed
    finally:
        workbook.close()
    return Parsed(error=_("No sheet of this workbook has a register header (日期, 客户姓名, 电话, 进店时间, …)."))


def note_columns_with_data(parsed: Parsed, cells: tuple) -> None:
    for index, cell in enumerate(cells):
        if cell is None or str(cell).strip() == "":
            continue
        if index >= len(parsed.columns):  # something written beyond the header's last heading
            parsed.columns.extend(
                Column(index=extra, heading="", ignored_because="no_heading")
                for extra in range(len(parsed.columns), index + 1)
            )
        parsed.columns[index].has_data = True


# --- Reference values ------------------------------------------------------------------------------------------

KEEP = "-"  # the user's answer "none of these: keep what the file says in the remarks" (optional columns only)


@dataclass
class Vocabulary:
    """The values one reference column can take, each under an option key (a pk or a code), and the spellings
    that name each: exact names and codes (in both languages) and the admin's synonyms."""

    field: str
    optional: bool  # may be left empty, the file's text kept in the remarks
    options: dict[str, tuple[str, object]] = field(default_factory=dict)  # key -> (label, value)
    names: dict[str, str] = field(default_factory=dict)  # normalised name or code -> key
    synonyms: dict[str, str] = field(default_factory=dict)  # normalised synonym -> key

    def add(self, key: str, label: str, value, *names: str) -> None:
        self.options[key] = (label, value)
        for name in names:
            if normalise(name):
                self.names.setdefault(normalise(name), key)

    def exact(self, text: str) -> str:
        """The option a spelling names by name, code or synonym; "" when none."""
        key = normalise(text)
        return self.names.get(key) or self.synonyms.get(key, "")

    def close(self, text: str) -> str:
        """The option whose name or synonym is nearest to `text`, for the user to confirm; "" when none is near."""
        spellings = {**self.synonyms, **self.names}
        nearest = difflib.get_close_matches(normalise(text), list(spellings), n=1, cutoff=0.6)
        return spellings[nearest[0]] if nearest else ""

    def value(self, key: str):
        return self.options[key][1]


def in_all_languages(choices) -> list[tuple[str, list[str]]]:
    """(value, [its label in each UI language, the value itself]) for a TextChoices' choices."""
    spellings: dict[str, list[str]] = {value: [value] for value, _label in choices}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for value, label in choices:
                spellings[value].append(str(label))
    return list(spellings.items())


@dataclass
class Reference:
    """The showroom's values the rows are matched against, loaded once per file (a fixed few queries)."""

    showroom: Showroom
    vocabularies: dict[str, Vocabulary]
    districts: dict[str, District]

    @classmethod
    def load(cls, showroom: Showroom) -> Reference:
        vocabularies = shared_vocabularies()
        consultants = vocabularies["consultant"] = Vocabulary("consultant", optional=False)
        staff = User.objects.filter(showroom=showroom, is_active=True).order_by("last_name", "first_name", "username")
        for user in staff:
            consultants.add(str(user.pk), str(user), user, user.get_full_name(), user.username)
        districts = list(District.objects.active().filter(showroom=showroom))
        vocabularies["district"] = Vocabulary("district", optional=True)
        for district in districts:
            vocabularies["district"].add(str(district.pk), district.name, district, district.name)
        for synonym in ImportSynonym.objects.all():
            target = vocabularies[synonym.column]
            key = target.exact(synonym.meaning)
            if key:
                target.synonyms[normalise(synonym.synonym)] = key
        # Longest first, so 朝阳区 is found in "朝阳区建国路" before a district called 朝阳.
        by_length = sorted(districts, key=lambda district: -len(district.name))
        return cls(showroom, vocabularies, {district.name: district for district in by_length})


def shared_vocabularies() -> dict[str, Vocabulary]:
    """The reference columns whose values are the same for every showroom (2 queries)."""
    vocabularies = {
        "kind": Vocabulary("kind", optional=False),
        "gender": Vocabulary("gender", optional=True),
        "grade": Vocabulary("grade", optional=True),
        "source": Vocabulary("source", optional=True),
        "car_model": Vocabulary("car_model", optional=True),
    }
    models = list(CarModel.objects.active())
    name_count: dict[str, int] = {}
    for model in models:
        name_count[normalise(model.name)] = name_count.get(normalise(model.name), 0) + 1
    for model in models:  # the model's name alone when no other brand uses it
        alone = [model.name] if name_count[normalise(model.name)] == 1 else []
        vocabularies["car_model"].add(str(model.pk), str(model), model, f"{model.brand}{model.name}", *alone)
    for source in InformationSource.objects.active():
        vocabularies["source"].add(str(source.pk), str(source), source, source.name_zh, source.name_en, source.code)
    for value, spellings in in_all_languages(VisitKind.choices):
        vocabularies["kind"].add(value, str(VisitKind(value).label), value, *spellings)
    for value, spellings in in_all_languages([choice for choice in Gender.choices if choice[0]]):
        vocabularies["gender"].add(value, str(Gender(value).label), value, *spellings)
    for grade in VISIT_GRADES:
        vocabularies["grade"].add(grade, grade, grade, grade)
    return vocabularies


def synonym_meaning_error(*, column: str, meaning: str) -> str:
    """Why an admin's synonym cannot stand for `meaning` ("" when it can): it must name a value of that column by
    its exact name or code (a district: of any showroom)."""
    if column == "district":
        known = District.objects.filter(name=meaning).exists()
    else:
        known = bool(shared_vocabularies()[column].names.get(normalise(meaning)))
    if known:
        return ""
    return _("“%(value)s” is not the name or code of a %(column)s in the CRM.") % {
        "value": meaning,
        "column": ImportSynonym.Column(column).label,
    }


def mapping_read(reference: Reference, column: str, pairs: Iterable[str]) -> dict[str, str]:
    """The command line's `--map-<column> TEXT=VALUE` pairs as {normalised TEXT: option key}; VALUE is a name or
    code, or "-" to keep the text in the remarks (optional columns). ValueError names the pair that is wrong."""
    vocabulary = reference.vocabularies[column]
    mapping = {}
    for pair in pairs:
        text, _sep, meaning = pair.partition("=")
        key = KEEP if meaning.strip() == KEEP and vocabulary.optional else vocabulary.exact(meaning)
        if not normalise(text) or not key:
            raise ValueError(pair)
        mapping[normalise(text)] = key
    return mapping


def parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and 20000 < value < 80000:  # an Excel serial date left unformatted
        return from_excel(value).date()
    text = unicodedata.normalize("NFKC", text_of(value))
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
    match = TIME_PATTERN.match(unicodedata.normalize("NFKC", str(value)).strip())
    if not match:
        raise ValueError(value)
    return time(int(match.group(1)), int(match.group(2)))


def parse_range(value) -> tuple[time, time]:
    parts = RANGE_SEPARATOR.split(unicodedata.normalize("NFKC", str(value)).strip())
    if len(parts) != 2:
        raise ValueError(value)
    return parse_time(parts[0]), parse_time(parts[1])


def text_of(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class RowReader:
    """Reads one file's rows against the showroom's reference values and the user's mappings, collecting the
    unmatched values on the way (Parsed.unmatched)."""

    def __init__(self, parsed: Parsed, reference: Reference, mappings: dict[str, dict[str, str]]):
        self.parsed, self.reference, self.mappings = parsed, reference, mappings
        self.fields = parsed.fields
        self.kept_columns = [column for column in parsed.columns if column.status == "remarks"]

    def match(self, row: Row, name: str, text: str, remarks: list[str]):
        """The reference value `text` stands for, or None: blank, kept in the remarks at the user's word, or
        unmatched (then the row is refused until the user maps it)."""
        if not text:
            return None
        vocabulary = self.reference.vocabularies[name]
        key = vocabulary.exact(text)
        if key:
            return vocabulary.value(key)
        normalised = normalise(text)
        unmatched = self.parsed.unmatched.get((name, normalised))
        if unmatched is None:
            suggestion = vocabulary.close(text)
            label = vocabulary.options[suggestion][0] if suggestion else ""
            unmatched = Unmatched(field=name, text=text, suggestion=suggestion, suggestion_label=label)
            self.parsed.unmatched[(name, normalised)] = unmatched
        unmatched.count += 1
        chosen = self.mappings.get(name, {}).get(normalised, "")
        if chosen == KEEP and vocabulary.optional:
            unmatched.chosen = KEEP
            remarks.append(f"{column_label(name)}: {text}")
            row.warnings.append(
                _("%(column)s “%(value)s” is kept in the remarks.") % {"column": column_label(name), "value": text}
            )
            return None
        if chosen in vocabulary.options:
            unmatched.chosen = chosen
            return vocabulary.value(chosen)
        row.errors.append(
            _("%(column)s “%(value)s” matches nothing in the CRM: say what it stands for.")
            % {"column": column_label(name), "value": text}
        )
        return None

    def read(self, row: Row) -> None:
        """Fill row.values (every field of VISIT_FIELDS, and the date) from its cells, adding an error (in the active
        language) for every cell that is wrong."""

        def cell(name: str):
            index = self.fields.get(name)
            if index is None or index >= len(row.cells):
                return None
            value = row.cells[index]
            return None if isinstance(value, str) and not value.strip() else value

        values, errors = row.values, row.errors
        remarks = [text_of(cell("remarks"))]

        name = text_of(cell("customer_name"))
        if not name:
            errors.append(_("The customer's name (or “Mr. Wang / Ms. Li”) is missing."))
        values["customer_name"] = name[:50]

        raw_date = cell("visit_date")
        values["visit_date"] = None
        if raw_date is None:
            errors.append(_("The date is missing."))
        else:
            try:
                values["visit_date"] = parse_date(raw_date)
            except (ValueError, TypeError, OverflowError):
                errors.append(_("“%(value)s” is not a date (write 2025-03-08).") % {"value": text_of(raw_date)})
        self.read_times(row, cell)

        if self.parsed.file_kind:
            values["kind"] = self.parsed.file_kind
        elif cell("kind") is None:
            errors.append(_("Walk-in or call is not filled in."))
        else:
            values["kind"] = self.match(row, "kind", text_of(cell("kind")), remarks)
        if values.get("kind"):
            values["kind_label"] = str(VisitKind(values["kind"]).label)

        values["gender"] = self.match(row, "gender", text_of(cell("gender")), remarks) or ""
        if not cell("gender") and name:  # "王先生" / "李女士": the salutation says it
            values["gender"] = Gender.MALE if name.endswith("先生") else Gender.FEMALE if name.endswith("女士") else ""

        phone_text = text_of(cell("phone"))
        values["phone"], values["no_phone"] = "", True
        if normalise(phone_text) not in NO_PHONE_WORDS:
            try:
                values["phone"], values["no_phone"] = normalize_phone(phone_text), False
            except ValidationError as error:
                errors.append(f"{phone_text}: {' '.join(error.messages)}")

        self.read_place(row, cell, remarks)
        values["car_model"] = self.match(row, "car_model", text_of(cell("car_model")), remarks)
        values["source"] = self.match(row, "source", text_of(cell("source")), remarks)

        try:
            values["party_size"] = int(text_of(cell("party_size")) or 1)
            if values["party_size"] < 1:
                raise ValueError
        except ValueError:
            errors.append(_("The party size must be a whole number of 1 or more."))

        grade_text = text_of(cell("grade")).upper().removesuffix("级")
        values["grade"] = self.match(row, "grade", grade_text, remarks) or ""
        if values["grade"] and values["no_phone"]:
            errors.append(_("Only a customer who left a phone number can be graded."))
        values["summary"] = text_of(cell("summary"))

        consultant_name = text_of(cell("consultant"))
        values["consultant"] = self.match(row, "consultant", consultant_name, remarks)
        if not consultant_name:
            errors.append(_("The consultant is missing."))

        for column in self.kept_columns:
            text = text_of(row.cells[column.index]) if column.index < len(row.cells) else ""
            if text:
                remarks.append(f"{column.heading}: {text}")
        values["remarks"] = "; ".join(part for part in remarks if part)

    def read_times(self, row: Row, cell) -> None:
        arrival = departure = None
        try:
            if cell("arrived_at") is not None:
                arrival = parse_time(cell("arrived_at"))
            if cell("left_at") is not None:
                departure = parse_time(cell("left_at"))
            if (arrival is None or departure is None) and cell("arrival_departure") is not None:
                arrival, departure = parse_range(cell("arrival_departure"))
        except (ValueError, TypeError):
            row.errors.append(_("The arrival and departure times must be like 14:30, or 14:30-15:10 in one cell."))
        else:
            if arrival is None:
                row.errors.append(_("The arrival time is missing."))
            if departure is None:
                row.errors.append(_("The departure time is missing."))
        visit_date, zone = row.values["visit_date"], self.reference.showroom.zone
        if visit_date and arrival and departure:
            row.values["arrived_at"] = datetime.combine(visit_date, arrival, tzinfo=zone)
            row.values["left_at"] = datetime.combine(visit_date, departure, tzinfo=zone)

    def read_place(self, row: Row, cell, remarks: list[str]) -> None:
        """A district column is matched like any reference column; without one, an address that starts with one
        of the showroom's districts ("朝阳区 建国路") gives it, and the rest is the address."""
        address = text_of(cell("address"))
        row.values["address"] = address[:200]
        if "district" in self.fields:
            row.values["district"] = self.match(row, "district", text_of(cell("district")), remarks)
            return
        row.values["district"] = None
        for district_name, district in self.reference.districts.items():
            if address.startswith(district_name):
                row.values["district"] = district
                row.values["address"] = address[len(district_name) :].strip()[:200]
                break


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
    path,
    *,
    showroom: Showroom,
    mappings: dict[str, dict[str, str]] | None = None,
    file_kind: str = "",
    reference: Reference | None = None,
    now: datetime | None = None,
) -> Parsed:
    """Read, match and check a register file; nothing is written. Rows keep the file's order.

    `mappings`: per reference column, {normalised text: option key} for the values the user has said; `file_kind`:
    the kind of every row of a file that has no kind column (VisitKind value), as the user said."""
    parsed = read_register(path, file_kind=file_kind)
    if parsed.error:
        return parsed
    reader = RowReader(parsed, reference or Reference.load(showroom), mappings or {})
    for row in parsed.rows:
        reader.read(row)
    check_rows(parsed.rows, showroom, now=now or timezone.now())
    return parsed


# --- Applying -----------------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    imported: int
    duplicates: int
    rejected: int
    rejected_rows: list[Row]


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
                        **{name: values[name] for name in VISIT_FIELDS},
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
    cells = ([*row.cells, *[None] * (width - len(row.cells)), str(row.line), " ".join(row.errors)] for row in rows)
    workbook = new_workbook()
    count = write_sheet(workbook, pgettext("excel", "Rejected rows"), columns, cells)
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
