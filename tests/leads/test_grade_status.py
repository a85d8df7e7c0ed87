"""The monthly grade status (月份意向客户级别状况表), checked against figures worked out by hand from a small
history built with the clock travelling from October to December 2026 (showroom time, Asia/Shanghai)."""

import random
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse

from leads.grade_status import (
    GradeStatusRow,
    grade_status_heal,
    month_start,
    monthly_grade_status,
    next_month,
    state_at,
)
from leads.models import GradeStatusMonth, Lead, LeadEvent, OwnershipClash
from leads.services.tracker import clash_resolve, contact_record, lead_decide_lost, lead_reassign, lead_request_lost
from tests.conftest import SHANGHAI

OCTOBER, NOVEMBER, DECEMBER = date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)


def at(month: int, day: int, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def phone(n: int) -> str:
    return f"139000000{n:02d}"


def summary(rows: list[GradeStatusRow]) -> dict[str, dict]:
    """The rows keyed by consultant, as the report prints them."""
    return {
        row.consultant.username: {
            "start": row.at_start,
            "new": row.new,
            "up": row.upgraded,
            "down": row.downgraded,
            "ordered": row.ordered,
            "lost": row.lost,
            "end": row.at_end,
        }
        for row in rows
    }


def grades(h=0, a=0, b=0, c=0) -> dict[str, int]:
    return {"H": h, "A": a, "B": b, "C": c}


class History:
    """Steps of the story: the clock moves to each moment, then the service is called as the app would."""

    def __init__(self, clock, make_visit, manager):
        self.clock, self.make_visit, self.manager = clock, make_visit, manager

    def lead(self, n: int) -> Lead:
        return Lead.objects.filter(phone=phone(n)).latest("pk")

    def visit(self, when: datetime, consultant, n: int, grade: str) -> None:
        """A 30-minute visit starting at `when`, logged when it ends."""
        self.clock.move_to(when + timedelta(minutes=30))
        self.make_visit(consultant=consultant, day=when.date(), start=f"{when:%H:%M}", phone=phone(n), grade=grade)

    def contact(self, when: datetime, consultant, n: int, grade: str, kind: str = "phone_call") -> None:
        self.clock.move_to(when)
        lead = self.lead(n)
        contact_record(
            lead=lead, by=consultant, kind=kind, occurred_at=when, grade_after=grade, expected_version=lead.version
        )

    def lost(self, asked: datetime, decided: datetime, consultant, n: int, approve: bool, **request) -> None:
        self.clock.move_to(asked)
        lost_request = lead_request_lost(lead=self.lead(n), by=consultant, **request)
        self.clock.move_to(decided)
        lead_decide_lost(request=lost_request, by=self.manager, approve=approve, comment="" if approve else "再跟进")


@pytest.fixture
def history(frozen_clock, make_visit, consultant, other_consultant, manager):
    """October and November 2026 in a showroom with two consultants, 张 (consultant) and 李 (other_consultant).
    Leads are numbered by their phone: L1 = 13900000001, …"""
    zhang, li = consultant, other_consultant
    story = History(frozen_clock, make_visit, manager)
    # October: the leads the month of November starts with.
    story.visit(at(10, 10, "10:00"), zhang, 1, "A")  # L1 张 A
    story.visit(at(10, 12, "10:00"), zhang, 2, "B")  # L2 张 B
    story.visit(at(10, 15, "10:00"), zhang, 3, "C")  # L3 张 C
    story.visit(at(10, 20, "10:00"), li, 4, "H")  # L4 李 H
    story.visit(at(10, 22, "10:00"), li, 5, "C")  # L5 李 C
    story.contact(at(10, 25, "15:00"), zhang, 2, "A")  # L2 B→A, in October
    story.contact(at(10, 31, "23:30"), li, 4, "A")  # L4 H→A, the last half hour of October
    # November.
    story.contact(at(11, 1, "07:30"), li, 5, "B")  # L5 C→B: 1 November in Shanghai, still 31 October in UTC
    story.contact(at(11, 3, "15:00"), zhang, 1, "H")  # L1 A→H
    story.visit(at(11, 5, "10:00"), zhang, 7, "B")  # L7 张 new at B
    story.contact(at(11, 8, "15:00"), zhang, 2, "C")  # L2 A→C
    story.visit(at(11, 10, "10:00"), li, 8, "A")  # L8 李 new at A
    story.contact(at(11, 12, "15:00"), zhang, 1, "O", kind="order")  # L1 H→O
    story.lost(at(11, 14, "16:00"), at(11, 15, "09:00"), li, 4, True, reason="competitor", competitor_brand="比亚迪")
    story.lost(at(11, 16, "16:00"), at(11, 17, "09:00"), zhang, 3, False, reason="price")  # sent back: stays C
    story.visit(at(11, 18, "10:00"), li, 7, "A")  # 李 meets 张's L7 customer: clash, B→A on 张's lead
    story.contact(at(11, 20, "15:00"), zhang, 3, "C")  # L3 C→C: no move
    story.visit(at(11, 25, "10:00"), li, 9, "O")  # L9 李 new, deposit on the spot
    story.contact(at(11, 28, "15:00"), li, 8, "B")  # L8 A→B
    story.contact(at(11, 30, "23:30"), zhang, 2, "B")  # L2 C→B, the last half hour of November
    frozen_clock.move_to(at(12, 1, "06:00"))
    return story


# November worked out by hand from the history above.
# Start (state on 1 Nov 00:00): 张 has L1 A, L2 A (B→A on 25 Oct), L3 C; 李 has L4 A (H→A on 31 Oct 23:30), L5 C.
# During November:
#   张: new 1 (L7); upgraded 3 (L1 A→H, L7 B→A at 李's clash visit — the lead is still 张's, L2 C→B on 30 Nov);
#       downgraded 1 (L2 A→C); ordered 1 (L1); lost 0 (L3's request was sent back).
#   李: new 2 (L8 at A, L9 ordered on the spot — being created at a grade is not an upgrade); upgraded 1 (L5 C→B
#       on 1 Nov 07:30 Shanghai time); downgraded 1 (L8 A→B); ordered 1 (L9); lost 1 (L4, approved 15 Nov).
# End (state on 1 Dec 00:00): 张 has L2 B, L3 C, L7 A; 李 has L5 B, L8 B (L1, L9 ordered; L4 lost).
# Check: 张 3 + 1 new − 1 ordered = 3 at the end; 李 2 + 2 new − 1 ordered − 1 lost = 2.
NOVEMBER_BY_HAND = {
    "zhang": {
        "start": grades(a=2, c=1),
        "new": 1,
        "up": 3,
        "down": 1,
        "ordered": 1,
        "lost": 0,
        "end": grades(a=1, b=1, c=1),
    },
    "li": {"start": grades(a=1, c=1), "new": 2, "up": 1, "down": 1, "ordered": 1, "lost": 1, "end": grades(b=2)},
}


def test_past_month_matches_the_figures_worked_out_by_hand(history, showroom):
    rows = monthly_grade_status(showroom=showroom, month=NOVEMBER)

    assert summary(rows) == NOVEMBER_BY_HAND


def test_later_changes_leave_a_past_month_as_it_was(history, showroom, consultant, other_consultant, manager):
    zhang, li = consultant, other_consultant
    # December: a contact early on 1 December (30 November in UTC), the clash given to 李, another lead
    # reassigned to 李, an order, a new lead and an approved lost lead.
    history.contact(at(12, 1, "07:00"), li, 8, "H")  # L8 B→H
    history.clock.move_to(at(12, 2, "10:00"))
    clash_resolve(clash=OwnershipClash.objects.get(), by=manager, keep=li)  # L7 张→李
    history.clock.move_to(at(12, 3, "10:00"))
    lead_reassign(leads=[history.lead(3)], to=li, by=manager, reason="张伟客户太多")  # L3 张→李
    history.contact(at(12, 4, "15:00"), li, 5, "O", kind="order")  # L5 B→O
    history.visit(at(12, 5, "10:00"), zhang, 10, "H")  # L10 张 new at H
    history.lost(at(12, 5, "16:00"), at(12, 5, "17:00"), zhang, 2, True, reason="no_need")  # L2 lost
    history.clock.move_to(at(12, 6, "09:00"))

    november = monthly_grade_status(showroom=showroom, month=NOVEMBER)
    december = monthly_grade_status(showroom=showroom, month=DECEMBER)

    assert summary(november) == NOVEMBER_BY_HAND
    # December by hand: it starts where November ended. 张: new 1 (L10 at H), lost 1 (L2); L7 and L3 moved to
    # 李, so 张 ends with L10 H only. 李: upgraded 1 (L8 B→H), ordered 1 (L5); ends with L8 H, L7 A, L3 C.
    assert summary(december) == {
        "zhang": {
            "start": grades(a=1, b=1, c=1),
            "new": 1,
            "up": 0,
            "down": 0,
            "ordered": 0,
            "lost": 1,
            "end": grades(h=1),
        },
        "li": {"start": grades(b=2), "new": 0, "up": 1, "down": 0, "ordered": 1, "lost": 0, "end": grades(1, 1, 0, 1)},
    }


def test_one_consultants_row_only_when_asked(history, showroom, other_consultant):
    rows = monthly_grade_status(showroom=showroom, month=NOVEMBER, consultant=other_consultant)

    assert summary(rows) == {"li": NOVEMBER_BY_HAND["li"]}


def test_another_showrooms_leads_are_not_counted(history, other_showroom):
    assert monthly_grade_status(showroom=other_showroom, month=NOVEMBER) == []


def test_entry_logged_after_midnight_counts_in_the_month_of_the_visit(frozen_clock, make_visit, showroom, consultant):
    # A call from 23:00 to 23:40 on 31 October, entered in the register ten minutes after midnight.
    frozen_clock.move_to(at(11, 1, "00:10"))
    make_visit(consultant=consultant, day=date(2026, 10, 31), start="23:00", minutes=40, kind="call", grade="B")
    frozen_clock.move_to(at(11, 2, "09:00"))

    october = monthly_grade_status(showroom=showroom, month=OCTOBER)
    november = monthly_grade_status(showroom=showroom, month=NOVEMBER)

    # New in October and open at B when October ends; so November starts with it.
    assert summary(october) == {
        "zhang": {"start": grades(), "new": 1, "up": 0, "down": 0, "ordered": 0, "lost": 0, "end": grades(b=1)}
    }
    assert summary(november)["zhang"]["start"] == grades(b=1)


# --- Closed months kept, the current month from its own events ---------------------------------------------


def test_a_closed_month_is_computed_once_and_then_read_from_what_was_kept(history, showroom, django_assert_num_queries):
    # First read: the kept month is looked for (and October's, to start from), October's end worked out from the
    # history, November's events and the leads they touched read, the month kept, the consultants read.
    with django_assert_num_queries(8):
        first = monthly_grade_status(showroom=showroom, month=NOVEMBER)
    with django_assert_num_queries(2):  # the kept row and the consultants
        again = monthly_grade_status(showroom=showroom, month=NOVEMBER)

    assert summary(first) == summary(again) == NOVEMBER_BY_HAND
    assert GradeStatusMonth.objects.filter(showroom=showroom).values_list("month", flat=True).get() == NOVEMBER


def test_the_current_month_starts_from_the_kept_month_before_it(history, showroom, django_assert_num_queries):
    monthly_grade_status(showroom=showroom, month=NOVEMBER)  # kept
    history.contact(at(12, 2, "10:00"), history.manager, 5, "H")  # L5 (李's) B→H in December

    # November as kept, December's events and the leads they touched, the consultants: no whole-history read.
    with django_assert_num_queries(5):
        december = summary(monthly_grade_status(showroom=showroom, month=DECEMBER))

    assert december["li"]["start"] == NOVEMBER_BY_HAND["li"]["end"]
    assert december["li"]["end"] == grades(h=1, b=1)


def test_a_contact_recorded_late_into_a_kept_month_is_counted_in_it(history, showroom, consultant):
    assert summary(monthly_grade_status(showroom=showroom, month=NOVEMBER)) == NOVEMBER_BY_HAND
    monthly_grade_status(showroom=showroom, month=OCTOBER)  # kept as well

    # On 3 December 张 records a call he made on 29 November: L3 C→B.
    history.clock.move_to(at(12, 3, "09:00"))
    lead = history.lead(3)
    contact_record(
        lead=lead, by=consultant, kind="phone_call", occurred_at=at(11, 29, "16:00"), grade_after="B",
        expected_version=lead.version,
    )  # fmt: skip

    # November (and anything after it) is forgotten and computed again; October, before the late call, is kept.
    assert list(GradeStatusMonth.objects.values_list("month", flat=True)) == [OCTOBER]
    zhang = summary(monthly_grade_status(showroom=showroom, month=NOVEMBER))["zhang"]
    assert (zhang["up"], zhang["end"]) == (4, grades(a=1, b=2))


def test_the_nightly_heal_replaces_a_kept_month_that_went_wrong(history, showroom):
    monthly_grade_status(showroom=showroom, month=NOVEMBER)
    GradeStatusMonth.objects.filter(month=NOVEMBER).update(rows={})  # drift: SQL by hand, a raced first reader

    assert grade_status_heal() == 1

    assert summary(monthly_grade_status(showroom=showroom, month=NOVEMBER)) == NOVEMBER_BY_HAND


def test_kept_and_incremental_months_equal_the_whole_history_on_random_data(
    frozen_clock, make_lead, showroom, consultant, other_consultant, manager
):
    """Random grade and owner changes over five months; every month's start and end, however it was worked out
    (kept months chained, the current month from its own events), equals each lead's latest event read raw."""
    rng = random.Random(20261206)
    owners = [consultant, other_consultant, manager]
    frozen_clock.move_to(at(7, 1, "10:00"))
    leads = [
        make_lead(
            consultant=rng.choice(owners), phone=phone(n), grade=rng.choice("HABC"), day=date(2026, 7, 1), start="09:00"
        )
        for n in range(40)
    ]
    for _ in range(300):
        lead = rng.choice(leads)
        moment = at(7, 1, "12:00") + timedelta(minutes=rng.randrange(5 * 31 * 24 * 60))
        LeadEvent.objects.create(
            lead=lead, kind=LeadEvent.Kind.CONTACT, at=min(moment, at(12, 5, "23:00")), by=consultant,
            grade=rng.choice("HABCO"), status="open", owner=rng.choice(owners),
        )  # fmt: skip
    frozen_clock.move_to(at(12, 6, "09:00"))
    months = [date(2026, m, 1) for m in (7, 9, 8, 10, 12, 11)]  # out of order: some kept before, some after
    for month in months:
        rows = {row.consultant.pk: row for row in monthly_grade_status(showroom=showroom, month=month)}
        for moment, side in (
            (month_start(showroom, month), "at_start"),
            (month_start(showroom, next_month(month)), "at_end"),
        ):
            raw = state_at(showroom, moment)
            shown = {(pk, g): n for pk, row in rows.items() for g, n in getattr(row, side).items() if n}
            assert shown == dict(raw), (month, side)
    assert GradeStatusMonth.objects.count() == 5  # every closed month, not December


def test_the_page_runs_the_same_queries_whatever_the_month_holds(
    history, client_for, manager, consultant, django_assert_num_queries
):
    history.clock.move_to(at(12, 6, "09:00"))
    client = client_for(manager)
    page = reverse("leads:grade_status")
    client.get(page, {"month": "2026-11"})  # November computed and kept

    def queries(month: str, expected: int) -> None:
        with django_assert_num_queries(expected):
            assert client.get(page, {"month": month}).status_code == 200

    queries("2026-11", 10)  # a kept month
    queries("2026-12", 13)  # the current month: from November as kept and December's own events
    for n in range(20, 26):  # more leads and contacts in December
        history.visit(at(12, 2, f"{n - 10}:00"), consultant, n, "B")
        history.contact(at(12, 3, f"{n - 10}:00"), consultant, n, "A")
    history.clock.move_to(at(12, 6, "09:00"))  # the clock back where the pages were first read
    queries("2026-11", 10)
    queries("2026-12", 13)
