"""The reports in a real browser (issue 6).

A consultant on a phone opens their daily report from the navbar, sees the day's lines compiled from what they
entered and submits it with a remark. The manager, at the desk, opens the day's review from the navbar, writes
their instructions (主管指示) on the report and signs it off: the card locks. Then the dashboard: every chart is
drawn by Chart.js from the page's JSON, each has its table beside it, and it works on a phone too.

Like the other journeys: the real clock (dates are showroom-local, from `register_now`), elements found by id,
name or data attribute, expected text run through the zh-hans catalogue; screenshots in test-artifacts/.
"""

import re
from datetime import datetime, timedelta

import pytest

from leads.models import Lead
from leads.services import register as services
from leads.services.tracker import contact_record
from reports import integrity_services
from reports.models import DailyReport
from tests.factories import CarModelFactory, DistrictFactory, source
from tests.i18n import zh

from .conftest import DESKTOP, PHONE, expect, follow_nav_link, log_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ALL_CHARTS_DRAWN = """() => {
    const canvases = [...document.querySelectorAll("canvas[data-chart]")];
    return canvases.length > 0 && canvases.every((canvas) => {
        const chart = window.Chart && Chart.getChart(canvas);
        return chart && chart.data.datasets.length > 0 && canvas.width > 0;
    });
}"""


def to_top(page):
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_function("window.scrollY === 0")


def fill_the_month(showroom, consultants, today):
    """Three weeks of register before today, through the service: walk-ins and calls at different hours, some
    without a phone, a test drive and an order, so every chart has something to draw."""
    chaoyang = DistrictFactory(showroom=showroom, name="朝阳区")
    haidian = DistrictFactory(showroom=showroom, name="海淀区")
    car = CarModelFactory(brand="丰田", name="凯美瑞")
    sources = ["web", "friends", "passing_by", "tv", "web", "auto_show"]
    phone = 13600000000
    for offset in range(1, 22):
        day = today - timedelta(days=offset)
        for n in range(2 + (3 if day.weekday() >= 5 else 0) + offset % 3):
            who = consultants[n % len(consultants)]
            hour = [9, 10, 11, 13, 14, 15, 16, 18, 19][(n + offset) % 9]
            minutes = [8, 15, 25, 35, 45, 70, 130][(n * 3 + offset) % 7]
            arrived = datetime(day.year, day.month, day.day, hour, (n * 7) % 50, tzinfo=showroom.zone)
            kind = "call" if (n + offset) % 5 == 0 else "walk_in"
            leaves_phone = (n + offset) % 3 != 0
            phone += 1
            visit = services.visit_register(
                showroom=showroom,
                created_by=who,
                visit_date=day,
                kind=kind,
                customer_name="王先生" if n % 2 else "李女士",
                phone=str(phone) if leaves_phone else "",
                no_phone=not leaves_phone,
                source=source(sources[(n + offset) % len(sources)]),
                district=[chaoyang, haidian, None][(n + offset) % 3],
                arrived_at=arrived,
                left_at=arrived + timedelta(minutes=minutes if kind == "walk_in" else 6),
                grade=["A", "B", "C", "H"][n % 4] if leaves_phone else "",
                summary="看了凯美瑞，关心油耗和价格",
                consultant=who,
            )
            if leaves_phone and offset > 2 and n % 3 == 1:
                lead = Lead.objects.get(contacts__visit=visit)
                when = arrived + timedelta(days=1, hours=1)
                contact_record(
                    lead=lead,
                    by=who,
                    kind="test_drive",
                    occurred_at=when,
                    grade_after="A",
                    model_driven=car,
                    licence_number="110101199001011234",
                    agreement_signed=True,
                    expected_version=lead.version,
                )
                if n % 2:
                    contact_record(
                        lead=lead,
                        by=who,
                        kind="order",
                        occurred_at=when + timedelta(days=1),
                        grade_after="O",
                        expected_version=lead.version,
                    )


def test_consultant_submits_the_manager_comments_and_signs_off_and_the_dashboard_draws(
    new_page, showroom, consultant, other_consultant, manager, log_visit_today, register_now, screenshot
):
    today = register_now.date()
    fill_the_month(showroom, [consultant, other_consultant], today)
    log_visit_today(consultant=consultant, customer_name="黄先生", phone="13912340001", minutes_ago=120, minutes=40)
    log_visit_today(
        consultant=consultant, customer_name="路过客人", phone="", no_phone=True, minutes_ago=60, minutes=10
    )
    log_visit_today(consultant=other_consultant, customer_name="赵女士", phone="13912340002", minutes_ago=90)

    # --- The consultant, on a phone: My daily report, from the Reports menu.
    phone = log_in(new_page(**PHONE), consultant)
    follow_nav_link(phone, "/reports/daily/")
    expect(phone).to_have_url(re.compile(r"/reports/daily/$"))
    expect(phone.locator("h1")).to_contain_text(zh("Daily sales report"))
    lines = phone.locator("#daily-figures")
    expect(lines.locator("tr[data-line=visitors] td")).to_contain_text("2")  # 黄先生 and the passer-by
    expect(lines.locator("tr[data-line=with_phone] td")).to_have_text("1")
    expect(lines.locator("tr[data-line=new_leads] td")).to_have_text("1")
    expect(phone.locator("#daily-contacts tr[data-contact]")).to_have_count(1)
    expect(phone.locator("#daily-contacts")).to_contain_text("黄先生")
    phone.locator("textarea[name=remarks]").fill("黄先生下周带太太来试驾，需要一辆白色展车")
    to_top(phone)
    screenshot(phone, "reports-daily-report-mobile")
    phone.locator("#submit-report").click()
    expect(phone.locator(".alert-success")).to_contain_text(
        zh("Daily report of %(date)s submitted.", date=today.isoformat())
    )
    expect(phone.locator(".report-status[data-status=submitted]")).to_be_visible()

    # --- The manager, at the desk: the day's review from the Reports menu.
    desk = log_in(new_page(**DESKTOP), manager)
    follow_nav_link(desk, "/reports/daily/review/")
    expect(desk).to_have_url(re.compile(r"/reports/daily/review/$"))
    card = desk.locator(f"#report-{consultant.pk}")
    expect(card).to_contain_text("黄先生下周带太太来试驾")
    expect(card.locator(".report-status")).to_have_attribute("data-status", "submitted")
    other = desk.locator(f"#report-{other_consultant.pk}")
    expect(other.locator("button[value=sign_off]")).to_be_disabled()  # nothing submitted to sign off
    expect(desk.locator("#register-state")).to_contain_text(zh("Not signed off"))
    card.locator("textarea[name=comment]").fill("好，试驾车我来安排；明天先给黄先生发配置单")
    screenshot(desk, "reports-review-desktop")
    card.locator("button[value=sign_off]").click()

    expect(desk).to_have_url(re.compile(rf"/reports/daily/review/{today.isoformat()}/#report-{consultant.pk}$"))
    expect(desk.locator(".alert-success")).to_contain_text(zh("%(name)s's report is signed off.", name="张伟"))
    card = desk.locator(f"#report-{consultant.pk}")
    expect(card.locator(".report-status")).to_have_attribute("data-status", "signed_off")
    expect(card.locator(".manager-comment")).to_contain_text("试驾车我来安排")
    expect(card.locator("textarea[name=comment]")).to_have_count(0)  # locked
    expect(card.locator(".reopen-form")).to_be_visible()
    to_top(desk)
    screenshot(desk, "reports-review-signed-off-desktop")
    report = DailyReport.objects.get(consultant=consultant, date=today)
    assert (report.signed_off_by, report.manager_comment) == (manager, "好，试驾车我来安排；明天先给黄先生发配置单")

    # The consultant's page is locked now and shows the instructions.
    phone.reload()
    expect(phone.locator("#manager-comment")).to_contain_text("试驾车我来安排")
    expect(phone.locator("#remarks-form")).to_have_count(0)

    # --- The dashboard, last 30 days: every chart drawn, each with its table and its CSV.
    follow_nav_link(desk, "/reports/dashboard/")
    expect(desk.locator("h1")).to_contain_text(zh("Showroom dashboard"))
    start = (today - timedelta(days=29)).isoformat()
    desk.locator("#period-form input[name=start]").fill(start)
    desk.locator("#period-form input[name=end]").fill(today.isoformat())
    desk.locator("#period-form button[type=submit]").click()
    expect(desk).to_have_url(re.compile(rf"start={start}"))
    desk.wait_for_function(ALL_CHARTS_DRAWN)
    charts = desk.evaluate(
        """() => [...document.querySelectorAll("canvas[data-chart]")].map((canvas) => {
            const chart = Chart.getChart(canvas);
            return [canvas.dataset.chart, chart.config.type, chart.data.labels.length,
                    chart.data.datasets.reduce((sum, set) => sum + set.data.filter((v) => v).length, 0)];
        })"""
    )
    assert len(charts) == 13
    drawn = {key: (kind, labels, values) for key, kind, labels, values in charts}
    # No overdue follow-ups and no online leads here (tests/e2e/test_online_lead_journey.py draws those).
    empty = {"chart-data-overdue_by_consultant", "chart-data-online_by_platform", "chart-data-online_by_consultant"}
    assert drawn["chart-data-visits_by_day"][1] == 30  # one bar per day of the period
    assert drawn["chart-data-traffic_by_slot"][1] == 7  # the time slots
    assert all(values > 0 for key, (_kind, _labels, values) in drawn.items() if key not in empty)
    heatmap = desk.locator("#traffic-heatmap")
    expect(heatmap.locator("tbody tr")).to_have_count(7)
    expect(heatmap.locator("thead")).to_contain_text("周六")
    # The table beside a chart: same numbers, one click away.
    desk.locator("#table-tab-funnel").click()
    expect(desk.locator("#table-pane-funnel table")).to_be_visible()
    expect(desk.locator("#table-pane-funnel table")).to_contain_text(zh("Left a phone (card-building rate)"))
    expect(desk.locator("#figure-funnel a.csv-link")).to_have_attribute(
        "href", re.compile(r"/reports/dashboard/funnel\.csv\?")
    )
    with desk.expect_download() as download:
        desk.locator("#figure-by_source a.csv-link").click()
    assert download.value.suggested_filename == f"by_source_{start}_{today.isoformat()}.csv"
    desk.locator("#chart-tab-funnel").click()
    to_top(desk)
    screenshot(desk, "reports-dashboard-desktop")

    # --- The consultant's own dashboard on the phone: only their figures, charts drawn to the phone's width.
    follow_nav_link(phone, "/reports/dashboard/")
    expect(phone.locator("h1")).to_contain_text(zh("My dashboard"))
    expect(phone.locator("#period-form select[name=consultant]")).to_have_count(0)
    phone.wait_for_function(ALL_CHARTS_DRAWN)
    expect(phone.locator("#figure-no_phone_by_consultant table")).not_to_contain_text("李娜")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    to_top(phone)
    screenshot(phone, "reports-dashboard-mobile")
    screenshot(phone, "reports-dashboard-mobile-top", full_page=False)
    phone.locator("#figure-traffic_by_slot").scroll_into_view_if_needed()
    screenshot(phone, "reports-dashboard-mobile-traffic", full_page=False)
    phone.locator("#figure-funnel").scroll_into_view_if_needed()
    screenshot(phone, "reports-dashboard-mobile-funnel", full_page=False)

    # --- And the integrity page: nothing to report on data made through the app (checked as the nightly job does).
    integrity_services.integrity_recheck(showroom=showroom)
    follow_nav_link(desk, "/reports/integrity/")
    expect(desk.locator("#all-clear")).to_be_visible()
    screenshot(desk, "reports-integrity-desktop")
