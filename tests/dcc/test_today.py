"""The DCC desk on Today: the consultant's unanswered online leads first, with a countdown; the manager's overdue
ones after the escalation; both counted by the navigation's badge."""

import re
from datetime import time, timedelta

import time_machine

from dcc.models import DutyShift, Via
from dcc.services.escalation import online_leads_escalate
from dcc.services.intake import online_lead_receive
from leads.services.tracker import contact_record
from tests.conftest import CURRENT_TIME, TODAY


def receive(source):
    with time_machine.travel(CURRENT_TIME, tick=False):
        inquiry, _created = online_lead_receive(
            source=source, via=Via.API, platform_lead_id="AH-1", customer_name="赵女士", phone="13912345678"
        )
    return inquiry


def today_page(client, user, at):
    client.force_login(user)
    with time_machine.travel(at, tick=False):
        return client.get("/today/").content.decode()


def test_the_consultant_sees_a_new_online_lead_first_with_its_countdown(db, client, lead_source, consultant, manager):
    DutyShift.objects.create(
        showroom=lead_source.showroom, consultant=consultant, day=TODAY, starts_at=time(9), ends_at=time(21)
    )
    inquiry = receive(lead_source)

    page = today_page(client, consultant, CURRENT_TIME + timedelta(minutes=1))

    assert 'id="today-online-new"' in page
    due = re.search(r'class="[^"]*countdown[^"]*" data-due="([^"]+)"', page).group(1)
    assert due == inquiry.response_due_at.astimezone(lead_source.showroom.zone).isoformat()
    assert "js/countdown.js" in page
    assert re.search(r'id="nav-due-count">1<', page)
    lead = inquiry.lead
    with time_machine.travel(CURRENT_TIME + timedelta(minutes=2), tick=False):
        contact_record(
            lead=lead,
            by=consultant,
            kind="phone_call",
            occurred_at=CURRENT_TIME + timedelta(minutes=2),
            grade_after="H",
            expected_version=lead.version,
        )
    assert 'id="today-online-new"' not in today_page(client, consultant, CURRENT_TIME + timedelta(minutes=3))


def test_the_manager_sees_an_online_lead_once_its_deadline_passed(db, client, lead_source, consultant, manager):
    DutyShift.objects.create(
        showroom=lead_source.showroom, consultant=consultant, day=TODAY, starts_at=time(9), ends_at=time(21)
    )
    inquiry = receive(lead_source)
    late = CURRENT_TIME + timedelta(minutes=16)
    assert 'id="today-online-overdue"' not in today_page(client, manager, late)

    with time_machine.travel(late, tick=False):
        online_leads_escalate()
    page = today_page(client, manager, late)

    assert 'id="today-online-overdue"' in page
    assert f'href="/leads/{inquiry.lead_id}/"' in page
    assert str(consultant) in page
    # The consultant's own online section is not the manager's: they see it once, as overdue.
    assert 'id="today-online-new"' not in page
