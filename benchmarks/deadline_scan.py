#!/usr/bin/env python
"""What the DCC desk's escalation scan (dcc.escalate_overdue, every minute) costs as open online leads pile up
(PostgreSQL; not part of the test suite).

    .venv/bin/python benchmarks/deadline_scan.py [--sizes 10000,100000] [--due 10] [--runs 5]

1. Create the benchmark database if it is missing (its name must end in "_bench": it gets emptied) and migrate.
2. Per size: empty the online leads, insert N open online leads whose deadline is still ahead plus --due whose
   deadline has passed (set-based statements), VACUUM ANALYZE.
3. Time, as the median of --runs (the due ones put back before each):
   - the scan: dcc.services.escalation.online_leads_escalate(), the whole service, and its query count;
   - the floor: the scan's two SELECTs of due inquiries run as plain SQL (what finding the work costs);
   - the idle scan: the service again straight after, when nothing is due (what most minutes cost).
4. Print the table and how each grows from the smallest size to the largest.
"""

import argparse
import sys
import time
from pathlib import Path
from statistics import median

from register_list import create_database_if_missing, django_on

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dealer_crm_deadlines_bench"

LOAD_LEADS = """
INSERT INTO leads_lead (showroom_id, phone, customer_name, gender, owner_id, channel, grade, status,
                        has_need, has_decision_power, has_purchasing_power, budget, trade_in, competitors,
                        response_due_at, created_at, updated_at, version)
SELECT %(showroom)s, '1' || lpad(i::text, 10, '0'), '客户' || i, '', %(owner)s, 'online', 'C', 'open',
       false, false, false, '', false, '', now() + interval '1 day', now(), now(), 1
FROM generate_series(1, %(size)s) AS i
"""
LOAD_INQUIRIES = """
INSERT INTO dcc_onlinelead (showroom_id, source_id, platform_lead_id, via, received_at, customer_name, phone,
                            city, car_model_text, message, lead_id, attached, response_due_at, escalation_level)
SELECT showroom_id, %(source)s, 'B-' || id, 'api', now(), customer_name, phone, '', '', '', id, false,
       response_due_at, 0
FROM leads_lead WHERE showroom_id = %(showroom)s
"""
MAKE_DUE = """
WITH due AS (SELECT id FROM leads_lead WHERE showroom_id = %(showroom)s ORDER BY id LIMIT %(due)s)
UPDATE {table} SET response_due_at = now() - interval '1 minute'{reset} WHERE {key} IN (SELECT id FROM due)
"""
FLOOR = """
SELECT o.id FROM dcc_onlinelead o WHERE o.escalation_level = %(level)s AND o.{deadline} <= now()
AND o.lead_id IN (SELECT id FROM leads_lead WHERE status = 'open' AND response_due_at IS NOT NULL)
"""


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--due", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args()
    sizes = [int(size.replace("_", "")) for size in args.sizes.split(",")]
    create_database_if_missing(args.database_url)

    django_on(args.database_url)
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dcc.models import LeadSource, Platform
    from dcc.services.escalation import online_leads_escalate
    from dealer_crm.core.models import Showroom, User

    call_command("migrate", verbosity=0)
    showroom, _ = Showroom.objects.get_or_create(code="bench", defaults={"name": "Benchmark"})
    owner, created = User.objects.get_or_create(username="bench_consultant", defaults={"showroom": showroom})
    manager, manager_created = User.objects.get_or_create(username="bench_manager", defaults={"showroom": showroom})
    if created:
        owner.groups.add(Group.objects.get(name="consultant"))
    if manager_created:
        manager.groups.add(Group.objects.get(name="manager"))
    source, _ = LeadSource.objects.get_or_create(
        showroom=showroom, code="bench", defaults={"name": "Bench", "platform": Platform.AUTOHOME}
    )
    values = {"showroom": showroom.pk, "owner": owner.pk, "source": source.pk, "due": args.due}

    def make_due():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM leads_leadevent WHERE kind = 'response_overdue'")
            cursor.execute(MAKE_DUE.format(table="leads_lead", reset="", key="id"), values)
            reset = ", escalation_level = 0, escalated_at = NULL, second_due_at = NULL"
            cursor.execute(MAKE_DUE.format(table="dcc_onlinelead", reset=reset, key="lead_id"), values)

    def floor():
        with connection.cursor() as cursor:
            for level, deadline in ((0, "response_due_at"), (1, "second_due_at")):
                cursor.execute(FLOOR.format(deadline=deadline), {"level": level})
                cursor.fetchall()

    rows = []
    for size in sizes:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM leads_leadevent")
            cursor.execute("DELETE FROM dcc_onlinelead")
            cursor.execute("DELETE FROM leads_lead")
            cursor.execute(LOAD_LEADS, {**values, "size": size})
            cursor.execute(LOAD_INQUIRIES, values)
            cursor.execute("VACUUM ANALYZE leads_lead")
            cursor.execute("VACUUM ANALYZE dcc_onlinelead")
        scans, floors, idles, queries = [], [], [], 0
        for _run in range(args.runs):
            make_due()
            with CaptureQueriesContext(connection) as captured:
                scans.append(timed(online_leads_escalate))
            queries = len(captured)
            floors.append(timed(floor))
            idles.append(timed(online_leads_escalate))
        rows.append((size, median(scans), queries, median(floors), median(idles)))

    print(f"\nEscalation scan, {args.due} inquiries due among N open online leads (median of {args.runs} runs)\n")
    print(f"{'open leads':>11} | {'scan ms':>8} | {'queries':>7} | {'floor ms':>8} | {'idle scan ms':>12}")
    print("-" * 60)
    for size, scan, queries, floor_ms, idle in rows:
        print(f"{size:>11,} | {scan:>8.1f} | {queries:>7} | {floor_ms:>8.1f} | {idle:>12.1f}")
    if len(rows) > 1:
        (small, *first), (large, *last) = rows[0], rows[-1]
        print(
            f"\nFrom {small:,} to {large:,} open leads ({large / small:.0f}x): the scan x{last[0] / first[0]:.1f}, "
            f"its queries {first[1]} → {last[1]}, the floor x{last[2] / first[2]:.1f}, the idle scan "
            f"x{last[3] / first[3]:.1f}. The scan's work is per due inquiry (claim, event, notice), not per open lead."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
