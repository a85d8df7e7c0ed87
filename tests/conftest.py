from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from dcc.models import LeadSource, Platform
from leads.models import Lead
from leads.services import register as services
from tests.factories import ShowroomFactory, UserFactory, source, visit_times

# The real Celery worker fixtures, for every app whose tasks are tested through Redis.
from tests.workers import queue, start_worker  # noqa: F401

# The suite's clock: a Saturday afternoon in the showroom (Asia/Shanghai). Tests that depend on "now" use it.
SHANGHAI = ZoneInfo("Asia/Shanghai")
CURRENT_TIME = datetime(2026, 11, 21, 15, 30, tzinfo=SHANGHAI)
TODAY = CURRENT_TIME.date()


@pytest.fixture(autouse=True)
def django_db_serialized_rollback():
    """Every transactional test restores the migrations' data (roles, sources, content types) after its flush.

    pytest-django makes a test serialized_rollback when this fixture name is requested, so this covers the tests
    that become transactional through a fixture (`transactional_db`, `live_server`); marked ones say
    `django_db(transaction=True, serialized_rollback=True)`, which also makes the suite serialize the data at
    set-up. Mixing the kinds breaks the suite: a plain transactional test's flush re-creates content types under
    new ids (post_migrate), and the next serialized test's restore then collides with them.
    """


@pytest.fixture
def lead_source(showroom):
    """The showroom's Autohome account, where its online leads come from (the DCC desk)."""
    return LeadSource.objects.create(showroom=showroom, code="autohome", name="汽车之家", platform=Platform.AUTOHOME)


@pytest.fixture
def frozen_clock():
    with time_machine.travel(CURRENT_TIME, tick=False) as traveller:
        yield traveller


@pytest.fixture
def showroom(db):
    return ShowroomFactory(code="bj01", name="北京一店")


@pytest.fixture
def other_showroom(db):
    return ShowroomFactory(code="sh01", name="上海一店")


@pytest.fixture
def consultant(showroom):
    return UserFactory(username="zhang", last_name="张", first_name="伟", showroom=showroom)


@pytest.fixture
def other_consultant(showroom):
    return UserFactory(username="li", last_name="李", first_name="娜", showroom=showroom)


@pytest.fixture
def manager(showroom):
    return UserFactory(username="boss", last_name="刘", first_name="强", showroom=showroom, role="manager")


@pytest.fixture
def other_manager(other_showroom):
    return UserFactory(username="boss2", last_name="陈", first_name="静", showroom=other_showroom, role="manager")


@pytest.fixture
def make_visit(frozen_clock):
    """Log a visit through the service, with sensible defaults for whatever the test does not care about."""

    def make(*, consultant, day: date = TODAY, start: str = "10:00", minutes: int = 30, **fields):
        showroom = consultant.showroom
        arrived_at, left_at = visit_times(showroom, day, start, minutes)
        values = {
            "kind": "walk_in",
            "customer_name": "王先生",
            "phone": "13800138000",
            "no_phone": False,
            "source": source("web"),
            "arrived_at": arrived_at,
            "left_at": left_at,
            "summary": "看了凯美瑞，关心油耗和价格",
            "consultant": consultant,
        }
        values.update(fields)
        return services.visit_register(showroom=showroom, created_by=consultant, visit_date=day, **values)

    return make


@pytest.fixture
def make_lead(make_visit):
    """A lead made the way the app makes one: a register entry with a phone, logged through the service.
    Returns the lead fresh from the database (grade B unless the test says otherwise)."""

    def make(*, consultant, phone: str = "13800138000", grade: str = "B", **fields) -> Lead:
        visit = make_visit(consultant=consultant, phone=phone, grade=grade, **fields)
        return Lead.objects.get(contacts__visit=visit)

    return make


@pytest.fixture
def client_language():
    """The Accept-Language of `client_for`'s clients: None reads the default (Chinese) pages; a directory whose
    tests read English pages overrides this fixture with "en"."""
    return None


@pytest.fixture
def client_for(db, client_language):
    """A fresh Client logged in as `user` (None: anonymous). Each user gets their own session."""

    def make(user=None) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE=client_language) if client_language else Client()
        if user is not None:
            client.force_login(user)
        return client

    return make
