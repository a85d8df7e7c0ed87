"""The lost-lead analysis (意向客户流失分析表): approved lost leads of a period, counted by reason, competitor
brand, consultant, channel and month, against data made by hand (showroom time, Asia/Shanghai)."""

from datetime import date, datetime

import pytest

from leads.selectors.tracker import lost_analysis
from leads.services.tracker import lead_decide_lost, lead_request_lost, lead_update_details
from tests.conftest import SHANGHAI
from tests.factories import UserFactory

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def at(month: int, day: int, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def lose(frozen_clock):
    """The owner asks on 20 October to close `lead` as lost; the manager decides at `decided` (None: not yet)."""

    def step(lead, *, decided: datetime | None, manager, approve: bool = True, **request):
        frozen_clock.move_to(at(10, 20, "12:00"))
        lost = lead_request_lost(lead=lead, by=lead.owner, **request)
        if decided is not None:
            frozen_clock.move_to(decided)
            lead_decide_lost(request=lost, by=manager, approve=approve, comment="" if approve else "再跟进")

    return step


@pytest.fixture
def lost_leads(frozen_clock, make_lead, lose, consultant, other_consultant, manager, other_manager):
    """Leads P1…P10, all made on 1 October; who lost them, how and when is in the table below."""
    zhang, li = consultant, other_consultant
    far = UserFactory(username="wu", last_name="吴", first_name="刚", showroom=other_manager.showroom)
    frozen_clock.move_to(at(10, 1, "20:00"))

    def lead(n: int, owner, kind: str = "walk_in"):
        return make_lead(
            consultant=owner, phone=f"139000000{n:02d}", day=date(2026, 10, 1), start=f"{8 + n}:00", kind=kind
        )

    p5 = lead(5, zhang, "call")
    lead_update_details(lead=p5, by=zhang, expected_version=p5.version, channel="referral")
    p5.refresh_from_db()
    lose(lead(1, zhang), decided=at(11, 3, "10:00"), manager=manager, reason="competitor", competitor_brand="比亚迪")
    lose(
        lead(2, zhang, "call"),
        decided=at(11, 10, "10:00"),
        manager=manager,
        reason="competitor",
        competitor_brand="比亚迪",
    )
    lose(lead(3, li), decided=at(11, 12, "10:00"), manager=manager, reason="competitor", competitor_brand="大众")
    lose(lead(4, li), decided=at(11, 20, "10:00"), manager=manager, reason="price")
    lose(p5, decided=at(11, 30, "23:30"), manager=manager, reason="unreachable")  # referral, last half hour
    lose(lead(6, zhang), decided=at(10, 31, "23:30"), manager=manager, reason="price")  # October
    # 00:30 on 1 December in Shanghai is still 30 November in UTC: December for the showroom.
    lose(lead(7, li), decided=at(12, 1, "00:30"), manager=manager, reason="competitor", competitor_brand="大众")
    lose(lead(8, zhang), decided=at(11, 15, "10:00"), manager=manager, approve=False, reason="price")  # sent back
    lose(lead(9, li), decided=None, manager=manager, reason="no_need")  # still waiting
    lose(
        lead(10, far), decided=at(11, 5, "10:00"), manager=other_manager, reason="competitor", competitor_brand="比亚迪"
    )
    frozen_clock.move_to(at(12, 2, "09:00"))


def test_lost_leads_of_a_period_counted_by_reason_brand_consultant_channel_and_month(
    lost_leads, showroom, consultant, other_consultant, django_assert_num_queries
):
    with django_assert_num_queries(5):
        analysis = lost_analysis(showroom=showroom, start=NOVEMBER[0], end=NOVEMBER[1])

    # Approved in November in this showroom: P1, P2, P3, P4, P5 (P6 is October, P7 December in Shanghai time,
    # P8 was sent back, P9 waits, P10 is another showroom's).
    # Reasons: competitor P1 P2 P3 = 3; price P4 = 1; unreachable P5 = 1.
    assert analysis["by_reason"] == [
        {"reason": "competitor", "n": 3},
        {"reason": "price", "n": 1},
        {"reason": "unreachable", "n": 1},
    ]
    # Brands: 比亚迪 P1 P2 = 2; 大众 P3 = 1.
    assert analysis["by_competitor"] == [{"competitor_brand": "比亚迪", "n": 2}, {"competitor_brand": "大众", "n": 1}]
    # Consultants: 张 P1 P2 P5 = 3; 李 P3 P4 = 2.
    assert analysis["by_consultant"] == [
        {"lead__owner": consultant.pk, "lead__owner__last_name": "张", "lead__owner__first_name": "伟", "n": 3},
        {
            "lead__owner": other_consultant.pk,
            "lead__owner__last_name": "李",
            "lead__owner__first_name": "娜",
            "n": 2,
        },
    ]
    # Channels: walk-in P1 P3 P4 = 3; call P2 = 1; referral P5 = 1.
    assert analysis["by_channel"] == [
        {"lead__channel": "walk_in", "n": 3},
        {"lead__channel": "call", "n": 1},
        {"lead__channel": "referral", "n": 1},
    ]
    assert analysis["by_month"] == [{"month": at(11, 1, "00:00"), "n": 5}]


def test_lost_leads_over_several_months_are_counted_per_showroom_month(lost_leads, showroom):
    analysis = lost_analysis(showroom=showroom, start=date(2026, 10, 1), end=date(2026, 12, 31))

    # October P6; November P1–P5; December P7 (decided at 00:30 on 1 December, Shanghai time).
    assert analysis["by_month"] == [
        {"month": at(10, 1, "00:00"), "n": 1},
        {"month": at(11, 1, "00:00"), "n": 5},
        {"month": at(12, 1, "00:00"), "n": 1},
    ]
    # Competitor P1 P2 P3 P7 = 4; price P4 P6 = 2; unreachable P5 = 1.
    assert analysis["by_reason"] == [
        {"reason": "competitor", "n": 4},
        {"reason": "price", "n": 2},
        {"reason": "unreachable", "n": 1},
    ]


def test_period_without_lost_leads_is_empty(lost_leads, showroom):
    analysis = lost_analysis(showroom=showroom, start=date(2026, 9, 1), end=date(2026, 9, 30))

    assert analysis == {"by_reason": [], "by_competitor": [], "by_consultant": [], "by_channel": [], "by_month": []}


def test_lead_the_manager_asked_to_close_counts_for_its_consultant(
    frozen_clock, make_lead, showroom, other_consultant, manager
):
    lead = make_lead(consultant=other_consultant, day=date(2026, 11, 21), start="10:00")
    lost = lead_request_lost(lead=lead, by=manager, reason="unreachable")
    lead_decide_lost(request=lost, by=manager, approve=True)

    analysis = lost_analysis(showroom=showroom, start=date(2026, 11, 1), end=date(2026, 11, 30))

    assert [row["lead__owner"] for row in analysis["by_consultant"]] == [other_consultant.pk]
