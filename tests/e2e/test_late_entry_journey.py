"""Late entries (补登) in a real browser: the manager signs the day off, a consultant logs a late walk-in (the
form says the day is signed off before anything is typed), the manager approves it from the queue, and the
month's workbook shows it as late while the signed daily report keeps its figures."""

import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from leads.models import LateEntry, RegisterDay, Visit
from reports import services as report_services
from reports.models import DailyReport

from .conftest import DESKTOP, PHONE, expect, follow_nav_link, log_in
from .test_register_journey import zh

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_signed_day_late_walk_in_approved_and_shown_late_in_the_workbook(
    new_page, consultant, manager, log_visit_today, register_now, screenshot, tmp_path
):
    log_visit_today(consultant=consultant, customer_name="王先生", minutes_ago=120, minutes=30)
    today = register_now.date()
    report_services.daily_report_submit(consultant=consultant, day=today, remarks="今天一位客户", expected_version=1)

    # --- The manager signs the register day and 张伟's daily report off.
    desk = log_in(new_page(**DESKTOP), manager)
    follow_nav_link(desk, "/register/review/")
    desk.locator("#sign-off-button").click()
    expect(desk.locator("#sign-off-card .bi-lock-fill")).to_be_visible()
    desk.goto("/reports/daily/review/")
    desk.locator(f"#report-{consultant.pk} button[name=action][value=sign_off]").click()
    expect(desk.locator(f"#report-{consultant.pk} .reopen-form")).to_be_visible()
    assert RegisterDay.objects.get(date=today).is_signed_off
    assert DailyReport.objects.get(consultant=consultant).snapshot["walk_ins"] == 1

    # --- The consultant, on a phone: the form says so before anything is typed.
    phone = log_in(new_page(**PHONE), consultant)
    phone.goto("/register/new/")
    notice = phone.locator("#late-entry")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(today.isoformat())
    screenshot(phone, "late-entry-form-mobile")
    form = phone.locator("#visit-form")
    # Choosing another day asks the server again: an open day hides the notice, the signed one brings it back.
    form.locator("input[name=visit_date]").fill((today - timedelta(days=1)).isoformat())
    expect(notice).to_be_hidden()
    form.locator("input[name=visit_date]").fill(today.isoformat())
    expect(notice).to_be_visible()
    form.locator("input[name=kind][value=walk_in]").check()
    form.locator("input[name=customer_name]").fill("晚到的刘先生")
    form.locator("input[name=phone]").fill("139 8888 6666")
    form.locator("#arrival-shortcuts button[data-minutes='15']").click()
    form.locator("select[name=grade]").select_option("A")
    form.locator("textarea[name=summary]").fill("下班前来看车，约了周末试驾")
    form.locator("input[name=late_reason]").fill("客户在签核后到店")
    form.locator("button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/register/$"))
    expect(phone.locator(".alert-success")).to_contain_text(
        zh("Late entry for %(date)s filed: it joins the register when the manager approves it.", date=today.isoformat())
    )
    assert LateEntry.objects.get().state == "pending"
    assert not Visit.objects.filter(customer_name="晚到的刘先生").exists()

    # --- The manager approves it from the queue on the register review.
    desk.goto("/register/review/")
    queue = desk.locator("#late-queue")
    expect(queue).to_contain_text("晚到的刘先生")
    screenshot(desk, "late-entry-queue-desktop")
    queue.locator("form:has(input[value=approve]) button[type=submit]").click()
    expect(desk.locator("#review-table")).to_contain_text("晚到的刘先生")
    expect(desk.locator("#review-table .badge.text-bg-warning")).to_have_count(1)
    expect(desk.locator("#day-changes")).to_be_visible()
    expect(desk.locator("#day-history")).to_contain_text(zh("late entry approved"))
    screenshot(desk, "late-entry-approved-desktop")
    late = Visit.objects.get(customer_name="晚到的刘先生")
    assert late.late and late.number == 2

    desk.goto("/reports/daily/review/")
    expect(desk.locator(f"#report-{consultant.pk} .since-sign-off")).to_contain_text("+1")
    screenshot(desk, "late-entry-daily-review-desktop")

    # --- The month's workbook: the late entry marked late, the signed report's figures unchanged.
    follow_nav_link(desk, "/reports/exports/")
    export = desk.locator("#export-form")
    export.locator("input[name=month]").fill(register_now.strftime("%Y-%m"))
    with desk.expect_download() as download_info:
        export.locator("#export-submit").click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    workbook = load_workbook(saved)
    register = list(workbook["来店(电)顾客登记表"].iter_rows(min_row=2, values_only=True))[:-1]
    today_rows = [row for row in register if row[1] is not None and row[1].date() == today]
    assert [(row[3], row[-1]) for row in today_rows] == [("王先生", None), ("晚到的刘先生", "补登")]
    daily = list(workbook["营业日报表"].iter_rows(min_row=2, values_only=True))
    (line,) = [row for row in daily if row[0] is not None and row[0] != "合计" and row[0].date() == today]
    assert line[2] == 1  # walk-ins as signed: the late walk-in shows on the register, not in the signed report
