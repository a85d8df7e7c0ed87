"""The day rollups (leads.rollups) against the raw rows: on seeded random data every rollup-based figure of the
dashboards, the daily review and the workbook equals the count made here from the rows themselves; the
services keep the rollups current in their own transaction; the command and the nightly job heal drift."""

import random
from collections import Counter, defaultdict
from datetime import date, time, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction

from leads.models import Contact, ContactDayRollup, ContactKind, FunnelDayRollup, Lead, Visit, VisitDayRollup
from leads.rollups import TIME_SLOTS, rollups_heal
from leads.services import register as services
from leads.services.tracker import contact_record, contact_record_after_order, lead_reopen_after_cancellation
from reports.analytics import selectors
from reports.excel.export_selectors import consultant_performance
from tests.conftest import TODAY
from tests.factories import CarModelFactory, ShowroomFactory, UserFactory, visit_times

FIRST, LAST = date(2026, 11, 1), date(2026, 11, 20)
KINDS = [
    ContactKind.PHONE_CALL,
    ContactKind.INVITATION,
    ContactKind.QUOTATION,
    ContactKind.SHOWROOM_VISIT,
    ContactKind.TEST_DRIVE,
]


def _day(rng: random.Random, after: date = FIRST) -> date:
    return after + timedelta(days=rng.randrange((LAST - after).days + 1))


@pytest.fixture
def history(db, make_visit, frozen_clock):
    """Three showrooms (one in another time zone), three consultants each, twenty days: entries with and without
    phones (returning customers among them), contacts on their leads, orders, edits that move entries to another
    consultant, kind or time slot, and deletions."""
    rng = random.Random(20261121)
    showrooms = [
        ShowroomFactory(code="rb1", name="一店"),
        ShowroomFactory(code="rb2", name="二店"),
        ShowroomFactory(code="rb3", name="三店", time_zone="Asia/Urumqi"),
    ]
    staff = {
        showroom.pk: [
            UserFactory(
                username=f"{showroom.code}c{n}", last_name="顾", first_name=f"{showroom.code}{n}", showroom=showroom
            )
            for n in range(3)
        ]
        for showroom in showrooms
    }
    manager = {
        showroom.pk: UserFactory(username=f"{showroom.code}m", showroom=showroom, role="manager")
        for showroom in showrooms
    }
    visits = []
    for _ in range(150):
        showroom = rng.choice(showrooms)
        phone = rng.choice(["", f"139{rng.randrange(40):08d}"])
        start = f"{rng.randrange(7, 22):02d}:{rng.choice(['00', '15', '59'])}"
        visits.append(
            make_visit(
                consultant=rng.choice(staff[showroom.pk]),
                day=_day(rng),
                start=start,
                minutes=rng.randrange(5, 120),
                kind=rng.choice(["walk_in", "walk_in", "call"]),
                phone=phone,
                no_phone=not phone,
                grade=rng.choice(["", "A", "B", "H", "O"]) if phone else "",
            )
        )
    car = CarModelFactory()
    for lead in Lead.objects.filter(status="open").order_by("pk"):
        for _ in range(rng.randrange(3)):
            lead.refresh_from_db()
            if lead.status != "open":
                break
            day = _day(rng, after=lead.contacts.order_by("contact_date").first().contact_date)
            kind = rng.choice([*KINDS, ContactKind.ORDER])
            test_drive = {"model_driven": car, "licence_number": "110101199001011234", "agreement_signed": True}
            contact_record(
                **(test_drive if kind == ContactKind.TEST_DRIVE else {}),
                lead=lead,
                by=rng.choice(staff[lead.showroom_id]),
                kind=kind,
                occurred_at=visit_times(lead.showroom, day, "11:00")[0],
                grade_after=rng.choice(["H", "A", "B"]),
                expected_version=lead.version,
            )
    # Deliveries to some ordered customers, and an order or two that fell through (the funnel's orders move back).
    ordered = list(Lead.objects.filter(status="ordered").order_by("pk"))
    for lead in rng.sample(ordered, len(ordered) // 2):
        day = _day(rng, after=lead.contacts.order_by("-contact_date").first().contact_date)
        contact_record_after_order(
            lead=lead, by=lead.owner, kind=ContactKind.DELIVERY, occurred_at=visit_times(lead.showroom, day, "15:00")[0]
        )
    reopenable = [
        lead
        for lead in ordered
        if not Lead.objects.filter(showroom=lead.showroom, phone=lead.phone, status="open").exists()
    ]
    for lead in rng.sample(reopenable, 2):
        lead_reopen_after_cancellation(lead=lead, by=manager[lead.showroom_id], note="合同取消")
    for visit in rng.sample(visits, 40):
        visit.refresh_from_db()
        change = rng.choice(["consultant", "kind", "slot"])
        fields = {
            "consultant": {"consultant": rng.choice(staff[visit.showroom_id])},
            "kind": {"kind": "call" if visit.kind == "walk_in" else "walk_in"},
            "slot": dict(
                zip(("arrived_at", "left_at"), visit_times(visit.showroom, visit.visit_date, "19:45", 10), strict=True)
            ),
        }[change]
        services.visit_update(visit=visit, editor=manager[visit.showroom_id], expected_version=visit.version, **fields)
    for visit in rng.sample(visits, 15):
        services.visit_delete(visit=visit, by=manager[visit.showroom_id], reason="录重了")
    return showrooms, staff


# --- The counts, made here from the rows ----------------------------------------------------------------------


def _slot(local: time) -> int:
    for index, (begin, end) in enumerate(TIME_SLOTS):
        if time(begin) <= local < time(end):
            return index
    return len(TIME_SLOTS)


def raw_register(showroom, start, end, consultant=None) -> list[dict]:
    visits = Visit.objects.filter(showroom=showroom, visit_date__range=(start, end), deleted_at__isnull=True)
    if consultant is not None:
        visits = visits.filter(consultant=consultant)
    return [
        {
            "day": visit.visit_date,
            "consultant": visit.consultant_id,
            "walk_in": visit.kind == "walk_in",
            "no_phone": visit.no_phone,
            "slot": _slot(visit.arrived_at.astimezone(showroom.zone).time()),
        }
        for visit in visits
    ]


def raw_contacts(showroom, start, end, consultant=None) -> list:
    from leads.models import Contact

    contacts = Contact.objects.filter(showroom=showroom, contact_date__range=(start, end))
    if consultant is not None:
        contacts = contacts.filter(consultant=consultant)
    return list(contacts)


def raw_cohort(scope) -> list[int]:
    """The funnel's leads, came back, test-driven, ordered, delivered, counted here: every live entry of the scope
    whose contact opened a lead, and that lead's contacts in the showroom from the entry's day on."""
    entries = Visit.objects.filter(
        showroom=scope.showroom, visit_date__range=(scope.start, scope.end), deleted_at__isnull=True
    )
    if scope.consultant is not None:
        entries = entries.filter(consultant=scope.consultant)
    counts = [0, 0, 0, 0, 0]
    for entry in entries.select_related("contact__lead"):
        contact = getattr(entry, "contact", None)
        if contact is None or contact.grade_before != "":
            continue
        since = [
            c.kind
            for c in Contact.objects.filter(lead=contact.lead, showroom=scope.showroom)
            if c.contact_date >= entry.visit_date
        ]
        counts[0] += 1
        counts[1] += since.count(ContactKind.SHOWROOM_VISIT) >= 2
        counts[2] += ContactKind.TEST_DRIVE in since
        counts[3] += contact.lead.status == "ordered"
        counts[4] += ContactKind.DELIVERY in since
    return counts


def expected_kind_rows(entries, keys, key_of) -> list[list[int]]:
    walk_ins = Counter(key_of(entry) for entry in entries if entry["walk_in"])
    calls = Counter(key_of(entry) for entry in entries if not entry["walk_in"])
    return [[walk_ins[key], calls[key], walk_ins[key] + calls[key]] for key in keys]


def assert_dashboard_matches(scope: selectors.Scope) -> None:
    entries = raw_register(scope.showroom, scope.start, scope.end, scope.consultant)
    figures = selectors.dashboard_figures(scope, today=TODAY)

    def counts(key: str, width: int = 3) -> list[list[int]]:
        return [values[:width] for _label, values in figures[key].rows]

    assert counts("visits_by_day") == expected_kind_rows(entries, scope.days, lambda entry: entry["day"])
    assert counts("visits_by_weekday") == expected_kind_rows(entries, range(1, 8), lambda e: e["day"].isoweekday())
    assert counts("visits_by_day_of_month") == expected_kind_rows(entries, range(1, 32), lambda e: e["day"].day)
    traffic = Counter((entry["slot"], entry["day"].isoweekday()) for entry in entries if entry["walk_in"])
    expected_traffic = [[traffic[slot, iso] for iso in range(1, 8)] for slot in range(len(TIME_SLOTS) + 1)]
    assert counts("traffic_by_slot", 7) == expected_traffic
    per_consultant = defaultdict(lambda: [0, 0])
    for entry in entries:
        per_consultant[entry["consultant"]][0] += 1
        per_consultant[entry["consultant"]][1] += entry["no_phone"]
    names = {
        user.pk: f"{user.last_name}{user.first_name}".strip() or user.username for user in scope.showroom.staff.all()
    }
    assert sorted((label, values[:2]) for label, values in figures["no_phone_by_consultant"].rows) == sorted(
        (names[pk], values) for pk, values in per_consultant.items()
    )
    funnel = figures["funnel"].rows
    assert [funnel[0][1][0], funnel[1][1][0]] == [len(entries), sum(not entry["no_phone"] for entry in entries)]
    assert [funnel[row][1][0] for row in (2, 3, 4, 5, 6)] == raw_cohort(scope)
    # The same scope on the raw rows (the register as signed: no day is signed off here) gives the same figures.
    raw = selectors.dashboard_figures(selectors.Scope(**{**scope.__dict__, "as_signed": True}), today=TODAY)
    assert {key: figure.rows for key, figure in raw.items()} == {key: f.rows for key, f in figures.items()}


def assert_daily_figures_match(showroom, day, consultant=None) -> None:
    figures = selectors.daily_report_figures(showroom=showroom, day=day, consultant=consultant)
    expected = defaultdict(selectors.DailyFigures)
    for entry in raw_register(showroom, day, day, consultant):
        line = expected[entry["consultant"]]
        line.walk_ins += entry["walk_in"]
        line.calls += not entry["walk_in"]
        line.visitors += 1
        line.with_phone += not entry["no_phone"]
    for contact in raw_contacts(showroom, day, day, consultant):
        line = expected[contact.consultant_id]
        line.contacts += 1
        line.new_leads += contact.grade_before == ""
        line.orders += contact.grade_after == "O" and contact.grade_before != "O"
        line.by_kind[contact.kind] += 1
    counted = ["visitors", "walk_ins", "calls", "with_phone", "new_leads", "contacts", "by_kind", "orders"]
    for user_id in {*figures, *expected}:
        got, want = figures.get(user_id, selectors.DailyFigures()), expected[user_id]
        assert {name: getattr(got, name) for name in counted} == {name: getattr(want, name) for name in counted}


def assert_performance_matches(scope: selectors.Scope) -> None:
    rows = {label: values for label, values in consultant_performance(scope).rows}
    entries = raw_register(scope.showroom, scope.start, scope.end, scope.consultant)
    contacts = raw_contacts(scope.showroom, scope.start, scope.end, scope.consultant)
    users = {user.pk: str(user) for user in scope.showroom.staff.all()}
    expected = {}
    for pk in {entry["consultant"] for entry in entries} | {contact.consultant_id for contact in contacts}:
        mine = [contact for contact in contacts if contact.consultant_id == pk]
        seen = [entry for entry in entries if entry["consultant"] == pk]
        expected[users[pk]] = [
            len(seen),
            sum(not entry["no_phone"] for entry in seen),
            sum(contact.grade_before == "" for contact in mine),
            sum(contact.kind == ContactKind.TEST_DRIVE for contact in mine),
            sum(contact.grade_after == "O" and contact.grade_before != "O" for contact in mine),
            sum(contact.kind == ContactKind.DELIVERY for contact in mine),
        ]
    assert {label: [v[0], v[1], v[3], v[4], v[5], v[6]] for label, v in rows.items()} == expected


def rollup_rows() -> set[tuple]:
    return {
        tuple(row.values())
        for model in (VisitDayRollup, ContactDayRollup, FunnelDayRollup)
        for row in model.objects.order_by("pk").values(*[f.attname for f in model._meta.concrete_fields[1:]])
    }


# --- The tests ---------------------------------------------------------------------------------------------------


def test_every_rollup_based_figure_equals_the_raw_count_on_random_data(history):
    showrooms, staff = history
    rng = random.Random(7)
    assert VisitDayRollup.objects.exists() and ContactDayRollup.objects.exists() and FunnelDayRollup.objects.exists()
    for showroom in showrooms:
        periods = [(FIRST, LAST), (date(2026, 11, 3), date(2026, 11, 9)), (LAST, LAST)]
        periods.append(tuple(sorted([_day(rng), _day(rng)])))
        for start, end in periods:
            for consultant in [None, *staff[showroom.pk]]:
                scope = selectors.Scope(showroom=showroom, start=start, end=end, consultant=consultant)
                assert_dashboard_matches(scope)
                assert_performance_matches(selectors.Scope(**{**scope.__dict__, "as_signed": True}))
        for day in [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]:
            assert_daily_figures_match(showroom, day)
            assert_daily_figures_match(showroom, day, consultant=staff[showroom.pk][0])
    # The rows the services kept are the rows a rebuild makes from scratch.
    kept = rollup_rows()
    call_command("rollups_rebuild")
    assert rollup_rows() == kept


def test_rollups_rebuild_heals_corrupted_missing_and_stray_rows(history):
    showrooms, staff = history
    kept = rollup_rows()
    row = VisitDayRollup.objects.filter(showroom=showrooms[0]).first()
    VisitDayRollup.objects.filter(pk=row.pk).update(walk_ins=row.walk_ins + 99, slot_3=7)
    ContactDayRollup.objects.filter(showroom=showrooms[0]).order_by("pk").first().delete()
    VisitDayRollup.objects.create(showroom=showrooms[0], day=date(2026, 11, 10), consultant=staff[showrooms[1].pk][0])
    assert rollup_rows() != kept

    call_command("rollups_rebuild", "--showroom", "rb1", "--from", "2026-11-01", "--to", "2026-11-20")
    assert rollup_rows() == kept
    call_command("rollups_rebuild", "--showroom", "rb1", "--from", "2026-11-01", "--to", "2026-11-20")
    assert rollup_rows() == kept  # idempotent


def test_the_nightly_job_heals_the_last_days_up_to_yesterday(history, settings):
    showrooms, _staff = history
    kept = rollup_rows()
    VisitDayRollup.objects.filter(showroom=showrooms[2], day=LAST).update(calls=50)
    VisitDayRollup.objects.filter(showroom=showrooms[1], day=FIRST).update(calls=50)  # older than the window

    assert rollups_heal(days=3) == len(showrooms)
    healed = rollup_rows()
    assert not VisitDayRollup.objects.filter(showroom=showrooms[2], day=LAST, calls=50).exists()
    assert VisitDayRollup.objects.filter(showroom=showrooms[1], day=FIRST, calls=50).exists()
    settings.ROLLUPS_HEAL_DAYS = 30
    from leads.tasks import heal_rollups

    heal_rollups()
    assert rollup_rows() == kept != healed


class Rollback(Exception):
    pass


def _services(make_visit, consultant, other_consultant, manager):
    visit = make_visit(consultant=consultant, day=LAST, phone="13900000001", grade="A")
    lead = Lead.objects.get(contacts__visit=visit)

    def update():
        fresh = Visit.objects.get(pk=visit.pk)
        services.visit_update(
            visit=fresh, editor=manager, expected_version=fresh.version, consultant=other_consultant, kind="call"
        )

    def record():
        fresh = Lead.objects.get(pk=lead.pk)
        occurred_at = visit_times(fresh.showroom, LAST, "16:00")[0]
        contact_record(
            lead=fresh, by=consultant, kind="quotation", occurred_at=occurred_at, grade_after="H",
            expected_version=fresh.version,
        )  # fmt: skip

    return {
        "visit_register": lambda: make_visit(consultant=consultant, day=LAST, start="09:00", phone="", no_phone=True),
        "visit_update": update,
        "visit_delete": lambda: services.visit_delete(visit=Visit.objects.get(pk=visit.pk), by=manager, reason="录错"),
        "contact_record": record,
    }


@pytest.mark.parametrize("service", ["visit_register", "visit_update", "visit_delete", "contact_record"])
def test_each_service_keeps_the_rollups_current_in_its_own_transaction(
    service, make_visit, consultant, other_consultant, manager
):
    call = _services(make_visit, consultant, other_consultant, manager)[service]
    before = rollup_rows()
    with pytest.raises(Rollback), transaction.atomic():
        call()
        inside = rollup_rows()
        assert inside != before  # written with the service's rows, in its transaction
        raise Rollback
    assert rollup_rows() == before  # rolled back together

    call()
    after = rollup_rows()
    assert after == inside
    call_command("rollups_rebuild")
    assert rollup_rows() == after  # what the service left is what the raw rows say
