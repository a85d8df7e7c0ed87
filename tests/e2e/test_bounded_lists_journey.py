"""Issue 15 in a browser: Today shows the first leads of a grade with the grade's total, and its link opens the
rest in the tracker; the manager's overdue board does the same per consultant."""

import re
from datetime import timedelta

import pytest

from leads.models import Lead

from .conftest import PHONE, expect, log_in

# Each test's flush would take the role groups with it; serialized rollback brings them back (see conftest).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def four_overdue_h_leads(log_visit_today, consultant, register_now):
    today = register_now.date()
    leads = []
    for n in range(4):
        visit = log_visit_today(
            consultant=consultant, customer_name=f"客户{n}", phone=f"1390000100{n}", grade="H", minutes_ago=200 - n * 30
        )
        lead = Lead.objects.get(contacts__visit=visit)
        Lead.objects.filter(pk=lead.pk).update(next_follow_up=today - timedelta(days=n + 1))
        leads.append(lead)
    return leads  # the last one is the most overdue


def test_today_shows_the_first_leads_of_a_grade_and_its_link_lists_them_all_in_the_tracker(
    settings, new_page, consultant, four_overdue_h_leads, screenshot
):
    settings.TODAY_GROUP_LIMIT = 2
    phone = log_in(new_page(**PHONE), consultant)
    expect(phone).to_have_url(re.compile(r"/today/$"))

    group = phone.locator(".today-group[data-grade='H']")
    expect(group.locator(".today-lead")).to_have_count(2)
    most_overdue = [lead.pk for lead in reversed(four_overdue_h_leads)]
    for position, pk in enumerate(most_overdue[:2]):
        expect(group.locator(".today-lead").nth(position)).to_have_attribute("data-lead", str(pk))
    expect(group.locator(".card-header")).to_contain_text("4")
    screenshot(phone, "today-group-limited-zh")

    group.locator("a.today-all").click()

    expect(phone).to_have_url(re.compile(r"/leads/\?grade=H&due=true$"))
    rows = phone.locator("#lead-table tbody tr[data-lead]")
    expect(rows).to_have_count(4)
    for position, pk in enumerate(most_overdue):
        expect(rows.nth(position)).to_have_attribute("data-lead", str(pk))
    expect(phone.locator("select[name=due]")).to_have_value("true")


def test_the_overdue_board_shows_a_consultants_worst_leads_and_links_to_all_of_them(
    settings, new_page, consultant, manager, four_overdue_h_leads
):
    settings.TODAY_GROUP_LIMIT = 2
    page = log_in(new_page(), manager)
    page.goto("/overdue/")

    card = page.locator(".overdue-consultant", has_text=str(consultant))
    expect(card.locator("tbody tr")).to_have_count(2)
    card.locator("a.overdue-all").click()

    expect(page).to_have_url(re.compile(rf"/leads/\?owner={consultant.pk}&overdue=true$"))
    expect(page.locator("#lead-table tbody tr[data-lead]")).to_have_count(4)
