"""Fixtures for the follow-up tests: leads made through the register service, due on a chosen date."""

from datetime import date, datetime, timedelta
from itertools import count

import pytest
from django.utils import timezone

from leads.models import Lead
from leads.services.tracker import contact_record

_phones = count(1)


def next_phone() -> str:
    """A fresh valid mobile number: one open lead per phone and showroom."""
    return f"139{next(_phones):08d}"


def local(showroom, day: date, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock moment in the showroom's time zone."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=showroom.zone)


@pytest.fixture
def lead_due(make_visit):
    """An open lead of `grade` whose next follow-up falls on `due`, built the way the app builds it: a register
    entry `interval` days before `due` makes the lead, and the grade's default interval sets the date.
    The clock (frozen_clock) must be after that entry; tests move it with `frozen_clock.move_to`."""

    def make(*, consultant, due: date, grade: str = "A", name: str = "王先生") -> Lead:
        interval = consultant.showroom.follow_up_days(grade)
        visit = make_visit(
            consultant=consultant,
            day=due - timedelta(days=interval),
            grade=grade,
            phone=next_phone(),
            customer_name=name,
        )
        lead = Lead.objects.get(showroom=consultant.showroom, phone=visit.phone)
        assert lead.next_follow_up == due  # the schedule put it there, not the test
        return lead

    return make


@pytest.fixture
def record_contact():
    """Record a follow-up contact now, through the service the contact form uses."""

    def record(lead: Lead, *, grade: str, kind: str = "phone_call", **fields):
        lead.refresh_from_db()
        return contact_record(
            lead=lead,
            by=lead.owner,
            kind=kind,
            occurred_at=timezone.now(),
            grade_after=grade,
            expected_version=lead.version,
            **fields,
        )

    return record


@pytest.fixture
def client_language():
    return "en"  # these tests read English pages
