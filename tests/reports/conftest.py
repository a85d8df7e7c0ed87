"""A small showroom month made by hand, through the app's own services, whose every figure the tests work out.

The clock is the suite's (Saturday 2026-11-21 15:30, Shanghai). November 2026: Sunday 1, Monday 2, Tuesday 3,
Saturday 7, Monday 9, Tuesday 10, Friday 13, Saturday 14, Monday 16, Wednesday 18, Thursday 19, Friday 20,
Saturday 21. Every weekday occurs three times from the 1st to the 21st.

Register (北京一店; 张伟 = zhang, 李娜 = li):

    entry  date   who    kind     arrival  minutes  phone  grade  source      district
    V0     10-31  zhang  walk-in  10:00    30       P6     B      web         朝阳区    (before the month)
    V1     11-02  zhang  walk-in  09:15    25       P1     B      web         朝阳区
    V2     11-02  zhang  walk-in  14:00    8        –      –      passing_by  –
    V3     11-07  zhang  walk-in  10:30    35       P2     A      friends     海淀区
    V4     11-07  zhang  call     11:00    5        P3     C      web         –
    V5     11-14  zhang  walk-in  15:00    45       P2     H      friends     海淀区    (P2 comes back)
    V6     11-21  zhang  walk-in  10:00    130      P4     O      web         朝阳区    (ordered on the spot)
    V7     11-03  li     walk-in  19:10    15       –      –      tv          –
    V8     11-03  li     walk-in  07:30    65       P5     C      web         朝阳区
    V9     11-21  li     walk-in  13:00    20       –      –      web         –
    (V10   11-05  li, deleted; and one entry of 上海一店 on 11-10: neither counts.)

Leads and what happened to them:
    L6 (P6, zhang): B from 10-31, next follow-up 11-07; never contacted again.
    L1 (P1, zhang): B from 11-02 (next 11-09); call 11-09 16:00 B→A (next 11-12); call 11-13 10:00 A→A
        (next 11-16); nothing since.
    L2 (P2, zhang): A from 11-07 (next 11-10); test drive 11-10 15:00 A→A (next 11-13); V5 11-14 A→H
        (next 11-15); quotation 11-16 11:00 H→H (next 11-17); order 11-18 17:00 → O; delivery 11-20 16:00
        (recorded straight as a contact, as the delivery app will).
    L3 (P3, zhang): C from the call 11-07 (next 11-22); invitation 11-20 14:00 C→B (next 11-27);
        callback 11-21 11:00 B→B (next 11-28).
    L4 (P4, zhang): ordered on the spot 11-21 (V6).
    L5 (P5, li): C from 11-03 (next 11-18); lost requested 11-19 10:00, approved by the manager 11-20 10:00.
"""

from dataclasses import dataclass
from datetime import date, datetime

import pytest

from leads.models import Contact, Lead, LostRequest, Visit
from leads.rollups import contact_rollup_refresh
from leads.services.register import visit_delete
from leads.services.tracker import contact_record, lead_decide_lost, lead_request_lost
from tests.conftest import CURRENT_TIME, SHANGHAI
from tests.factories import CarModelFactory, DistrictFactory, UserFactory, source


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def nov(day: int) -> date:
    return date(2026, 11, day)


@dataclass
class World:
    zhang: object
    li: object
    manager: object
    leads: dict[str, Lead]
    visits: dict[str, Visit]


def record(lead: Lead, *, kind: str, when: datetime, grade: str, **extra) -> Contact:
    lead.refresh_from_db()
    return contact_record(
        lead=lead,
        by=lead.owner,
        kind=kind,
        occurred_at=when,
        grade_after=grade,
        expected_version=lead.version,
        **extra,
    )


@pytest.fixture
def world(make_visit, frozen_clock, showroom, other_showroom, consultant, other_consultant, manager) -> World:
    zhang, li = consultant, other_consultant
    chaoyang = DistrictFactory(showroom=showroom, name="朝阳区")
    haidian = DistrictFactory(showroom=showroom, name="海淀区")
    car = CarModelFactory(brand="丰田", name="凯美瑞")
    visits: dict[str, Visit] = {}

    def visit(name, *, who, day, start, minutes, phone="", grade="", src="web", district=None, kind="walk_in"):
        visits[name] = make_visit(
            consultant=who,
            day=day,
            start=start,
            minutes=minutes,
            kind=kind,
            phone=phone,
            no_phone=not phone,
            grade=grade,
            source=source(src),
            district=district,
            customer_name=f"{name}客户",
        )
        return visits[name]

    def lead_of(name) -> Lead:
        return Lead.objects.get(contacts__visit=visits[name])

    # In the order things happened: a contact needs its lead open.
    visit("V0", who=zhang, day=date(2026, 10, 31), start="10:00", minutes=30, phone="13900000006", grade="B",
          district=chaoyang)  # fmt: skip
    visit("V1", who=zhang, day=nov(2), start="09:15", minutes=25, phone="13900000001", grade="B", district=chaoyang)
    visit("V2", who=zhang, day=nov(2), start="14:00", minutes=8, src="passing_by")
    visit("V7", who=li, day=nov(3), start="19:10", minutes=15, src="tv")
    visit("V8", who=li, day=nov(3), start="07:30", minutes=65, phone="13900000005", grade="C", district=chaoyang)
    deleted = visit("V10", who=li, day=nov(5), start="10:00", minutes=30)
    visit("V3", who=zhang, day=nov(7), start="10:30", minutes=35, phone="13900000002", grade="A", src="friends",
          district=haidian)  # fmt: skip
    visit("V4", who=zhang, day=nov(7), start="11:00", minutes=5, phone="13900000003", grade="C", kind="call")
    leads = {name: lead_of(visit_name) for name, visit_name in
             [("L6", "V0"), ("L1", "V1"), ("L5", "V8"), ("L2", "V3"), ("L3", "V4")]}  # fmt: skip

    record(leads["L1"], kind="phone_call", when=at(11, 9, 16), grade="A")
    record(
        leads["L2"],
        kind="test_drive",
        when=at(11, 10, 15),
        grade="A",
        model_driven=car,
        licence_number="110101199001011234",
        agreement_signed=True,
    )
    record(leads["L1"], kind="phone_call", when=at(11, 13, 10), grade="A")
    visit("V5", who=zhang, day=nov(14), start="15:00", minutes=45, phone="13900000002", grade="H", src="friends",
          district=haidian)  # fmt: skip
    record(leads["L2"], kind="quotation", when=at(11, 16, 11), grade="H")
    record(leads["L2"], kind="order", when=at(11, 18, 17), grade="O")

    frozen_clock.move_to(at(11, 19, 10))
    request = lead_request_lost(lead=leads["L5"], by=li, reason="competitor", competitor_brand="比亚迪")
    frozen_clock.move_to(at(11, 20, 10))
    lead_decide_lost(request=request, by=manager, approve=True)
    frozen_clock.move_to(CURRENT_TIME)

    record(leads["L3"], kind="invitation", when=at(11, 20, 14), grade="B")
    # The delivery app will record deliveries on ordered leads; contact_record refuses closed leads.
    Contact.objects.create(
        lead=leads["L2"],
        showroom=showroom,
        consultant=zhang,
        kind="delivery",
        occurred_at=at(11, 20, 16),
        contact_date=nov(20),
        grade_before="O",
        grade_after="O",
        summary="交车，介绍服务顾问",
    )
    # Written straight into the table, so its day rollup is recounted as the service would have done.
    contact_rollup_refresh(showroom=showroom, day=nov(20), consultant_id=zhang.pk)
    record(leads["L3"], kind="callback", when=at(11, 21, 11), grade="B")
    visit("V6", who=zhang, day=nov(21), start="10:00", minutes=130, phone="13900000004", grade="O",
          district=chaoyang)  # fmt: skip
    visit("V9", who=li, day=nov(21), start="13:00", minutes=20)
    leads["L4"] = lead_of("V6")
    visit_delete(visit=deleted, by=manager, reason="录重了")

    # Another showroom's entry in the month: never in 北京一店's figures.
    stranger = UserFactory(username="wu", last_name="吴", first_name="磊", showroom=other_showroom)
    make_visit(consultant=stranger, day=nov(10), start="10:00", phone="13900000009", grade="A")

    for lead in leads.values():
        lead.refresh_from_db()
    assert LostRequest.objects.get(lead=leads["L5"]).state == "approved"
    return World(zhang=zhang, li=li, manager=manager, leads=leads, visits=visits)


@pytest.fixture
def busier(make_visit, showroom, world):
    """More of everything (consultants, entries, leads, contacts) in the same month: the pages must run the same
    number of queries as with `world` alone."""
    extra = [UserFactory(username=f"sc{n}", last_name="赵", first_name=f"{n}号", showroom=showroom) for n in range(3)]
    phone = 13800000100
    for n, who in enumerate(extra):
        for day in (2, 9, 16, 21):
            for hour in ("09:00", "11:00"):
                phone += 1
                visit = make_visit(
                    consultant=who, day=nov(day), start=hour, minutes=20 + n, phone=str(phone), grade="A"
                )
                lead = Lead.objects.get(contacts__visit=visit)
                if day < 21:
                    record(lead, kind="phone_call", when=at(11, day + 1, 10), grade="H")
        make_visit(consultant=who, day=nov(21), start="12:00", minutes=5, phone="", no_phone=True, grade="")
    return extra
