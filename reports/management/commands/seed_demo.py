"""`manage.py seed_demo`: a demo showroom that shows the whole product, and its logins.

The default is what `make run` needs: about two months of a showroom's life ending now. With
`--visits 1000000 --days 500 --without-leads` the same command is the bulk loader of the benchmarks
(benchmarks/README.md). The command lives in reports, the top of the apps' chain, because the story runs through
every app's services: the register and the leads (leads/demo.py), the contracts, deliveries, callbacks and
complaints (delivery/demo.py), the daily reports and sign-offs (here).
"""

import math
import random
from datetime import date, datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from dcc.demo import OnlineStory
from dealer_crm.core.clock import showroom_date_of
from dealer_crm.core.models import Role, Showroom, User
from delivery.demo import DeliveryStory
from leads.demo import (
    DEFAULT_DAYS,
    DEFAULT_SEED,
    DEFAULT_VISITS,
    DEMO_PASSWORD,
    DEMO_SHOWROOM_CODE,
    DEMO_STAFF,
    MAX_VISITS_PER_DAY,
    PROGRESS_EVERY,
    ROLE_LABELS,
    RegisterLoader,
    demo_clock,
    ensure_showroom,
    ensure_staff,
    lost_requests_tell,
    ownership_clashes_tell,
    refuse_outside_development,
    simulate_follow_ups,
)
from leads.models import RegisterDay, Visit
from leads.services.register import register_day_sign_off
from reports.services import daily_report_sign_off, daily_report_submit

REPORT_REMARKS = [
    "今天重点跟进了H级客户，明天继续邀约试驾。",
    "来店客户比昨天多，两位客户约了周末试驾。",
    "电话回访为主，B级客户还在比较价格。",
    "下午展厅忙，登记都已补全。",
]
MANAGER_COMMENTS = ["H级客户明天上午务必回访", "注意留档率，未留电话的要问原因", ""]
# The consultants hand in the day's report before the cut-off (18:30); the manager checks the register and the
# reports at closing, once the last visitor has gone and been logged.
SUBMITTED_AT, SIGNED_OFF_AT = time(18, 10), time(22)


class Command(BaseCommand):
    help = "Create a demo showroom with staff, a register, leads, deliveries and reports; print the logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--visits",
            type=int,
            default=DEFAULT_VISITS,
            help=f"Register entries to create in total (default {DEFAULT_VISITS}, about two months).",
        )
        parser.add_argument(
            "--days",
            type=int,
            help=f"Days the entries span, ending today (default {DEFAULT_DAYS}, more when --visits would put "
            f"over {MAX_VISITS_PER_DAY} entries on a day).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="Random seed: the same seed, --visits, --days and clock give the same data.",
        )
        parser.add_argument(
            "--without-leads",
            action="store_true",
            help="Load the register only, without the lead tracker and what follows (fast: for load tests).",
        )

    def handle(self, *, visits: int, days: int | None, seed: int, without_leads: bool, **options):
        """1. Refuse anything but a local or test database.
        2. Create what is missing of the showroom, staff, catalogue and districts.
        3. Unless the showroom already has a register: generate it day by day and bulk-load it; each entry with a
           phone number feeds the lead tracker through the lead service. Then, unless --without-leads, the rest
           of the story (see tell_story).
        4. Print the logins.
        All in one transaction, so an interrupted load leaves nothing and the next run starts afresh.
        """
        refuse_outside_development()
        if visits < 0:
            raise CommandError("--visits must be 0 or more.")
        if days is None:
            days = max(DEFAULT_DAYS, math.ceil(visits / MAX_VISITS_PER_DAY))
        if days < 1:
            raise CommandError("--days must be 1 or more.")

        with transaction.atomic():
            showroom = Showroom.objects.filter(code=DEMO_SHOWROOM_CODE).first()
            existing = Visit.objects.filter(showroom=showroom).count() if showroom else 0
            if existing:
                self.stdout.write(
                    f"演示展厅已有 {existing:,} 条登记，未做任何更改。 / "
                    f"The demo showroom already has {existing:,} register entries; nothing was changed."
                )
            else:
                if visits >= PROGRESS_EVERY and not without_leads:
                    self.stdout.write(
                        "Each entry with a phone number goes through the lead service, one by one: "
                        "for a load test of the register, --without-leads is much faster."
                    )
                showroom = ensure_showroom()
                staff = ensure_staff(showroom)
                consultants = [user for user, role in staff if role == Role.CONSULTANT]
                manager = next(user for user, role in staff if role == Role.MANAGER)
                now = timezone.now()
                loaded = RegisterLoader(
                    showroom=showroom,
                    consultants=consultants,
                    rng=random.Random(seed),
                    now=now,
                    progress=self.progress if visits >= PROGRESS_EVERY else None,
                    attach_leads=not without_leads,
                ).load(visits=visits, days=days)
                if not without_leads:
                    tell_story(showroom=showroom, consultants=consultants, manager=manager, seed=seed, now=now)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"演示数据已创建 / Demo data created: {loaded.visits:,} register entries, "
                        f"{loaded.first_day} – {loaded.last_day}, {showroom.name} ({showroom.code})."
                    )
                )
        self.print_logins()

    def progress(self, written: int, total: int) -> None:
        self.stdout.write(f"  {written:>10,} / {total:,} entries ({written / total:.0%})")
        self.stdout.flush()

    def print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("演示账号 / Demo logins"))
        for username, family_name, given_name, role in DEMO_STAFF:
            self.stdout.write(f"  {ROLE_LABELS[role]:<28} {username:<14} {family_name}{given_name}")
        self.stdout.write(f"  密码 / Password (all accounts): {DEMO_PASSWORD}")


def tell_story(*, showroom: Showroom, consultants: list[User], manager: User, seed: int, now: datetime) -> None:
    """Everything after the register, in the order it happens in a showroom, each step through its service at the
    moment it happens:
    1. The customers who ordered at a visit sign their contract; every open lead is followed up on schedule (some
       let slide), the warm ones test-drive, get a quotation, and some sign a contract.
    2. Cold leads are asked to be closed as lost, the manager decides most; yesterday evening each consultant met
       a colleague's customer (an ownership clash).
    3. The cars arrive and are delivered (or booked for the coming days); the new owners get their callbacks,
       a few complain and the manager closes some complaints.
    3b. Three weeks of online inquiries reach the DCC desk, are answered, invited and come or not (dcc/demo.py).
    4. Every past day's daily reports are submitted and signed off, and its register signed off; today's not yet.
    """
    rng = random.Random(seed)
    deliveries = DeliveryStory(showroom=showroom, manager=manager, rng=rng, now=now)
    deliveries.sign_ordered_leads()
    simulate_follow_ups(showroom=showroom, rng=rng, now=now, order=deliveries.sign)
    lost_requests_tell(showroom=showroom, consultants=consultants, manager=manager, rng=rng, now=now)
    ownership_clashes_tell(showroom=showroom, consultants=consultants, now=now)
    deliveries.deliver_all()
    deliveries.book_upcoming(consultants)
    deliveries.make_callbacks()
    deliveries.follow_complaints()
    OnlineStory(showroom=showroom, consultants=consultants, rng=rng, now=now).tell()
    sign_off_past_days(showroom=showroom, consultants=consultants, manager=manager, rng=rng, now=now)


def sign_off_past_days(
    *, showroom: Showroom, consultants: list[User], manager: User, rng: random.Random, now: datetime
) -> None:
    """Every day before today: each consultant's report submitted before the cut-off, then at closing the manager
    signs off the reports (sometimes with an instruction) and the register."""
    today = showroom_date_of(showroom, now)
    first = RegisterDay.objects.filter(showroom=showroom).order_by("date").values_list("date", flat=True).first()
    day: date = first or today
    while day < today:
        for consultant in consultants:
            submitted_at = datetime.combine(day, SUBMITTED_AT, showroom.zone) + timedelta(minutes=rng.randrange(15))
            with demo_clock(submitted_at):
                # Version 1: the report is first written now (see daily_report_submit).
                report = daily_report_submit(
                    consultant=consultant, day=day, remarks=rng.choice(REPORT_REMARKS), expected_version=1
                )
            with demo_clock(datetime.combine(day, SIGNED_OFF_AT, showroom.zone)):
                daily_report_sign_off(
                    consultant=consultant,
                    day=day,
                    by=manager,
                    comment=rng.choice(MANAGER_COMMENTS),
                    expected_version=report.version,
                )
        with demo_clock(datetime.combine(day, SIGNED_OFF_AT, showroom.zone)):
            register_day = RegisterDay.objects.filter(showroom=showroom, date=day).first()
            register_day_sign_off(
                showroom=showroom, day=day, by=manager, expected_version=register_day.version if register_day else 1
            )
        day += timedelta(days=1)
