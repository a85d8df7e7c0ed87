"""Online leads in a real browser. One, received through the DCC intake service, heads the on-duty consultant's
Today with a live countdown; once the escalation has run past its deadline, the manager's Today lists it. Another,
posted to the API, is called and invited from the contact form, expected on Today the next morning, logged in
the register (which keeps the appointment), and the dashboard's show rate counts it.

The test's clock (e2e_clock: today at 15:30, shared with the live server) is moved past the deadline, and the
escalation runs then, as the beat would run it, instead of the test waiting for it."""

import re
from datetime import datetime, time, timedelta

import pytest
import requests

from dcc.models import DutyShift, LeadSource, Platform, Via
from dcc.services.escalation import online_leads_escalate
from dcc.services.intake import online_lead_receive
from dcc.services.tokens import source_token_create
from leads.models import Appointment, Lead
from tests.factories import source as source_of
from tests.i18n import zh

from .conftest import DESKTOP, PHONE, expect, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_online_lead_counts_down_on_the_consultants_today_and_reaches_the_manager_when_late(
    new_page, showroom, consultant, manager, register_now, e2e_clock
):
    DutyShift.objects.create(
        showroom=showroom, consultant=consultant, day=register_now.date(), starts_at=time(0), ends_at=time(23, 59)
    )
    source = LeadSource.objects.create(showroom=showroom, code="ah", name="汽车之家", platform=Platform.AUTOHOME)
    inquiry, _created = online_lead_receive(
        source=source, via=Via.API, platform_lead_id="AH-E2E", customer_name="赵女士", phone="13912345678"
    )
    assert inquiry.lead.owner == consultant

    desk = log_in(new_page(**DESKTOP), consultant)
    desk.goto("/today/")
    row = desk.locator(f"#today-online-new [data-lead='{inquiry.lead_id}']")
    expect(row).to_contain_text("赵女士")
    # The countdown is live: mm:ss, ticking, from the deadline the server gave.
    expect(row.locator(".countdown")).to_have_text(re.compile(r"^\d{2,}:\d{2}$"))
    # First on the page, above the due follow-ups.
    assert desk.locator(".today-group").first.get_attribute("data-section") == "online_new"

    boss = log_in(new_page(**DESKTOP), manager)
    boss.goto("/today/")
    expect(boss.locator("#today-online-overdue")).to_have_count(0)

    e2e_clock.move_to(inquiry.response_due_at + timedelta(minutes=1))
    assert online_leads_escalate().told == 1
    boss.goto("/today/")
    late = boss.locator(f"#today-online-overdue [data-lead='{inquiry.lead_id}']")
    expect(late).to_contain_text("赵女士")
    expect(late).to_contain_text(str(consultant))
    late.get_by_role("link", name="赵女士").click()
    expect(boss).to_have_url(re.compile(rf"/leads/{inquiry.lead_id}/$"))


def test_a_lead_from_the_api_is_called_invited_and_comes_the_next_day_and_the_show_rate_moves(
    new_page, live_server, showroom, consultant, manager, register_now, e2e_clock, screenshot
):
    today, tomorrow = register_now.date(), register_now.date() + timedelta(days=1)
    for day in (today, tomorrow):
        DutyShift.objects.create(
            showroom=showroom, consultant=consultant, day=day, starts_at=time(0), ends_at=time(23, 59)
        )
    source = LeadSource.objects.create(showroom=showroom, code="ah", name="汽车之家", platform=Platform.AUTOHOME)
    token = source_token_create(source=source, created_by=manager, label="e2e")[1]

    # The platform posts the lead; it heads the on-duty consultant's Today, counting down.
    posted = requests.post(
        f"{live_server.url}/api/v1/leads",
        json={"platform_lead_id": "AH-7", "customer_name": "赵女士", "phone": "13912345678"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert posted.status_code == 201, posted.text
    lead = Lead.objects.get(pk=posted.json()["lead_id"])
    desk = log_in(new_page(**DESKTOP), consultant)
    desk.goto("/today/")
    row = desk.locator(f"#today-online-new [data-lead='{lead.pk}']")
    expect(row.locator(".countdown")).to_have_text(re.compile(r"^1[0-5]:\d{2}$"))  # the 15 minutes, ticking

    # The consultant calls and books a test drive for tomorrow at 10:00, from the contact form.
    row.get_by_role("link", name=zh("Record contact")).click()
    form = desk.locator("#contact-form")
    form.locator("textarea[name=summary]").fill("回电：想试驾凯美瑞，约了明天上午")
    form.locator("select[name=appointment_purpose]").select_option("test_drive")
    form.locator("input[name=appointment_date]").fill(tomorrow.isoformat())
    form.locator("input[name=appointment_time]").fill("10:00")
    screenshot(desk, "contact-form-appointment-desktop")
    form.locator("button[type=submit]").click()
    expect(desk).to_have_url(re.compile(r"/today/$"))
    expect(desk.locator("#today-online-new")).to_have_count(0)  # answered: the deadline is met
    appointment = Appointment.objects.get(lead=lead)
    assert (appointment.state, appointment.day, appointment.purpose) == ("booked", tomorrow, "test_drive")

    # The next morning reception sees the customer expected, and logs her walk-in in the register.
    e2e_clock.move_to(datetime.combine(tomorrow, time(10, 40), showroom.zone))
    reception = log_in(new_page(**PHONE), consultant)
    reception.goto("/today/")
    expected = reception.locator(f"#today-appointments [data-appointment='{appointment.pk}']")
    expect(expected).to_contain_text("赵女士")
    expect(expected).to_contain_text("10:00")
    screenshot(reception, "today-appointments-mobile")
    expected.get_by_role("link", name=zh("Log the walk-in")).click()
    visit_form = reception.locator("#visit-form")
    expect(visit_form.locator("input[name=visit_date]")).to_have_value(tomorrow.isoformat())
    visit_form.locator("input[name=kind][value=walk_in]").check()
    visit_form.locator("input[name=customer_name]").fill("赵女士")
    visit_form.locator("input[name=phone]").fill("139 1234 5678")
    visit_form.locator("#arrival-shortcuts button[data-minutes='30']").click()
    visit_form.locator("select[name=source]").select_option(str(source_of("web").pk))
    visit_form.locator("textarea[name=summary]").fill("按约到店试驾")
    visit_form.locator("button[type=submit]").click()
    expect(reception.locator(".alert-success")).to_be_visible()
    appointment.refresh_from_db()
    assert appointment.state == "arrived" and appointment.visit.customer_name == "赵女士"
    reception.goto("/today/")
    expect(reception.locator("#today-appointments")).to_have_count(0)

    # The manager's dashboard: the platform's show rate is 100 %, its deadline met.
    boss = log_in(new_page(**DESKTOP), manager)
    boss.goto(f"/reports/dashboard/?start={today}&end={tomorrow}")
    card = boss.locator("#figure-online_by_platform")
    card.locator("#table-tab-online_by_platform").click()
    platform_row = card.locator("tbody tr", has_text="汽车之家")
    expect(platform_row).to_be_visible()
    # Leads, median and 90th-percentile minutes, deadline met, invited, show rate, visited, ordered.
    leads, _median, _p90, met, invited, show, visited, ordered = platform_row.locator("td").all_inner_texts()
    assert (leads, met, invited, show, visited, ordered) == ("1", "100.0%", "100.0%", "100.0%", "100.0%", "0.0%")
    screenshot(boss, "dashboard-online-desktop")
