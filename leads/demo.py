"""The demo showroom's register and lead tracker, for `manage.py seed_demo` (reports/management/commands).

The leads app's share of the demo: the showroom, staff, catalogue, a realistic visitor register (bulk-loaded;
see RegisterLoader) feeding the lead tracker through the lead service, then each lead's follow-ups, lost
requests and ownership clashes through the lead services, each at the moment it happens (`demo_clock`). The
apps above add their share (delivery/demo.py) from the command, which lives in reports, the top of the chain.
"""

import math
import os
import random
from bisect import bisect
from collections import deque
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import accumulate

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django.db import reset_queries
from django.db.models import Max

from dealer_crm.core.history import Revision, changes_between, history_revision
from dealer_crm.core.models import CarModel, District, InformationSource, Role, Showroom, User
from leads.models import (
    OPEN_GRADES,
    ContactKind,
    Gender,
    Grade,
    Lead,
    LeadStatus,
    LostReason,
    LostRequest,
    RegisterDay,
    Visit,
    VisitKind,
)
from leads.rollups import rollups_rebuild
from leads.services.register import VISIT_FIELDS, visit_register
from leads.services.tracker import contact_record, lead_attach_visit, lead_decide_lost, lead_request_lost

DEMO_SHOWROOM_CODE = "demo"
DEMO_SHOWROOM_NAME = "演示展厅"
# Only ever set in a local demo database, and printed on every run: a convenience, not a secret.
DEMO_PASSWORD = "showroom-demo"

# username, family name, given name, role. Prefixed usernames so a developer's own "admin" is never touched.
DEMO_STAFF = [
    ("demo_manager", "刘", "强", Role.MANAGER),
    ("demo_sc1", "张", "伟", Role.CONSULTANT),
    ("demo_sc2", "李", "娜", Role.CONSULTANT),
    ("demo_sc3", "王", "磊", Role.CONSULTANT),
    ("demo_admin", "陈", "静", Role.ADMIN),
]
ROLE_LABELS = {
    Role.MANAGER: "展厅经理 / Showroom manager",
    Role.CONSULTANT: "销售顾问 / Sales consultant",
    Role.ADMIN: "管理员 / Administrator",
}
# Not every consultant receives the same share of visitors.
CONSULTANT_WEIGHTS = [12, 10, 8]

# brand -> [(model, popularity)]
CATALOGUE = {
    "丰田": [("凯美瑞", 9), ("卡罗拉", 7), ("RAV4荣放", 8), ("汉兰达", 5), ("亚洲龙", 3)],
    "本田": [("雅阁", 8), ("思域", 5), ("CR-V", 7), ("飞度", 2)],
    "大众": [("帕萨特", 6), ("迈腾", 5), ("朗逸", 6), ("途观L", 5)],
    "比亚迪": [("汉", 7), ("唐", 4), ("宋PLUS", 8), ("秦PLUS", 7), ("海豚", 4)],
    "吉利": [("星越L", 4), ("博越L", 4)],
}
# Models customers compare with in the talk summaries; deliberately outside the catalogue.
RIVALS = ["别克君威", "日产天籁", "马自达阿特兹", "特斯拉Model 3", "理想L6", "哈弗H6", "奥迪A4L", "蔚来ET5"]

# The districts around the demo showroom (in 朝阳区), with how many visitors each sends.
DISTRICTS = [
    ("朝阳区", 30),
    ("海淀区", 14),
    ("东城区", 6),
    ("西城区", 6),
    ("丰台区", 11),
    ("通州区", 10),
    ("昌平区", 8),
    ("大兴区", 8),
    ("顺义区", 7),
]
# Codes of the eight sources seeded by core's migration, weighted per kind: a caller is never "passing by".
SOURCE_WEIGHTS = {
    VisitKind.WALK_IN: {
        "web": 30,
        "tv": 6,
        "print": 3,
        "radio": 5,
        "auto_show": 6,
        "friends": 15,
        "passing_by": 20,
        "other": 5,
    },
    VisitKind.CALL: {
        "web": 45,
        "tv": 10,
        "print": 6,
        "radio": 10,
        "auto_show": 6,
        "friends": 15,
        "passing_by": 0,
        "other": 8,
    },
}

SURNAMES = [
    ("王", 10), ("李", 10), ("张", 9), ("刘", 7), ("陈", 6), ("杨", 4), ("黄", 3), ("赵", 3), ("吴", 3), ("周", 3),
    ("徐", 2), ("孙", 2), ("马", 2), ("朱", 2), ("胡", 2), ("郭", 2), ("何", 2), ("高", 2), ("林", 2), ("罗", 1),
    ("郑", 1), ("梁", 1), ("谢", 1), ("宋", 1), ("唐", 1), ("许", 1), ("韩", 1), ("冯", 1), ("邓", 1), ("曹", 1),
]  # fmt: skip
GIVEN_NAMES = {
    Gender.MALE: ["伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "鹏", "辉", "建国", "建华", "志强",
                  "海涛", "俊杰", "浩然", "子轩", "宇航", "文博"],
    Gender.FEMALE: ["芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "婷", "雪", "慧", "玲", "秀英", "桂英", "丽华",
                    "欣怡", "雨涵", "梓涵", "思琪", "佳怡"],
}  # fmt: skip
SALUTATIONS = {Gender.MALE: "先生", Gender.FEMALE: "女士"}

# Mainland mobile prefixes (China Mobile, Unicom, Telecom).
PHONE_PREFIXES = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "184", "185",
    "186", "187", "188", "189", "198", "199",
]  # fmt: skip
# customer index -> (index * stride + offset) mod 10^8 is a bijection when the stride is coprime with 10^8
# (odd, not a multiple of 5): every new customer gets a number no one else has, without keeping a set of
# a million numbers in memory. Distinct numbers keep "one phone number, one consultant" true in the data.
PHONE_STRIDE = 61_803_399
SUBSCRIBER_NUMBERS = 10**8

# Talk summaries (洽谈经过) by grade; {model} is the model of interest, {rival} a competitor's.
WALK_IN_SUMMARIES = {
    Grade.H: [
        "{model}车型已定，询问提车时间和颜色，约周末签合同",
        "拿了{rival}的报价来比，希望再优惠两千，问上牌和贷款",
        "看中{model}，问旧车置换和分期方案，三天内决定",
        "试驾{model}后很满意，谈装潢、保险和上牌费用",
    ],
    Grade.A: [
        "试驾{model}，对动力和空间满意，要和家人商量",
        "详细了解{model}配置和安全性能，约下周带爱人再来",
        "询问{model}落地价，预算明确，需要一份报价单",
        "对比{model}和{rival}，倾向{model}，等月底活动",
    ],
    Grade.B: [
        "了解{model}价格，还在和{rival}比较",
        "关心{model}油耗和保养费用，一个月内买车",
        "第一次来看{model}，拿了报价单和宣传册",
        "看了{model}展车，觉得价格偏高，再考虑",
    ],
    Grade.C: [
        "随便看看{model}，明年可能换车",
        "收集{model}资料，还在比较几个品牌",
        "陪朋友来看车，顺便了解{model}",
        "刚拿驾照，先了解{model}，不着急买",
    ],
    Grade.O: [
        "试驾后当场交定金，{model}白色，约两周后提车",
        "签订{model}购车合同，贷款三年，已付定金",
        "老客户转介绍，看车后直接订了{model}",
    ],
    "": [
        "看了{model}外观和内饰，没有深谈",
        "询问{model}现车情况，未留联系方式",
        "路过进店看看，不愿留电话",
        "随便看看",
        "问了价格就走了",
        "带孩子进店休息，简单介绍了{model}",
    ],
}
CALL_SUMMARIES = {
    Grade.H: ["来电确认{model}现车颜色，约明天来交定金", "来电问{model}贷款首付和月供，本周到店签约"],
    Grade.A: ["来电咨询{model}价格，约周末到店试驾", "来电比较{model}和{rival}的优惠，约下周到店"],
    Grade.B: ["来电询问{model}优惠活动，月底再联系", "来电问{model}置换补贴政策"],
    Grade.C: ["来电索要{model}资料，已加微信发送", "来电了解{model}大概价格，暂无购车计划"],
    Grade.O: ["来电确认定金已付，约时间提车"],
    "": ["来电询问店址和营业时间", "来电问{model}价格，未留电话", "问路"],
}
RETURNING_PREFIX = {VisitKind.WALK_IN: "再次到店，", VisitKind.CALL: "老客户来电，"}
REMARKS = ["老客户介绍", "带家人一起来", "已加微信", "下次周末再来", "关注二手车置换"]

# Intent grade by how the contact went: a longer talk means more intent; a returning customer is warmer.
# Order: H, A, B, C, O, no grade.
GRADES = [Grade.H, Grade.A, Grade.B, Grade.C, Grade.O, ""]
GRADE_WEIGHTS = {
    "long_talk": [15, 30, 30, 15, 5, 5],  # 45 minutes and more
    "talk": [8, 20, 35, 27, 3, 7],
    "short_talk": [3, 10, 30, 42, 1, 14],  # under 20 minutes
    "call": [5, 15, 35, 35, 0, 10],
    "returning": [25, 35, 25, 5, 8, 2],
    "returning_call": [20, 35, 30, 10, 0, 5],
}

# Showroom hours: arrivals 09:00-18:59, busiest in the afternoon; weekends busiest of all.
ARRIVAL_HOUR_WEIGHTS = {9: 3, 10: 6, 11: 7, 12: 4, 13: 6, 14: 9, 15: 10, 16: 9, 17: 6, 18: 3}
WEEKDAY_WEIGHTS = [0.8, 0.8, 0.85, 0.9, 1.0, 1.7, 1.6]  # Monday .. Sunday
PARTY_SIZE_WEIGHTS = {1: 40, 2: 40, 3: 15, 4: 5}
TYPICAL_VISIT_MINUTES = 30
# Today has at least this many entries once it is this late (nothing before the showroom has been open a while).
MORNING_ENTRIES, MORNING_ENTRIES_FROM = 3, time(10)

CALL_SHARE = 0.25
# Walk-ins leave a number less often than callers: overall about a third leave none, as the register shows.
PHONE_SHARE = {VisitKind.WALK_IN: 0.58, VisitKind.CALL: 0.88}
RETURNING_SHARE = 0.15  # of visitors who leave a number: a customer calling back or coming again
RECENT_CUSTOMERS = 400  # customers come back within weeks, so only recent ones are candidates
RETURNING_FROM_LAST = 80  # ... and most of them among the last few dozen
FULL_NAME_SHARE = 0.55  # of visitors who leave a number; the others are recorded as 王先生 / 李女士

DEFAULT_DAYS = 61  # about two months
DEFAULT_VISITS = 600
DEFAULT_SEED = 20260101
# A showroom's day holds at most about this many entries: beyond it, larger --visits span more days.
MAX_VISITS_PER_DAY = 2000
BATCH_SIZE = 5000
PROGRESS_EVERY = 50_000


class WeightedChoice:
    """Pick from a population with fixed weights; cumulative weights computed once (a million picks)."""

    def __init__(self, population, weights):
        self.population = list(population)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random):
        return self.population[bisect(self.cumulative, rng.random() * self.total)]


@dataclass(frozen=True)
class DayPlan:
    day: date
    visits: int
    # Today only: nothing may end after this moment (the register holds no visits from the future).
    last_departure: datetime | None = None


@dataclass(frozen=True)
class Customer:
    """A visitor who left a number; kept for a while because they may call back or come again."""

    name: str
    gender: str
    phone: str
    district: District | None
    consultant: User
    car_model: CarModel | None
    source: InformationSource


def refuse_outside_development() -> None:
    """The demo data must never reach a real showroom's database.

    Allowed: DEBUG on (only a developer's machine runs with DEBUG; production.py forces it off), or the test
    settings (DEBUG is off there, and pytest-django forces it off anyway; the benchmarks use them too, so
    loading a million rows does not keep every query in memory). Refused: anything else with DEBUG off,
    which catches production under any module name (staging, a deployment's own settings importing
    production), and the production module even if someone switched DEBUG on there to investigate.
    The module is read from the environment: `--settings` sets it there too, and unlike
    settings.SETTINGS_MODULE it survives override_settings.
    """
    module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    if module.endswith(".production") or (not settings.DEBUG and not module.endswith(".test")):
        raise CommandError(
            f"seed_demo refuses to run with settings {module or '(unknown)'}: it is for local and test databases "
            "only (DEBUG on, or the test settings). / 演示数据只能写入本地或测试数据库。"
        )


def ensure_showroom() -> Showroom:
    showroom, _ = Showroom.objects.get_or_create(code=DEMO_SHOWROOM_CODE, defaults={"name": DEMO_SHOWROOM_NAME})
    for brand, models in CATALOGUE.items():
        for name, _popularity in models:
            CarModel.objects.get_or_create(brand=brand, name=name)
    for name, _share in DISTRICTS:
        District.objects.get_or_create(showroom=showroom, name=name)
    return showroom


def ensure_staff(showroom: Showroom) -> list[tuple[User, str]]:
    """The demo accounts, created with the demo password; existing accounts are left as they are."""
    groups = {group.name: group for group in Group.objects.filter(name__in=Role.values)}
    if len(groups) != len(Role.values):
        raise CommandError("The role groups are missing: run `manage.py migrate` first.")
    staff = []
    for username, family_name, given_name, role in DEMO_STAFF:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "showroom": showroom,
                "last_name": family_name,
                "first_name": given_name,
                "is_staff": role == Role.ADMIN,  # the admin manages the catalogue and accounts in Django admin
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(groups[role])
        staff.append((user, role))
    return staff


@dataclass(frozen=True)
class LoadResult:
    visits: int
    first_day: date
    last_day: date


class RegisterLoader:
    """Generates the register day by day, in arrival order, and writes it in batches.

    Bulk-loaded on purpose instead of through services.visit_register: the service is the rule for what the
    app writes, one entry at a time (a transaction, the day's lock, a MAX() for the next number, two inserts),
    which is right for a consultant and hours for the benchmarks' million rows. So the loader keeps the
    register's rules itself (numbers 1..k per day in arrival order, the model's constraints, times on the
    entry's day and never in the future) and writes the same "created" history line the service writes.
    What the service then does for an entry with a phone number, feeding the lead tracker, is not copied:
    it goes through the lead service itself (optional, see --without-leads). Only one batch lives in memory.
    """

    def __init__(
        self,
        *,
        showroom: Showroom,
        consultants: list[User],
        rng: random.Random,
        now: datetime,
        progress=None,
        attach_leads: bool = True,
    ):
        self.showroom = showroom
        self.zone = showroom.zone
        self.rng = rng
        self.now = now
        self.progress = progress
        self.attach_leads = attach_leads
        self.consultants = WeightedChoice(consultants, CONSULTANT_WEIGHTS)

        car_models = {(model.brand, model.name): model for model in CarModel.objects.all()}
        self.car_models = WeightedChoice(
            [car_models[brand, name] for brand, models in CATALOGUE.items() for name, _ in models],
            [popularity for models in CATALOGUE.values() for _, popularity in models],
        )
        districts = {district.name: district for district in showroom.districts.all()}
        self.districts = WeightedChoice([districts[name] for name, _ in DISTRICTS], [share for _, share in DISTRICTS])
        sources = {source.code: source for source in InformationSource.objects.all()}
        try:
            self.sources = {
                kind: WeightedChoice([sources[code] for code in weights], weights.values())
                for kind, weights in SOURCE_WEIGHTS.items()
            }
        except KeyError as missing:
            raise CommandError(f"Information source {missing} is missing: run `manage.py migrate` first.") from None
        self.surnames = WeightedChoice([name for name, _ in SURNAMES], [weight for _, weight in SURNAMES])
        self.grades = {situation: WeightedChoice(GRADES, weights) for situation, weights in GRADE_WEIGHTS.items()}
        self.party_sizes = WeightedChoice(PARTY_SIZE_WEIGHTS, PARTY_SIZE_WEIGHTS.values())
        self.hours = WeightedChoice(ARRIVAL_HOUR_WEIGHTS, ARRIVAL_HOUR_WEIGHTS.values())

        self.recent_customers: deque[Customer] = deque(maxlen=RECENT_CUSTOMERS)
        self.customers_with_phone = 0
        self.new_today = 0  # customers first met today: the last ones of recent_customers
        self.phone_offset = rng.randrange(SUBSCRIBER_NUMBERS)

    # --- the plan: how many entries each day gets ------------------------------------------------------

    def plan(self, *, visits: int, days: int) -> list[DayPlan]:
        """Spread the entries over the days ending today: weekends busier, some days just busier than others,
        today only in proportion to the visitors who have come and gone by now (nothing in the future)."""
        now_local = self.now.astimezone(self.zone)
        today = now_local.date()
        # The last whole minute strictly before now: today's visits must have ended by then.
        last_departure = now_local.replace(second=0, microsecond=0) - timedelta(minutes=1)
        # Roughly, a visitor who has left by now arrived at least a typical visit's length ago. (Just after
        # midnight that moment is yesterday: nobody has come yet today.)
        arrived_by = last_departure - timedelta(minutes=TYPICAL_VISIT_MINUTES)
        share_of_today = self._share_arrived_by(arrived_by.time()) if arrived_by.date() == today else 0.0

        plans, weights = [], []
        for offset in range(days - 1, -1, -1):
            day = today - timedelta(days=offset)
            weight = WEEKDAY_WEIGHTS[day.weekday()] * self.rng.uniform(0.75, 1.25)
            if day == today:
                weight *= share_of_today
                plans.append(DayPlan(day, 0, last_departure=last_departure))
            else:
                plans.append(DayPlan(day, 0))
            weights.append(weight)
        if visits and not sum(weights):
            raise CommandError("No visitor has come and gone yet today: give --days 2 or more.")

        counts = _apportion(visits, weights)
        # The register opens on today: once the morning has begun, a few entries are there (taken from the
        # busiest days, so the total stays what was asked for).
        morning_begun = last_departure.date() == today and last_departure.time() >= MORNING_ENTRIES_FROM
        if morning_begun and len(counts) > 1 and counts[-1] < MORNING_ENTRIES:
            for _ in range(min(MORNING_ENTRIES, visits) - counts[-1]):
                counts[counts.index(max(counts[:-1]))] -= 1
                counts[-1] += 1
        return [DayPlan(plan.day, count, plan.last_departure) for plan, count in zip(plans, counts, strict=True)]

    @staticmethod
    def _share_arrived_by(moment: time) -> float:
        """Share of a day's visitors who arrive before `moment`, by the hourly traffic."""
        arrived = 0.0
        for hour, weight in ARRIVAL_HOUR_WEIGHTS.items():
            if hour < moment.hour:
                arrived += weight
            elif hour == moment.hour:
                arrived += weight * moment.minute / 60
        return arrived / sum(ARRIVAL_HOUR_WEIGHTS.values())

    # --- writing ---------------------------------------------------------------------------------------

    def load(self, *, visits: int, days: int) -> LoadResult:
        plans = self.plan(visits=visits, days=days)
        batch: list[tuple[Visit, datetime]] = []
        written = 0
        for plan in plans:
            self.new_today = 0
            for number, (arrived_at, kind, minutes) in enumerate(self._schedule(plan), start=1):
                batch.append(self._visit(plan.day, number, arrived_at, kind, minutes))
                if len(batch) == BATCH_SIZE:
                    written += self._write(batch)
                    batch = []
                    if self.progress and written % PROGRESS_EVERY < BATCH_SIZE:
                        self.progress(written, visits)
        written += self._write(batch)
        # The service creates a day's row with its first entry (it holds the numbering lock and the sign-off).
        RegisterDay.objects.bulk_create(
            [RegisterDay(showroom=self.showroom, date=plan.day) for plan in plans if plan.visits],
            ignore_conflicts=True,
        )
        # Bulk-written entries skipped the services' rollup refresh: recount the loaded days at once.
        rollups_rebuild(showroom=self.showroom, start=plans[0].day, end=plans[-1].day)
        if self.progress and written % PROGRESS_EVERY:
            self.progress(written, visits)  # the last, partial stretch
        return LoadResult(visits=written, first_day=plans[0].day, last_day=plans[-1].day)

    def _write(self, batch: list[tuple[Visit, datetime]]) -> int:
        if not batch:
            return 0
        # bulk_create fills in the ids (PostgreSQL and SQLite both return them), which the history lines need.
        # created_at/updated_at get the load time (auto_now); the history line carries when it was logged.
        visits = Visit.objects.bulk_create([visit for visit, _ in batch])
        # The same history line the service writes, so the entry's history page reads the same.
        Revision.objects.bulk_create(
            [
                history_revision(
                    visit,
                    action=Revision.Action.CREATED,
                    by=visit.created_by,
                    at=logged_at,
                    changes=changes_between(None, visit, VISIT_FIELDS),
                )
                for visit, logged_at in batch
            ]
        )
        if self.attach_leads:
            # What visit_register does after saving: leads, their contacts and history, by the lead service's
            # own rules (one open lead per number, grade changes only through a contact). Batches are in
            # register order, so a returning customer finds the lead their earlier visit opened.
            for visit in visits:
                if visit.phone:
                    with demo_clock(visit.left_at):  # the lead starts with the visit, not when the demo loads
                        lead_attach_visit(visit=visit)
        # With DEBUG on, Django keeps every query's SQL (as it does for a request); a million rows' worth of
        # INSERTs must not pile up. (Only then: under CaptureQueriesContext the log is the caller's.)
        if settings.DEBUG:
            reset_queries()
        return len(visits)

    # --- one day, one entry ----------------------------------------------------------------------------

    def _schedule(self, plan: DayPlan) -> list[tuple[datetime, str, int]]:
        """The day's contacts as (arrival, walk-in or call, minutes), sorted: the running number follows the
        order of arrival. Today, a contact that would not have ended by now is drawn again: the register holds
        only visits that are over, and clipping their duration instead would fake a burst of 1-minute visits."""
        schedule = []
        for _ in range(plan.visits):
            while True:
                kind = VisitKind.CALL if self.rng.random() < CALL_SHARE else VisitKind.WALK_IN
                minutes = self._duration(kind)
                arrived_at = datetime.combine(
                    plan.day, time(self.hours.pick(self.rng), self.rng.randrange(60)), tzinfo=self.zone
                )
                if plan.last_departure is None or arrived_at + timedelta(minutes=minutes) <= plan.last_departure:
                    break
            schedule.append((arrived_at, kind, minutes))
        schedule.sort(key=lambda contact: contact[0])
        return schedule

    def _visit(self, day: date, number: int, arrived_at: datetime, kind: str, minutes: int) -> tuple[Visit, datetime]:
        """One register entry and the moment the consultant logged it (right after the customer left)."""
        rng = self.rng
        left_phone = rng.random() < PHONE_SHARE[kind]
        # A customer comes back on a later day (never the same day: their visit may not be over yet), mostly one
        # of the last weeks, who comes back to decide, not one from months ago.
        earlier = len(self.recent_customers) - min(self.new_today, len(self.recent_customers))
        returning = left_phone and earlier > 0 and rng.random() < RETURNING_SHARE
        if returning:
            customer = self.recent_customers[-1 - self.new_today - rng.randrange(min(RETURNING_FROM_LAST, earlier))]
        else:
            customer = self._new_customer(kind, left_phone)
            if left_phone:
                self.recent_customers.append(customer)
                self.new_today += 1

        left_at = arrived_at + timedelta(minutes=minutes)
        grade = self._grade(kind, minutes, returning) if left_phone else ""
        if grade == Grade.O and customer in self.recent_customers:
            # Ordered: they come back to collect the car, not as a visitor with intent.
            self.recent_customers.remove(customer)
            if not returning:
                self.new_today -= 1
        visit = Visit(
            showroom=self.showroom,
            visit_date=day,
            number=number,
            kind=kind,
            customer_name=customer.name,
            gender=customer.gender,
            phone=customer.phone,
            no_phone=not left_phone,
            district=customer.district,
            car_model=customer.car_model,
            source=customer.source,
            arrived_at=arrived_at,
            left_at=left_at,
            party_size=self.party_sizes.pick(rng) if kind == VisitKind.WALK_IN else 1,
            grade=grade,
            summary=self._summary(kind, grade, customer.car_model, returning),
            remarks=rng.choice(REMARKS) if rng.random() < 0.05 else "",
            consultant=customer.consultant,
            created_by=customer.consultant,
        )
        logged_at = min(left_at + timedelta(minutes=rng.randint(1, 8)), self.now)
        return visit, logged_at

    def _new_customer(self, kind: str, left_phone: bool) -> Customer:
        rng = self.rng
        gender = Gender.MALE if rng.random() < 0.6 else Gender.FEMALE
        surname = self.surnames.pick(rng)
        if left_phone and rng.random() < FULL_NAME_SHARE:
            name = surname + rng.choice(GIVEN_NAMES[gender])
        else:
            name = surname + SALUTATIONS[gender]
        return Customer(
            name=name,
            gender=gender,
            phone=self._new_phone() if left_phone else "",
            # Callers often do not say where they live.
            district=self.districts.pick(rng) if rng.random() < (0.85 if kind == VisitKind.WALK_IN else 0.4) else None,
            consultant=self.consultants.pick(rng),
            car_model=self.car_models.pick(rng) if rng.random() < 0.92 else None,
            source=self.sources[kind].pick(rng),
        )

    def _new_phone(self) -> str:
        self.customers_with_phone += 1
        subscriber = (self.customers_with_phone * PHONE_STRIDE + self.phone_offset) % SUBSCRIBER_NUMBERS
        return f"{self.rng.choice(PHONE_PREFIXES)}{subscriber:08d}"

    def _duration(self, kind: str) -> int:
        """Minutes: walk-ins mostly 10-90, about 30 the most common, a few long ones with a test drive; calls short."""
        if kind == VisitKind.CALL:
            return round(self.rng.triangular(2, 20, 5))
        if self.rng.random() < 0.05:
            return self.rng.randint(90, 150)
        return round(self.rng.triangular(10, 90, 30))

    def _grade(self, kind: str, minutes: int, returning: bool) -> str:
        if returning:
            situation = "returning_call" if kind == VisitKind.CALL else "returning"
        elif kind == VisitKind.CALL:
            situation = "call"
        elif minutes >= 45:
            situation = "long_talk"
        elif minutes >= 20:
            situation = "talk"
        else:
            situation = "short_talk"
        return self.grades[situation].pick(self.rng)

    def _summary(self, kind: str, grade: str, car_model: CarModel | None, returning: bool) -> str:
        templates = (CALL_SUMMARIES if kind == VisitKind.CALL else WALK_IN_SUMMARIES)[grade]
        model = car_model.name if car_model else "新车"
        summary = self.rng.choice(templates).format(model=model, rival=self.rng.choice(RIVALS))
        return RETURNING_PREFIX[kind] + summary if returning else summary


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` into whole numbers proportional to `weights` that add up to exactly `total`
    (largest remainders get the leftovers; ties go to the earlier day, so the split is deterministic)."""
    weight_sum = sum(weights)
    if not total or not weight_sum:
        return [0] * len(weights)
    shares = [total * weight / weight_sum for weight in weights]
    counts = [math.floor(share) for share in shares]
    leftovers = sorted(range(len(weights)), key=lambda index: (counts[index] - shares[index], index))
    for index in leftovers[: total - sum(counts)]:
        counts[index] += 1
    return counts


# What a follow-up is, by kind: a call most often, a message, an invitation; the warm leads test-drive and get
# a quotation. Summaries in the consultant's words.
FOLLOW_UP_SUMMARIES = {
    ContactKind.PHONE_CALL: [
        "电话回访，客户还在比较，约周末再来看车",
        "客户问了置换评估，约了下周到店",
        "客户出差，约好回来后再联系",
        "电话沟通贷款方案，客户要和家人商量",
    ],
    ContactKind.MESSAGE: ["微信沟通配置差异，客户倾向中配", "微信发了本月活动和现车颜色"],
    ContactKind.INVITATION: ["邀约参加周末试驾会，客户答应来", "邀约来店看新到的现车"],
    ContactKind.QUOTATION: ["发了报价单和金融方案，客户说跟家人商量", "出具落地价报价单，客户对比后再定"],
    ContactKind.TEST_DRIVE: ["预约试乘试驾，客户对操控和静音满意", "带家人试驾，后排空间满意，问了油耗"],
}
TEST_DRIVE_IMPRESSIONS = ["满意，动力和静音都不错", "比较满意，觉得悬挂偏硬", "很满意，准备谈价格"]
# The share of leads whose consultant kept up with the follow-ups; the others stay overdue on Today.
ON_TIME_SHARE = 0.8
# The share of leads due today that the consultant has already called this morning when the demo is loaded.
CALLED_THIS_MORNING_SHARE = 0.35
WORKDAY_STARTS = time(9)


@contextmanager
def demo_clock(moment: datetime):
    """Run the services as if it were `moment`: what they stamp with timezone.now() (a lead's creation, a lost
    request, a contract, a sign-off) then reads as it happened, weeks ago, not as the minute the demo was loaded,
    and their own rules ("not in the future", "not booked in the past") hold as they did then. time-machine is a
    development requirement, as the demo itself is (`make run` installs requirements-dev.txt)."""
    import time_machine

    with time_machine.travel(moment, tick=False):
        yield


def _follow_up_kind(rng: random.Random, grade: str, done: set[str]) -> str:
    """A test drive and a quotation once for a warm lead (each a step of the sales process), else a call mostly."""
    for step, share in ((ContactKind.TEST_DRIVE, 0.35), (ContactKind.QUOTATION, 0.3)):
        if grade in ("H", "A") and step not in done and rng.random() < share:
            return step
    roll = rng.random()
    if roll < 0.15:
        return ContactKind.MESSAGE
    if roll < 0.25:
        return ContactKind.INVITATION
    return ContactKind.PHONE_CALL


def _licence_number(rng: random.Random) -> str:
    """A driving licence number as China issues them: the holder's 18-character ID number (Beijing, here)."""
    born = date(1970, 1, 1) + timedelta(days=rng.randrange(30 * 365))
    return f"110105{born:%Y%m%d}{rng.randrange(1000):03d}{rng.choice('0123456789X')}"


def _follow_up_moment(rng: random.Random, day: date, zone, *, before: datetime) -> datetime | None:
    """A moment in working hours on `day`, before `before` (today: the follow-ups already made by now)."""
    start = datetime.combine(day, WORKDAY_STARTS, zone)
    latest = min(datetime.combine(day, time(18), zone), before - timedelta(minutes=5))
    if latest <= start:
        return None
    return start + timedelta(minutes=rng.randrange(int((latest - start).total_seconds() // 60)))


OrderHook = Callable[[Lead, datetime], None]


def simulate_follow_ups(*, showroom: Showroom, rng: random.Random, now: datetime, order: OrderHook) -> None:
    """Walk each open lead forward through its follow-ups, as its consultant would have, through the lead service:
    most are made on their due day (a call, a message, an invitation; a test drive and a quotation for the warm
    ones), the grade kept or moved up or down; some leads were let slide and stay overdue on Today; a few due
    today were called this morning. A warm lead that decides to buy goes to `order` (the delivery app signs
    the contract, which records the order): leads knows nothing of contracts."""
    zone = showroom.zone
    today = now.astimezone(zone).date()
    car_models = list(CarModel.objects.order_by("pk"))
    for lead in Lead.objects.filter(showroom=showroom, status=LeadStatus.OPEN).select_related("owner", "showroom"):
        # A consultant who is behind with this lead stopped calling a few days ago: it shows as overdue.
        stop_at = today if rng.random() < ON_TIME_SHARE else today - timedelta(days=rng.randrange(1, 6))
        if stop_at == today and rng.random() < CALLED_THIS_MORNING_SHARE:
            stop_at = today + timedelta(days=1)  # today's call is made too, if the morning allows it
        model_of_interest = lead.car_models.first() or rng.choice(car_models)
        steps_done: set[str] = set()
        for _ in range(70):  # an H lead over two months: a call a day, bounded
            if lead.status != LeadStatus.OPEN or lead.next_follow_up >= stop_at:
                break
            when = _follow_up_moment(rng, lead.next_follow_up, zone, before=now)
            if when is None or when <= lead.last_contact_at:
                break
            roll = rng.random()
            grade = lead.grade
            if roll < 0.04 and grade in ("H", "A"):
                order(lead, when)  # the warm leads are the ones that order
                lead.refresh_from_db()
                continue
            if roll < 0.20:
                grade = OPEN_GRADES[max(0, OPEN_GRADES.index(grade) - 1)]  # warmer
            elif roll < 0.30:
                grade = OPEN_GRADES[min(3, OPEN_GRADES.index(grade) + 1)]  # cooler
            kind = _follow_up_kind(rng, grade, steps_done)
            steps_done.add(kind)
            test_drive = {}
            if kind == ContactKind.TEST_DRIVE:
                test_drive = {
                    "model_driven": model_of_interest,
                    "licence_number": _licence_number(rng),
                    "agreement_signed": True,
                    "impression": rng.choice(TEST_DRIVE_IMPRESSIONS),
                }
            with demo_clock(when):
                contact_record(
                    lead=lead,
                    by=lead.owner,
                    kind=kind,
                    occurred_at=when,
                    grade_after=grade,
                    summary=rng.choice(FOLLOW_UP_SUMMARIES[kind]),
                    expected_version=lead.version,
                    **test_drive,
                )


LOST_STORIES = [
    (LostReason.COMPETITOR, "客户已在别家买了车", "大众", "帕萨特"),
    (LostReason.PRICE, "预算不够，暂时不买", "", ""),
    (LostReason.UNREACHABLE, "连续一周电话不接，微信不回", "", ""),
    (LostReason.NO_NEED, "家里决定先不换车", "", ""),
    (LostReason.COMPETITOR, "客户买了新能源品牌", "特斯拉", "Model Y"),
]
# Of each consultant's lost requests: the first approved, then one sent back, the last still waiting.
LOST_APPROVED, LOST_RETURNED = 3, 1


def lost_requests_tell(
    *, showroom: Showroom, consultants: list[User], manager: User, rng: random.Random, now: datetime
) -> None:
    """Each consultant asks to close the cold leads they gave up on as lost (战败), a couple of hours after the
    last contact; the manager approves most the next day, sends one back with an instruction, and one waits."""
    for consultant in consultants:
        leads = Lead.objects.filter(showroom=showroom, owner=consultant, status=LeadStatus.OPEN, grade__in=["C", "B"])
        for index, lead in enumerate(leads.order_by("last_contact_at", "pk")[: len(LOST_STORIES)]):
            reason, note, brand, model = LOST_STORIES[(index + rng.randrange(2)) % len(LOST_STORIES)]
            requested_at = min(lead.last_contact_at + timedelta(hours=2), now - timedelta(minutes=30))
            with demo_clock(requested_at):
                request = lead_request_lost(
                    lead=lead, by=consultant, reason=reason, note=note, competitor_brand=brand, competitor_model=model
                )
            if index >= LOST_APPROVED + LOST_RETURNED:
                continue  # waiting for the manager
            with demo_clock(min(requested_at + timedelta(hours=20), now - timedelta(minutes=5))):
                lead_decide_lost(
                    request=request,
                    by=manager,
                    approve=index < LOST_APPROVED,
                    comment="" if index < LOST_APPROVED else "客户上周还来过电话，再邀约一次试驾",
                )


def ownership_clashes_tell(*, showroom: Showroom, consultants: list[User], now: datetime) -> None:
    """Yesterday evening each consultant received a customer of the next one (a returning customer who asked for
    whoever was free): logged through the register service, whose lead service records the clash the manager
    decides. Logged after the day's last entry, so the running numbers still follow the order of arrival."""
    yesterday = now.astimezone(showroom.zone).date() - timedelta(days=1)
    evening = datetime.combine(yesterday, time(18), showroom.zone)
    last_arrival = Visit.objects.filter(showroom=showroom, visit_date=yesterday).aggregate(a=Max("arrived_at"))["a"]
    arrival = max(evening, last_arrival or evening)
    for index, consultant in enumerate(consultants):
        owner = consultants[(index + 1) % len(consultants)]
        lead = (
            Lead.objects.filter(showroom=showroom, owner=owner, status=LeadStatus.OPEN, last_contact_at__lt=evening)
            .exclude(lost_requests__state=LostRequest.State.PENDING)
            .order_by("-last_contact_at", "pk")
            .first()
        )
        first_visit = Visit.objects.filter(contact__lead=lead).order_by("arrived_at").first() if lead else None
        if first_visit is None or owner == consultant:
            continue
        arrival += timedelta(minutes=3)
        with demo_clock(arrival + timedelta(minutes=25)):
            visit_register(
                showroom=showroom,
                created_by=consultant,
                visit_date=yesterday,
                kind=VisitKind.WALK_IN,
                customer_name=lead.customer_name,
                gender=lead.gender,
                phone=lead.phone,
                no_phone=False,
                district=lead.district,
                car_model=first_visit.car_model,
                source=first_visit.source,
                arrived_at=arrival,
                left_at=arrival + timedelta(minutes=20),
                party_size=2,
                grade=lead.grade,
                summary="再次到店，原顾问不在，先由我接待，看了现车",
                consultant=consultant,
            )
