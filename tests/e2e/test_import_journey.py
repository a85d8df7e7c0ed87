"""Importing a legacy register on a phone: the manager uploads a file whose sources are written the short way,
sees what becomes of each column and the values that match nothing, confirms the close match offered, and imports.
"""

import re

import pytest
from openpyxl import Workbook

from leads.models import Visit

from .conftest import PHONE, expect, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_manager_maps_an_unmatched_source_on_a_phone_and_imports(
    new_page, manager, consultant, tmp_path, settings, screenshot
):
    settings.IMPORTS_DIR = tmp_path / "imports"
    workbook = Workbook()
    for row in [
        ["北京一店 来店(电)顾客登记表"],
        ["登记日期", "来电/来店", "顾客姓名", "手机号", "进店-离去时间", "接待人", "获知渠道", "天气"],
        ["2026-11-16", "来店", "甲先生", "13800138041", "10:00-10:30", "张伟", "亲友会", "晴"],
        ["2026-11-16", "来电", "乙女士", "", "11:00-11:05", "张伟", "网上", ""],
    ]:
        workbook.active.append(row)
    register = tmp_path / "legacy.xlsx"
    workbook.save(register)

    page = log_in(new_page(**PHONE), manager)
    page.goto("/reports/imports/")
    page.locator("input[type=file][name=file]").set_input_files(str(register))
    page.locator("#import-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))

    columns = page.locator("#import-columns tbody tr")
    expect(columns).to_have_count(8)
    expect(page.locator("#import-columns tr[data-status=ignored]")).to_have_count(1)  # 天气
    unmatched = page.locator("#import-unmatched [data-column=source]")
    expect(unmatched).to_have_count(1)  # 网上 is a synonym of 网络; 亲友会 is not
    expect(page.locator("#import-submit")).to_be_disabled()
    screenshot(page, "import-preview-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone

    # The close match (亲友介绍) is preselected; the user checks it and the file reads again.
    page.locator("#import-check-again").click()
    expect(page.locator("#import-submit")).to_be_enabled()
    page.locator("#import-submit").click()
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    assert dict(Visit.objects.values_list("customer_name", "source__code")) == {"甲先生": "friends", "乙女士": "web"}
