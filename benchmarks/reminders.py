#!/usr/bin/env python
"""What the daily reminder run costs as the number of due leads grows (PostgreSQL; not part of the test suite).

    .venv/bin/python benchmarks/reminders.py [--sizes 10000,100000,1000000] [--runs 3]

1. Create the benchmark database if it is missing (its name must end in "_bench": it gets emptied) and migrate.
2. Per size: empty leads and reminders, insert N open leads that are all due (one set-based statement),
   VACUUM ANALYZE.
3. Time, as the median of --runs (reminders emptied before each):
   - the run: followups.services.reminders_generate(), the whole service (run bookkeeping, ON CONFLICT);
   - the floor: one plain INSERT ... SELECT of the same rows, no conflict handling, no bookkeeping;
   - the repeat: a second run of the service straight after the first, when every reminder already exists
     (what an overlapping beat or a retry costs).
4. Print the table and how each grows from the smallest size to the largest.
"""

import argparse
import sys
import time
from pathlib import Path
from statistics import median

from register_list import create_database_if_missing, django_on

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dealer_crm_reminders_bench"

LOAD_LEADS = """
INSERT INTO leads_lead (showroom_id, phone, customer_name, gender, owner_id, channel, grade, status,
                        has_need, has_decision_power, has_purchasing_power, budget, trade_in, competitors,
                        next_follow_up, created_at, updated_at, version)
SELECT %(showroom)s, '1' || lpad(i::text, 10, '0'), '客户' || i, '', %(owner)s, 'walk_in',
       (ARRAY['H', 'A', 'B', 'C'])[1 + i %% 4], 'open', true, true, true, '', false, '',
       %(today)s::date - (i %% 30), now(), now(), 1
FROM generate_series(1, %(size)s) AS i
"""
FLOOR = """
INSERT INTO followups_reminder (lead_id, showroom_id, consultant_id, due_date, overdue_days, created_at)
SELECT id, showroom_id, owner_id, next_follow_up, %(today)s::date - next_follow_up, now()
FROM leads_lead WHERE showroom_id = %(showroom)s AND status = 'open' AND next_follow_up <= %(today)s
"""


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args()
    sizes = [int(size.replace("_", "")) for size in args.sizes.split(",")]
    create_database_if_missing(args.database_url)

    django_on(args.database_url)
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    from dealer_crm.core.clock import showroom_today
    from dealer_crm.core.models import Showroom, User
    from followups.models import Reminder
    from followups.services import reminders_generate

    call_command("migrate", verbosity=0)
    showroom, _ = Showroom.objects.get_or_create(code="bench", defaults={"name": "Benchmark", "reminder_hour": 0})
    owner, created = User.objects.get_or_create(username="bench_consultant", defaults={"showroom": showroom})
    if created:
        owner.groups.add(Group.objects.get(name="consultant"))
    today = showroom_today(showroom)
    params = {"showroom": showroom.pk, "owner": owner.pk, "today": today}

    def empty_reminders():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE followups_reminder, followups_reminderrun")

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(FLOOR, params)

    print(f"{'leads due':>10}  {'run ms':>9}  {'floor ms':>9}  {'run/floor':>9}  {'repeat ms':>9}  reminders")
    results = []
    for size in sizes:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE followups_reminder, leads_lead RESTART IDENTITY CASCADE")
            cursor.execute(LOAD_LEADS, {**params, "size": size})
            cursor.execute("VACUUM ANALYZE leads_lead")
        run_ms, floor_ms, repeat_ms = [], [], []
        for _ in range(args.runs):
            empty_reminders()
            floor_ms.append(timed(floor))
            empty_reminders()
            run_ms.append(timed(reminders_generate))
            repeat_ms.append(timed(reminders_generate))
        made = Reminder.objects.count()
        assert made == size, f"expected {size} reminders, got {made}"
        row = (size, median(run_ms), median(floor_ms), median(repeat_ms))
        results.append(row)
        print(f"{size:>10,}  {row[1]:>9.1f}  {row[2]:>9.1f}  {row[1] / row[2]:>9.2f}  {row[3]:>9.1f}  {made:,}")

    first, last = results[0], results[-1]
    growth = last[0] / first[0]
    print(
        f"\nFrom {first[0]:,} to {last[0]:,} leads (x{growth:g}): run x{last[1] / first[1]:.1f}, "
        f"floor x{last[2] / first[2]:.1f}, repeat x{last[3] / first[3]:.1f}; queries per run stay fixed "
        "(one INSERT ... SELECT per showroom)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
