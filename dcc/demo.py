"""The demo showroom's DCC desk, for `manage.py seed_demo` (reports/management/commands): three weeks of online
inquiries from the car portals and the automaker's app, answered by the consultant on duty (most within their
deadline, some late, a few of today's not yet), half of them invited to the showroom; the customers who came are
logged in the register (which keeps their appointment), the others become no-shows. Everything goes through the
services, each at the moment it happens (leads.demo.demo_clock), so the dashboard's DCC figures have real rows.
"""

import random
from datetime import datetime, time, timedelta

from dealer_crm.core.clock import showroom_date_of
from dealer_crm.core.models import InformationSource, Showroom, User
from leads.demo import demo_clock
from leads.models import AppointmentPurpose, Lead, LeadStatus
from leads.services.appointments import appointment_book
from leads.services.register import visit_register
from leads.services.tracker import contact_record

from .models import DutyShift, LeadSource, Platform, Via
from .services.appointments import appointments_settle_no_shows
from .services.escalation import online_leads_escalate
from .services.intake import online_lead_receive

SOURCES = [
    ("autohome", "汽车之家", Platform.AUTOHOME),
    ("dongchedi", "懂车帝", Platform.DONGCHEDI),
    ("automaker", "厂家官网", Platform.AUTOMAKER),
]
NAMES = ["周女士", "吴先生", "郑女士", "冯先生", "陈女士", "褚先生", "卫女士", "蒋先生", "沈女士", "韩先生"]
MESSAGES = ["想了解落地价", "周末能试驾吗", "有现车吗", "置换怎么算", "贷款方案有哪些"]
# Minutes to the first call: most within the 15-minute deadline, some late; of today's, some not yet.
ANSWER_MINUTES = [2, 3, 5, 6, 8, 9, 11, 13, 14, 18, 25, 40, 90]
UNANSWERED_SHARE = 0.3
INVITED_SHARE = 0.5
SHOW_SHARE = 0.7


class OnlineStory:
    def __init__(self, *, showroom: Showroom, consultants: list[User], rng: random.Random, now: datetime):
        self.showroom, self.consultants, self.rng, self.now = showroom, consultants, rng, now
        self.web = InformationSource.objects.get(code="web")
        self.phones = iter(range(13_600_000_000, 13_700_000_000, 7919))

    def tell(self, days: int = 21) -> None:
        sources = [
            LeadSource.objects.get_or_create(
                showroom=self.showroom, code=code, defaults={"name": name, "platform": platform}
            )[0]
            for code, name, platform in SOURCES
        ]
        today = showroom_date_of(self.showroom, self.now)
        DutyShift.objects.bulk_create(
            [
                DutyShift(
                    showroom=self.showroom,
                    consultant=consultant,
                    day=today - timedelta(days=offset),
                    starts_at=time(9),
                    ends_at=time(21),
                )  # fmt: skip
                for offset in range(days + 1)
                for consultant in self.consultants
            ],
            ignore_conflicts=True,
        )
        for offset in range(days, -1, -1):
            day = today - timedelta(days=offset)
            for _n in range(self.rng.randint(2, 4)):
                received = datetime.combine(day, time(9, 30), self.showroom.zone) + timedelta(
                    minutes=self.rng.randint(0, 600)
                )
                if received < self.now:
                    self.inquiry(self.rng.choice(sources), received)
        with demo_clock(self.now):
            online_leads_escalate()
            appointments_settle_no_shows()

    def inquiry(self, source: LeadSource, received: datetime) -> None:
        rng = self.rng
        phone = str(next(self.phones))
        with demo_clock(received):
            inquiry, _new = online_lead_receive(
                source=source,
                via=Via.API,
                platform_lead_id=f"demo-{phone}",
                customer_name=rng.choice(NAMES),
                phone=phone,
                message=rng.choice(MESSAGES),
            )
        answered = received + timedelta(minutes=rng.choice(ANSWER_MINUTES))
        # Only today's go unanswered: an older one would be a finding of the integrity page, which the demo passes.
        today = showroom_date_of(self.showroom, self.now)
        unanswered = showroom_date_of(self.showroom, received) == today and rng.random() < UNANSWERED_SHARE
        if unanswered or answered > self.now:
            return
        lead = Lead.objects.get(pk=inquiry.lead_id)
        with demo_clock(answered):
            contact = contact_record(
                lead=lead,
                by=lead.owner,
                kind="phone_call",
                occurred_at=answered,
                grade_after=rng.choice("HAB"),
                summary="回电，介绍了车型和优惠",
                expected_version=lead.version,
            )
            if contact.lead.status != LeadStatus.OPEN or rng.random() >= INVITED_SHARE:
                return
            day = showroom_date_of(self.showroom, answered) + timedelta(days=rng.randint(1, 3))
            starts_at = datetime.combine(day, time(rng.randint(10, 16)), self.showroom.zone)
            appointment = appointment_book(
                lead=contact.lead,
                by=lead.owner,
                purpose=rng.choice([AppointmentPurpose.VIEWING, AppointmentPurpose.TEST_DRIVE]),
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=1),
                contact=contact,
            )
        arrived_at = appointment.starts_at + timedelta(minutes=rng.randint(-10, 20))
        left_at = arrived_at + timedelta(minutes=rng.randint(30, 90))
        if left_at > self.now or rng.random() >= SHOW_SHARE:
            return  # still to come, or a no-show (settled at the end)
        with demo_clock(left_at):
            visit_register(
                showroom=self.showroom,
                created_by=lead.owner,
                visit_date=showroom_date_of(self.showroom, arrived_at),
                kind="walk_in",
                customer_name=lead.customer_name,
                phone=lead.phone,
                no_phone=False,
                source=self.web,
                arrived_at=arrived_at,
                left_at=left_at,
                summary="按约到店看车",
                consultant=lead.owner,
            )
