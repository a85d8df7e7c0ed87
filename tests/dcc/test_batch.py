"""A portal's batch file (.xlsx/.csv): headings matched exactly in Chinese and English, a file without what it
needs refused saying what, each row checked by the intake service's own rules for a preview, and the good rows
entered when the clerk confirms: a bad row named by its row number and field, a replay left as it was."""

import re
from datetime import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from dcc.models import OnlineLead, Via
from dcc.services import batch as batch_files
from dcc.services.batch import batch_check, header_columns, heading_key
from dcc.services.intake import online_lead_receive
from tests.conftest import SHANGHAI

CHINESE = ["线索ＩＤ", "客户姓名", " 手机号 ", "城市", "意向车型", "留言", "下发时间", "渠道"]
ENGLISH = ["Lead ID", "Name", "MOBILE", "City", "Model", "Message", "Created"]
FIELDS = ["platform_lead_id", "customer_name", "phone", "city", "car_model_text", "message", "platform_received_at"]


@pytest.fixture(autouse=True)
def imports_dir(settings, tmp_path):
    settings.IMPORTS_DIR = tmp_path / "imports"
    return settings.IMPORTS_DIR


def xlsx(path: Path, header, *rows) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def csv_bytes(header, *rows, encoding="utf-8") -> bytes:
    lines = [",".join(header)] + [",".join(map(str, row)) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def csv_file(path: Path, header, *rows, encoding="utf-8") -> Path:
    path.write_bytes(csv_bytes(header, *rows, encoding=encoding))
    return path


def test_headings_match_in_chinese_and_english_exactly_and_the_others_are_listed():
    chinese = header_columns(tuple(CHINESE))
    assert [column.field for column in chinese] == [*FIELDS, ""]  # full-width Ｉ, spaces and case do not matter
    assert [column.heading for column in chinese if not column.field] == ["渠道"]
    english = header_columns(tuple(ENGLISH))
    assert [column.field for column in english] == FIELDS
    # Nothing close is taken: "手机号码2" is not "手机号码", "Lead" is not "Lead ID".
    near = header_columns(("姓名", "电话", "线索编号", "手机号码2", "Lead"))
    assert [column.field for column in near] == ["customer_name", "phone", "platform_lead_id", "", ""]
    assert heading_key("　Ｌｅａｄ　ＩＤ ") == heading_key("lead id") == "leadid"


def test_a_file_without_a_required_column_is_refused_saying_which(tmp_path, lead_source, manager):
    path = xlsx(tmp_path / "a.xlsx", ["姓名", "电话", "渠道"], ["钱先生", "13655556666", "汽车之家"])
    batch = batch_check(path=path, source=lead_source, entered_by=manager)
    assert batch.error and not batch.rows
    assert "Platform's lead id" in batch.error or "线索" in batch.error
    assert "渠道" in batch.error  # the headings it has, so the clerk sees what it is called there
    assert not OnlineLead.objects.exists()


def test_two_columns_for_one_field_refuse_the_file(tmp_path, lead_source, manager):
    path = csv_file(
        tmp_path / "a.csv", ["线索ID", "姓名", "电话", "手机"], ["A1", "钱先生", "13655556666", "13655557777"]
    )
    batch = batch_check(path=path, source=lead_source, entered_by=manager)
    assert "C “电话”" in batch.error and "D “手机”" in batch.error


def test_each_row_is_checked_by_the_services_rules_without_writing(frozen_clock, tmp_path, lead_source, manager):
    path = xlsx(
        tmp_path / "a.xlsx",
        CHINESE,
        ["AH-1", "钱先生", 13655556666, "朝阳区", "凯美瑞", "周末试驾", "2026-11-21 14:05", "汽车之家"],
        ["AH-2", "孙女士", "12345", "", "", "", datetime(2026, 11, 21, 14, 10), ""],
        ["AH-3", "", "13655557777", "", "", "", "2026-11-21", ""],
        ["AH-1", "钱先生", "13655556666", "", "", "", "", ""],
    )
    batch = batch_check(path=path, source=lead_source, entered_by=manager)
    assert not batch.error
    assert [(row.line, row.status) for row in batch.rows] == [
        (2, "new"),
        (3, "problem"),
        (4, "problem"),
        (5, "problem"),
    ]
    first, bad_phone, no_name, twice = batch.rows
    assert first.values["phone"] == "13655556666"  # a number cell read as its digits
    assert first.values["platform_received_at"] == datetime(2026, 11, 21, 14, 5, tzinfo=SHANGHAI)  # showroom time
    assert bad_phone.values["platform_received_at"] == datetime(2026, 11, 21, 14, 10, tzinfo=SHANGHAI)
    assert [name for name, _label, _message in bad_phone.problems] == ["phone"]
    assert {name for name, _label, _message in no_name.problems} == {"customer_name", "platform_received_at"}
    assert [(name, "2" in message) for name, _label, message in twice.problems] == [("platform_lead_id", True)]
    assert batch.counts() == {"rows": 4, "new": 1, "replay": 0, "problem": 3}
    assert not OnlineLead.objects.exists()


def test_the_preview_costs_the_same_queries_for_any_number_of_rows(
    tmp_path, lead_source, manager, django_assert_num_queries
):
    def previewed(rows: int) -> None:
        path = xlsx(
            tmp_path / f"{rows}.xlsx",
            ("线索ID", "姓名", "电话", "意向车型"),
            *[(f"AH-{n}", f"客户{n}", f"139{n:08d}", "凯美瑞") for n in range(rows)],
        )
        batch = batch_check(path=path, source=lead_source, entered_by=manager)
        assert batch.counts()["new"] == rows

    with django_assert_num_queries(1):  # the file's replays, looked up at once
        previewed(2)
    with django_assert_num_queries(1):
        previewed(40)


def test_a_csv_is_read_as_utf8_with_or_without_its_bom_or_gb18030_and_asked_when_both_read_it(
    tmp_path, lead_source, manager
):
    row = ["AH-1", "钱先生", "13655556666"]
    header = ["线索ID", "客户姓名", "手机"]
    for name, encoding, expected in (("bom", "utf-8-sig", "utf-8-sig"), ("gb", "gb18030", "gb18030")):
        path = csv_file(tmp_path / f"{name}.csv", header, row, encoding=encoding)
        batch = batch_check(path=path, source=lead_source, entered_by=manager)
        assert (batch.error, batch.encoding, batch.rows[0].values["customer_name"]) == ("", expected, "钱先生")
    # Every cell an even number of Chinese characters: these UTF-8 bytes are valid GB18030 too (as mojibake).
    ambiguous = csv_file(tmp_path / "both.csv", ["线索ID", "姓名", "电话"], ["AH-1", "钱多", "13655556666"])
    asked = batch_check(path=ambiguous, source=lead_source, entered_by=manager)
    assert asked.needs_encoding and "姓名" in asked.error and not asked.rows
    told = batch_check(path=ambiguous, source=lead_source, entered_by=manager, encoding="utf-8")
    assert told.rows[0].values["customer_name"] == "钱多"


# --- The pages --------------------------------------------------------------------------------------------------


def upload(client, lead_source, name, content):
    return client.post(
        reverse("dcc:online_lead_upload_batch"), {"source": lead_source.pk, "file": SimpleUploadedFile(name, content)}
    )


def confirm(client, **data):
    kept = client.session["dcc_batch"]["file"]
    return client.post(reverse("dcc:online_lead_batch_confirm"), {"file": kept, **data}, follow=True)


def test_the_clerk_previews_a_file_and_confirms_its_good_rows_only(
    client, frozen_clock, tmp_path, lead_source, manager
):
    client.force_login(manager)
    path = xlsx(
        tmp_path / "portal.xlsx",
        ENGLISH,
        ["AH-1", "钱先生", "13655556666", "", "", "", ""],
        ["AH-2", "孙女士", "12345", "", "", "", ""],
        ["AH-3", "赵女士", "13655557777", "", "凯美瑞", "想试驾", "2026-11-21 14:05"],
    )
    response = upload(client, lead_source, "portal.xlsx", path.read_bytes())
    assert response.status_code == 302
    kept = client.session["dcc_batch"]["file"]
    assert batch_files.batch_file_path(lead_source.showroom, kept) is not None  # waits server-side
    preview = client.get(reverse("dcc:online_lead_batch_preview"))
    assert preview.context["counts"] == {"rows": 3, "new": 2, "replay": 0, "problem": 1}
    problem_rows = [
        (row.line, [name for name, *_rest in row.problems]) for row in preview.context["rows"] if row.problems
    ]
    assert problem_rows == [(3, ["phone"])]
    assert 'data-line="3" data-status="problem"' in preview.content.decode()
    assert not OnlineLead.objects.exists()  # the preview writes nothing

    done = confirm(client)
    entered = OnlineLead.objects.order_by("platform_lead_id")
    assert [(i.platform_lead_id, i.via, i.entered_by) for i in entered] == [
        ("AH-1", Via.BATCH, manager),
        ("AH-3", Via.BATCH, manager),
    ]
    assert entered[1].message == "想试驾"
    assert "dcc_batch" not in client.session
    assert batch_files.batch_file_path(lead_source.showroom, kept) is None  # deleted once entered
    [message] = [str(m) for m in done.context["messages"]]
    assert [int(n) for n in re.findall(r"\d+", message)] == [2, 0, 1]


def test_a_replayed_lead_id_changes_nothing(client, frozen_clock, tmp_path, lead_source, manager):
    earlier, _created = online_lead_receive(
        source=lead_source, via=Via.API, platform_lead_id="AH-1", customer_name="钱先生", phone="13655556666"
    )
    client.force_login(manager)
    content = csv_bytes(["线索ID", "姓名", "电话", "留言"], ["AH-1", "钱老板", "13699998888", "改了"])
    upload(client, lead_source, "again.csv", content)
    preview = client.get(reverse("dcc:online_lead_batch_preview"))
    assert preview.context["counts"] == {"rows": 1, "new": 0, "replay": 1, "problem": 0}
    confirm(client)
    assert list(OnlineLead.objects.values_list("pk", "customer_name", "phone", "message", "via")) == [
        (earlier.pk, "钱先生", "13655556666", "", Via.API)
    ]
    assert earlier.lead.online_inquiries.count() == 1


def test_a_stale_confirmation_enters_nothing(client, frozen_clock, tmp_path, lead_source, manager):
    client.force_login(manager)
    upload(client, lead_source, "a.csv", csv_bytes(["线索ID", "姓名", "电话"], ["AH-1", "钱先生", "13655556666"]))
    response = client.post(reverse("dcc:online_lead_batch_confirm"), {"file": "0" * 32 + ".csv"})
    assert response.status_code == 302
    assert not OnlineLead.objects.exists()


def test_a_refused_file_is_shown_with_its_reason(client, tmp_path, lead_source, manager):
    client.force_login(manager)
    upload(client, lead_source, "a.csv", csv_bytes(["姓名", "电话"], ["钱先生", "13655556666"]))
    preview = client.get(reverse("dcc:online_lead_batch_preview"))
    assert preview.context["batch"].error
    assert 'id="batch-file-error"' in preview.content.decode()
    assert 'id="batch-confirm"' not in preview.content.decode()


def test_only_xlsx_and_csv_are_taken(client, lead_source, manager):
    client.force_login(manager)
    response = upload(client, lead_source, "leads.xls", b"\xd0\xcf\x11\xe0")
    assert response.status_code == 200 and "file" in response.context["batch_form"].errors
    assert "dcc_batch" not in client.session


def test_consultants_cannot_upload_preview_or_confirm(client, tmp_path, lead_source, consultant):
    client.force_login(consultant)
    content = csv_bytes(["线索ID", "姓名", "电话"], ["AH-1", "钱先生", "13655556666"])
    assert upload(client, lead_source, "a.csv", content).status_code == 403
    assert client.get(reverse("dcc:online_lead_batch_preview")).status_code == 403
    assert client.post(reverse("dcc:online_lead_batch_confirm"), {"file": "x"}).status_code == 403
    assert not OnlineLead.objects.exists()
    assert not list(Path(batch_files.settings.IMPORTS_DIR).glob("**/*.csv"))


def test_the_intake_page_offers_the_batch_upload(client, lead_source, manager):
    client.force_login(manager)
    page = client.get(reverse("dcc:online_lead_create")).content.decode()
    assert 'id="batch-upload-form"' in page and reverse("dcc:online_lead_upload_batch") in page


def test_the_confirmation_checks_the_file_again(client, frozen_clock, lead_source, manager):
    client.force_login(manager)
    upload(client, lead_source, "a.csv", csv_bytes(["线索ID", "姓名", "电话"], ["AH-1", "钱先生", "13655556666"]))
    assert client.get(reverse("dcc:online_lead_batch_preview")).context["counts"]["new"] == 1
    lead_source.active = False  # switched off by the manager between the preview and the confirmation
    lead_source.save(update_fields=["active"])
    done = confirm(client)
    assert not OnlineLead.objects.exists()
    [message] = [str(m) for m in done.context["messages"]]
    assert [int(n) for n in re.findall(r"\d+", message)] == [0, 0, 1]
