from collections import defaultdict
from datetime import datetime, timedelta
from io import StringIO
from statistics import median

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q
from django.urls import reverse

from dcc.models import OnlineLead
from dealer_crm.core.history import Revision
from dealer_crm.core.models import CarModel, District, Role, Showroom, User
from dealer_crm.core.phones import MOBILE
from delivery.models import Callback, Complaint, Contract, CustomerCard, Delivery
from leads.demo import DEMO_PASSWORD, DEMO_SHOWROOM_CODE
from leads.models import Contact, Lead, LostRequest, OwnershipClash, RegisterDay, Visit
from reports import integrity_services
from reports.analytics import selectors
from reports.analytics.charts import CHARTS
from reports.forms import recent_period
from reports.models import DailyReport
from tests.conftest import CURRENT_TIME, SHANGHAI, TODAY

# Small enough to keep the tests fast, large enough for the shares below to be meaningful.
FEW_VISITS = 240


def seed_demo(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def demo_visits():
    return Visit.objects.filter(showroom__code=DEMO_SHOWROOM_CODE).select_related(
        "district", "car_model", "source", "consultant"
    )


def register_fingerprint() -> list[tuple]:
    """Everything the register shows, without database ids (they differ between two loads)."""
    return [
        (
            visit.visit_date,
            visit.number,
            visit.kind,
            visit.customer_name,
            visit.gender,
            visit.phone,
            visit.no_phone,
            str(visit.district or ""),
            str(visit.car_model or ""),
            visit.source.code,
            visit.arrived_at,
            visit.left_at,
            visit.party_size,
            visit.grade,
            visit.summary,
            visit.remarks,
            visit.consultant.username,
        )
        for visit in demo_visits().order_by("visit_date", "number")
    ]


def delete_register() -> None:
    Visit.objects.all().delete()  # revisions go with them
    RegisterDay.objects.all().delete()


@pytest.fixture
def seeded(db, frozen_clock):
    # The register alone is what most tests look at; feeding the lead tracker is tested on its own (it is slower).
    return seed_demo(visits=FEW_VISITS, without_leads=True)


def test_creates_the_showroom_staff_with_their_roles_and_the_logins_are_printed(seeded):
    showroom = Showroom.objects.get(code=DEMO_SHOWROOM_CODE)
    assert showroom.name == "演示展厅"
    staff = User.objects.filter(showroom=showroom)
    roles = sorted(user.role for user in staff)
    assert roles == sorted([Role.ADMIN, Role.MANAGER, Role.CONSULTANT, Role.CONSULTANT, Role.CONSULTANT])
    admin = next(user for user in staff if user.role == Role.ADMIN)
    assert admin.is_staff
    assert all(user.check_password(DEMO_PASSWORD) for user in staff)
    for user in staff:
        assert user.username in seeded
    assert DEMO_PASSWORD in seeded
    assert "Demo logins" in seeded and "演示账号" in seeded


def test_creates_a_catalogue_districts_and_the_requested_number_of_entries_each_with_its_history(seeded):
    assert CarModel.objects.filter(brand="丰田", name="凯美瑞").exists()
    assert District.objects.filter(showroom__code=DEMO_SHOWROOM_CODE, name="朝阳区").exists()
    assert demo_visits().count() == FEW_VISITS
    created = Revision.objects.filter(showroom__code=DEMO_SHOWROOM_CODE, action="created")
    assert created.count() == FEW_VISITS
    revision = created.first()
    visit = Visit.objects.get(pk=revision.object_pk)
    assert revision.by_id == visit.consultant_id
    assert revision.changes["phone"] == [None, visit.phone]
    # Each day with entries has its register day, as the service would have left it.
    assert set(RegisterDay.objects.values_list("date", flat=True)) == set(
        demo_visits().values_list("visit_date", flat=True)
    )


def test_every_entry_follows_the_register_rules(seeded):
    numbers_by_day = defaultdict(list)
    for visit in demo_visits():
        assert bool(visit.phone) != visit.no_phone
        assert visit.phone == "" or MOBILE.match(visit.phone)
        assert visit.grade in ("H", "A", "B", "C", "O", "")
        assert not visit.grade or visit.phone, "only a customer who left a phone number is graded"
        assert visit.left_at > visit.arrived_at
        assert visit.arrived_at.astimezone(SHANGHAI).date() == visit.visit_date
        assert visit.left_at.astimezone(SHANGHAI).date() == visit.visit_date
        assert visit.left_at < CURRENT_TIME, "nothing in the register happens in the future"
        assert visit.consultant.role == Role.CONSULTANT
        assert visit.created_by_id == visit.consultant_id
        numbers_by_day[visit.visit_date].append((visit.number, visit.arrived_at))
    for day, numbered in numbers_by_day.items():
        numbered.sort()
        assert [number for number, _ in numbered] == list(range(1, len(numbered) + 1)), day
        arrivals = [arrived_at for _, arrived_at in numbered]
        assert arrivals == sorted(arrivals), f"{day}: the running number follows the order of arrival"


def test_about_two_months_ending_today_by_default(db, frozen_clock):
    seed_demo(without_leads=True)
    dates = set(demo_visits().values_list("visit_date", flat=True))
    assert max(dates) == TODAY
    assert TODAY - min(dates) >= timedelta(days=55)
    assert 500 <= len(demo_visits()) <= 700


def test_about_a_third_leave_no_phone_number(seeded):
    without_phone = demo_visits().filter(no_phone=True).count()
    assert 0.25 <= without_phone / FEW_VISITS <= 0.42


def test_looks_like_a_real_register(seeded):
    visits = list(demo_visits())
    walk_in_minutes = [visit.duration_minutes for visit in visits if visit.kind == "walk_in"]
    assert 20 <= median(walk_in_minutes) <= 45
    assert sum(10 <= minutes <= 90 for minutes in walk_in_minutes) / len(walk_in_minutes) > 0.8
    assert any(visit.kind == "call" for visit in visits)
    assert 0 < sum(visit.grade == "O" for visit in visits) < 0.08 * len(visits)
    assert any(visit.customer_name.endswith(("先生", "女士")) for visit in visits)

    per_day = defaultdict(int)
    for visit in visits:
        if visit.visit_date != TODAY:  # today is only half over
            per_day[visit.visit_date] += 1
    weekend = [count for day, count in per_day.items() if day.weekday() >= 5]
    weekdays = [count for day, count in per_day.items() if day.weekday() < 5]
    assert sum(weekend) / len(weekend) > sum(weekdays) / len(weekdays)
    afternoon = sum(visit.arrived_at.astimezone(SHANGHAI).hour >= 13 for visit in visits)
    assert afternoon > len(visits) / 2


def test_returning_customers_reuse_their_number_with_the_same_consultant(seeded):
    consultants_by_phone = defaultdict(set)
    for phone, consultant_id in demo_visits().exclude(phone="").values_list("phone", "consultant_id"):
        consultants_by_phone[phone].add(consultant_id)
    assert demo_visits().exclude(phone="").count() > len(consultants_by_phone), "some numbers come back"
    assert all(len(consultants) == 1 for consultants in consultants_by_phone.values())


def test_the_same_seed_gives_the_same_register_and_another_seed_another(db, frozen_clock):
    seed_demo(visits=FEW_VISITS, seed=7, without_leads=True)
    first = register_fingerprint()
    delete_register()
    seed_demo(visits=FEW_VISITS, seed=7, without_leads=True)
    assert register_fingerprint() == first
    delete_register()
    seed_demo(visits=FEW_VISITS, seed=8, without_leads=True)
    assert register_fingerprint() != first


def test_every_entry_with_a_phone_number_feeds_the_lead_tracker(db, frozen_clock):
    seed_demo(visits=120)
    with_phone = demo_visits().exclude(phone="")
    assert Contact.objects.filter(visit__in=with_phone).count() == with_phone.count()
    assert not Contact.objects.filter(visit__no_phone=True).exists()
    # One lead per customer: those of the register, and those the DCC desk received online (dcc/demo.py).
    visit_phones = set(with_phone.values_list("phone", flat=True))
    online_phones = set(OnlineLead.objects.values_list("phone", flat=True))
    assert online_phones
    assert sorted(Lead.objects.values_list("phone", flat=True)) == sorted(visit_phones | online_phones)
    clashes = OwnershipClash.objects.values_list("visit", flat=True)
    for lead in Lead.objects.filter(phone__in=visit_phones):
        met_by = {visit.consultant_id for visit in with_phone.filter(phone=lead.phone).exclude(pk__in=clashes)}
        assert met_by == {lead.owner_id}, "a returning customer meets their consultant, but for the clashes"
    assert OwnershipClash.objects.count() == 3, "each consultant met a colleague's customer once"


def test_a_second_run_changes_nothing_and_prints_the_logins_again(db, frozen_clock):
    seed_demo(visits=120)

    def counts():
        models = (Showroom, User, CarModel, District, Visit, Revision, RegisterDay, Lead, Contact)
        return [model.objects.count() for model in models]

    before = counts()
    register = register_fingerprint()
    output = seed_demo(visits=FEW_VISITS * 2)
    assert counts() == before
    assert register_fingerprint() == register
    assert "nothing was changed" in output
    assert "demo_manager" in output and DEMO_PASSWORD in output


def test_today_has_a_few_morning_entries_all_over_by_now(db):
    morning = datetime(2026, 11, 21, 10, 20, tzinfo=SHANGHAI)
    with time_machine.travel(morning, tick=False):
        seed_demo(visits=FEW_VISITS, without_leads=True)
    today = demo_visits().filter(visit_date=TODAY)
    assert today.count() >= 3
    assert all(visit.left_at < morning for visit in today)
    assert demo_visits().count() == FEW_VISITS


def test_today_has_no_entries_before_the_showroom_opens(db):
    with time_machine.travel(datetime(2026, 11, 21, 8, 15, tzinfo=SHANGHAI), tick=False):
        seed_demo(visits=FEW_VISITS, without_leads=True)
    assert demo_visits().count() == FEW_VISITS
    assert not demo_visits().filter(visit_date=TODAY).exists()


@pytest.mark.parametrize(
    ("settings_module", "debug"),
    [
        ("dealer_crm.settings.production", False),
        ("dealer_crm.settings.production", True),  # DEBUG switched on in production to investigate
        ("somewhere.settings.staging", False),  # production under another name
    ],
)
def test_refuses_to_run_outside_a_local_or_test_database(db, settings, monkeypatch, settings_module, debug):
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", settings_module)
    settings.DEBUG = debug
    with pytest.raises(CommandError, match="refuses"):
        seed_demo(visits=10)
    assert not Showroom.objects.filter(code=DEMO_SHOWROOM_CODE).exists()


def test_runs_with_the_local_development_settings(db, settings, monkeypatch, frozen_clock):
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "dealer_crm.settings.local")
    settings.DEBUG = True
    seed_demo(visits=10, without_leads=True)
    assert demo_visits().count() == 10


# --- The whole story: what follows the register ----------------------------------------------------------------


@pytest.fixture
def story(db, frozen_clock):
    seed_demo()
    return Showroom.objects.get(code=DEMO_SHOWROOM_CODE)


def test_the_demo_passes_its_own_integrity_page_and_every_chart_and_funnel_stage_shows_something(story, client):
    manager = User.objects.get(username="demo_manager")
    client.force_login(manager)
    integrity_services.integrity_recheck(showroom=story)  # the page shows the last run's findings
    page = client.get(reverse("reports:integrity"))
    assert page.context["all_clear"], {key: page.context[key] for key in ("grades", "entries", "orders")}

    start, end = recent_period(TODAY)
    figures = selectors.dashboard_figures(selectors.scope_for(manager, start=start, end=end), today=TODAY)
    assert set(figures) == set(CHARTS)
    for key, figure in figures.items():
        counts = [value for _label, values in figure.rows for value in values if isinstance(value, int)]
        assert sum(counts) > 0, f"{key} is empty"
    funnel = {label: values[0] for label, values in figures["funnel"].rows}
    assert all(funnel.values()), funnel


def test_every_event_happens_in_a_believable_order(story):
    for lead in Lead.objects.filter(showroom=story).prefetch_related("contacts"):
        contacts = sorted(lead.contacts.all(), key=lambda contact: contact.occurred_at)
        if not contacts:  # an online inquiry nobody has answered yet, and only that
            assert lead.response_due_at is not None and lead.online_inquiries.exists()
            continue
        assert lead.created_at <= contacts[0].occurred_at, "a lead never starts after its first contact"
        assert all(contact.occurred_at < CURRENT_TIME for contact in contacts), "nothing happens in the future"
        kinds = [contact.kind for contact in contacts]
        if "order" in kinds:
            assert all(kind in ("delivery", "callback") for kind in kinds[kinds.index("order") + 1 :])
    for contract in Contract.objects.filter(showroom=story).select_related("lead", "delivery"):
        ordered = contract.lead.contacts.get(kind="order")
        assert contract.created_at >= ordered.occurred_at, "a contract after the order"
        assert contract.delivery.starts_at.date() >= contract.signed_on, "a delivery after the contract"
        if contract.delivery.status == "completed":
            assert contract.delivery.completed_at >= contract.delivery.starts_at
            assert contract.delivery.completed_at < CURRENT_TIME
            assert contract.delivery.signature and not contract.delivery.open_required_items()
        else:
            assert contract.delivery.starts_at > CURRENT_TIME, "only the coming days' deliveries are still booked"
    for callback in Callback.objects.filter(showroom=story, status="done"):
        assert callback.done_at.astimezone(SHANGHAI).date() >= callback.due_date
    for request in LostRequest.objects.filter(lead__showroom=story).exclude(decided_at=None):
        assert request.requested_at < request.decided_at < CURRENT_TIME


def test_each_consultant_has_every_part_of_the_story_and_the_days_are_reported_and_signed(story):
    for consultant in User.objects.filter(showroom=story, groups__name=Role.CONSULTANT):
        leads = Lead.objects.filter(owner=consultant)
        assert {grade for grade in leads.filter(status="open").values_list("grade", flat=True)} == {"H", "A", "B", "C"}
        assert leads.filter(status="ordered").exists() and leads.filter(status="lost").exists()
        assert leads.filter(status="open", next_follow_up__lt=TODAY).exists(), "some follow-ups are overdue"
        kinds = set(Contact.objects.filter(consultant=consultant).values_list("kind", flat=True))
        assert {"test_drive", "quotation", "showroom_visit", "phone_call", "delivery", "callback"} <= kinds
        states = set(LostRequest.objects.filter(lead__owner=consultant).values_list("state", flat=True))
        assert states == {"pending", "approved", "returned"}
        assert OwnershipClash.objects.filter(Q(met_by=consultant) | Q(lead__owner=consultant)).exists()
        contracts = Contract.objects.filter(consultant=consultant)
        assert CustomerCard.objects.filter(contract__in=contracts).count() == contracts.count()
        deliveries = Delivery.objects.filter(consultant=consultant)
        assert deliveries.filter(status="completed").exists()
        assert deliveries.filter(status="booked", starts_at__gt=CURRENT_TIME).exists()
        callbacks = Callback.objects.filter(consultant=consultant)
        assert callbacks.filter(status="done").exists()
        assert callbacks.filter(status="pending", due_date__lte=TODAY).exists(), "callbacks due on Today"
    assert {"in_progress", "closed"} <= set(Complaint.objects.values_list("status", flat=True))

    days = set(RegisterDay.objects.filter(showroom=story).values_list("date", flat=True))
    assert set(RegisterDay.objects.filter(showroom=story, signed_off_at=None).values_list("date", flat=True)) == {TODAY}
    reports = DailyReport.objects.filter(showroom=story)
    assert not reports.filter(date=TODAY).exists(), "today's reports are not written yet"
    assert reports.count() == 3 * (len(days) - 1)
    assert not reports.filter(Q(submitted_at=None) | Q(signed_off_at=None)).exists()
    assert not Visit.objects.filter(showroom=story, visit_date=TODAY, left_at__gte=CURRENT_TIME).exists()
