"""The DCC figures on the dashboard: first-response median and 90th percentile, deadline met, invited, show,
visit and order rates, by platform and by consultant, from inquiries answered at known minutes."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse

from dcc.models import DutyShift, LeadSource, Platform, Via
from dcc.services.appointments import appointments_settle_no_shows
from dcc.services.intake import online_lead_receive
from leads.models import AppointmentPurpose
from leads.services.appointments import appointment_book
from leads.services.tracker import contact_record
from reports.analytics.online import online_by_consultant, online_by_platform, quantile
from reports.analytics.selectors import Scope
from tests.conftest import CURRENT_TIME, SHANGHAI, TODAY
from tests.reports.excel_support import build, header, values, zh_excel

TOMORROW = TODAY + timedelta(days=1)
SLOT = datetime.combine(TOMORROW, time(10), SHANGHAI)


@pytest.fixture
def inquiries(showroom, consultant, manager, lead_source, make_visit, frozen_clock):
    """Four inquiries at 15:30 (deadline 15:45): A answered in 5 minutes and came to its appointment, B in 20
    (late) and missed it, C (another platform) in 10 by message, D not at all."""
    DutyShift.objects.create(showroom=showroom, consultant=consultant, day=TODAY, starts_at=time(9), ends_at=time(21))
    dongchedi = LeadSource.objects.create(showroom=showroom, code="dcd", name="懂车帝", platform=Platform.DONGCHEDI)
    received = {}
    for name, source, phone in [
        ("A", lead_source, "13900000001"),
        ("B", lead_source, "13900000002"),
        ("C", dongchedi, "13900000003"),
        ("D", dongchedi, "13900000004"),
    ]:
        received[name], _new = online_lead_receive(
            source=source, via=Via.API, platform_lead_id=name, customer_name=f"客户{name}", phone=phone
        )

    def answer(name, minutes, kind="phone_call"):
        lead = received[name].lead
        lead.refresh_from_db()
        frozen_clock.move_to(CURRENT_TIME + timedelta(minutes=minutes))
        return contact_record(
            lead=lead,
            by=consultant,
            kind=kind,
            occurred_at=CURRENT_TIME + timedelta(minutes=minutes),
            grade_after="A",
            expected_version=lead.version,
        )

    for name, minutes, kind in [("A", 5, "phone_call"), ("C", 10, "message"), ("B", 20, "phone_call")]:
        contact = answer(name, minutes, kind)
        if name in "AB":
            appointment_book(
                lead=contact.lead,
                by=consultant,
                purpose=AppointmentPurpose.VIEWING,
                starts_at=SLOT,
                ends_at=SLOT + timedelta(hours=1),
                contact=contact,
            )
    frozen_clock.move_to(SLOT + timedelta(hours=3))
    make_visit(consultant=consultant, day=TOMORROW, start="10:10", phone="13900000001")
    assert appointments_settle_no_shows().settled == 1  # B's
    return received


def test_the_figures_by_platform_and_in_total(inquiries, showroom):
    figure = online_by_platform(Scope(showroom=showroom, start=TODAY, end=TODAY))
    assert figure.rows == [  # the most leads first, then by name
        ("懂车帝", [2, 10.0, 10.0, 50.0, 0.0, None, 0.0, 0.0]),
        ("汽车之家", [2, 5.0, 20.0, 50.0, 100.0, 50.0, 50.0, 0.0]),
    ]
    assert figure.totals == [4, 10.0, 20.0, 50.0, 50.0, 50.0, 25.0, 0.0]
    assert online_by_platform(Scope(showroom=showroom, start=TOMORROW, end=TOMORROW)).rows == []


def test_the_figures_by_consultant_and_for_the_consultant_alone(inquiries, showroom, consultant):
    everyone = online_by_consultant(Scope(showroom=showroom, start=TODAY, end=TODAY))
    assert everyone.rows == [(f"{consultant.last_name}{consultant.first_name}", everyone.totals)]
    own = online_by_consultant(Scope(showroom=showroom, start=TODAY, end=TODAY, consultant=consultant))
    assert own.totals == everyone.totals


def test_the_dashboard_draws_them_and_exports_them(inquiries, manager, client_for):
    client = client_for(manager)
    period = {"start": TODAY.isoformat(), "end": TODAY.isoformat()}
    page = client.get(reverse("reports:dashboard"), period).content.decode()
    assert 'id="chart-data-online_by_platform"' in page
    assert 'id="chart-data-online_by_consultant"' in page
    csv = client.get(reverse("reports:dashboard_csv", kwargs={"key": "online_by_platform"}), period)
    lines = b"".join(csv.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[2] == "汽车之家,2,5.0,20.0,50.0,100.0,50.0,50.0,0.0"


def test_the_quantiles_count_off_the_sorted_values():
    assert quantile([], 0.5) is None
    assert quantile([7.0], 0.9) == 7.0
    assert quantile([30.0, 10.0, 20.0, 40.0], 0.5) == 20.0
    assert quantile([float(n) for n in range(1, 11)], 0.9) == 9.0


def test_the_monthly_workbook_has_them_by_platform_and_by_consultant(inquiries, showroom, manager, consultant):
    workbook = build(showroom, TODAY, viewer=manager)
    platforms = workbook[zh_excel("Online leads by platform")]
    assert header(platforms)[:2] == [zh_excel("Platform"), zh_excel("Online leads")]
    assert values(platforms)[1:] == [
        ("懂车帝", 2, 10.0, 10.0, 0.5, 0.0, None, 0.0, 0.0),
        ("汽车之家", 2, 5.0, 20.0, 0.5, 1.0, 0.5, 0.5, 0.0),
        (zh_excel("Total"), 4, 10.0, 20.0, 0.5, 0.5, 0.5, 0.25, 0.0),
    ]
    assert platforms["E2"].number_format == "0.0%"
    people = workbook[zh_excel("Online leads by consultant")]
    assert [row[0] for row in values(people)[1:]] == [
        f"{consultant.last_name}{consultant.first_name}",
        zh_excel("Total"),
    ]
