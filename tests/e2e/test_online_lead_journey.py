"""An online lead in a real browser: received through the DCC intake service, it heads the on-duty consultant's
Today with a live countdown; once the escalation has run past its deadline, the manager's Today lists it.

The test's clock (e2e_clock: today at 15:30, shared with the live server) is moved past the deadline, and the
escalation runs then, as the beat would run it, instead of the test waiting for it."""

import re
from datetime import time, timedelta

import pytest

from dcc.models import DutyShift, LeadSource, Platform, Via
from dcc.services.escalation import online_leads_escalate
from dcc.services.intake import online_lead_receive

from .conftest import DESKTOP, expect, log_in

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
