#!/usr/bin/env python
"""What the follow-up lists and the lead tracker cost as the leads pile up (PostgreSQL; not part of the suite).

    .venv/bin/python benchmarks/lists.py [--sizes 30000,300000] [--runs 3] [--explain]

1. Create the benchmark database if it is missing (its name must end in "_bench": it gets emptied) and migrate.
2. Per size: empty the lead tables, make the demo showroom and staff (seed_demo with a handful of visits), then
   insert the leads in SQL (`load_leads`, one INSERT … SELECT over generate_series: seconds): spread over the
   three consultants, six in ten open (grades H/A/B/C 1:2:3:4, due dates from 90 days ago to 30 days ahead, so
   three in four open leads are due), the rest ordered or lost; a model of interest on every other lead; a
   pending lost request on one open lead in forty. VACUUM ANALYZE.
3. Per page, as benchmarks/reports.py: a warm-up request that captures the queries, the median of --runs
   requests through django.test.Client next to the median of re-running the captured SELECTs on a raw cursor.
4. Print the table and how each page's cost grows from the smallest size to the largest.
"""

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from register_list import create_database_if_missing, django_on, explain  # noqa: E402

# benchmarks/reports.py under another name: as "reports" it would hide the reports app.
_spec = importlib.util.spec_from_file_location("reports_bench", Path(__file__).resolve().parent / "reports.py")
reports_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reports_bench)
Page, measure, print_growth, print_table = (
    reports_bench.Page,
    reports_bench.measure,
    reports_bench.print_growth,
    reports_bench.print_table,
)

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dealer_crm_lists_bench"
DEFAULT_SIZES = "30000,300000"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"numbers of leads, comma-separated ({DEFAULT_SIZES})")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per page after the warm-up (3)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"({DEFAULT_DATABASE_URL})")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each page's slowest query")
    parser.add_argument("--keep", action="store_true", help="measure the data already loaded (the last size)")
    args = parser.parse_args()
    args.sizes = [int(size.replace("_", "")) for size in args.sizes.split(",")]
    return args


def main() -> int:
    args = parse_args()
    create_database_if_missing(args.database_url)
    django_on(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    measurements = []
    for leads in args.sizes:
        if not args.keep:
            load(leads)
        for page in pages_to_measure():
            m = measure(f"{leads:,}", page, runs=args.runs)
            measurements.append(m)
            print(
                f"  {page.name:<34} {m.view_ms:9.1f} ms view {m.sql_ms:9.1f} ms SQL {m.queries:3} queries "
                f"(slowest {m.slowest_ms:.1f} ms)",
                flush=True,
            )
            if args.explain and leads == args.sizes[-1]:
                explain(m.slowest_sql)
    print_table(measurements)
    print_growth(measurements)
    return 0


def load(leads: int) -> None:
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection

    existing = set(connection.introspection.table_names())
    tables = [
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in ("leads", "reports", "delivery", "followups") and model._meta.db_table in existing
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    print(f"\n== {leads:,} leads ==", flush=True)
    started = time.perf_counter()
    call_command("seed_demo", visits=20, days=1, seed=1, without_leads=True, stdout=open(os.devnull, "w"))
    load_leads(leads)
    with connection.cursor() as cursor:  # autocommit outside atomic(): VACUUM may run
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"Loaded in {time.perf_counter() - started:.1f} s.", flush=True)


def load_leads(leads: int) -> None:
    """The leads, straight in SQL (see the module's docstring); they keep the model's constraints: one open lead
    per phone, a closed lead has no due date, an open lead's grade is H/A/B/C, an ordered one's O, a lost one's F."""
    from django.db import connection, transaction
    from leads.management.commands.seed_demo import DEMO_SHOWROOM_CODE

    from dealer_crm.core.clock import showroom_now
    from dealer_crm.core.models import Showroom

    showroom = Showroom.objects.get(code=DEMO_SHOWROOM_CODE)
    now = showroom_now(showroom)
    params = {"s": showroom.pk, "leads": leads, "today": now.date(), "now": now}
    steps = [
        """CREATE TEMP TABLE bench_staff ON COMMIT DROP AS
           SELECT id, row_number() OVER (ORDER BY username) - 1 AS k FROM core_user
           WHERE showroom_id = %(s)s AND username LIKE 'demo_sc%%'""",
        """INSERT INTO leads_lead (showroom_id, phone, customer_name, gender, owner_id, channel, grade, status,
               has_need, has_decision_power, has_purchasing_power, budget, trade_in, competitors, last_contact_at,
               next_follow_up, created_at, updated_at, version)
           SELECT %(s)s, '139' || lpad(i::text, 8, '0'), '客户' || i, '', staff.id, 'walk_in',
                  CASE WHEN i %% 10 >= 6 THEN (CASE WHEN i %% 2 = 0 THEN 'O' ELSE 'F' END)
                       ELSE (ARRAY['H', 'A', 'A', 'B', 'B', 'B', 'C', 'C', 'C', 'C'])[(i / 10) %% 10 + 1] END,
                  CASE WHEN i %% 10 >= 6 THEN (CASE WHEN i %% 2 = 0 THEN 'ordered' ELSE 'lost' END) ELSE 'open' END,
                  true, true, true, '', false, '', %(now)s - ((i * 7919) %% 120)::int * interval '1 day',
                  CASE WHEN i %% 10 < 6 THEN %(today)s + 30 - ((i * 7919) %% 120)::int END,
                  %(now)s - (i %% 700)::int * interval '1 day', %(now)s, 1
           FROM generate_series(1::bigint, %(leads)s) AS i JOIN bench_staff staff ON staff.k = i %% 3""",
        """INSERT INTO leads_lead_car_models (lead_id, carmodel_id)
           SELECT l.id, m.id FROM leads_lead l JOIN core_carmodel m ON m.id = (
               SELECT min(id) FROM core_carmodel) + l.id %% 5
           WHERE l.showroom_id = %(s)s AND l.id %% 2 = 0""",
        """INSERT INTO leads_lostrequest (lead_id, reason, competitor_brand, competitor_model, note, requested_by_id,
               requested_at, state, comment)
           SELECT id, 'price', '', '', '', owner_id, %(now)s, 'pending', '' FROM leads_lead
           WHERE showroom_id = %(s)s AND status = 'open' AND id %% 40 = 1""",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in steps:
            cursor.execute(statement, params)


def pages_to_measure() -> list[Page]:
    from django.urls import reverse

    tracker = reverse("leads:lead_list")
    return [
        Page("Today (consultant)", "demo_sc1", reverse("followups:today"), {}),
        Page("overdue board (manager)", "demo_manager", reverse("followups:overdue_board"), {}),
        Page("tracker (manager)", "demo_manager", tracker, {}),
        Page("tracker (consultant)", "demo_sc1", tracker, {}),
        Page("tracker, page 40 (manager)", "demo_manager", tracker, {"page": 40}),
        Page("tracker, grade B (manager)", "demo_manager", tracker, {"grade": "B"}),
        Page("Today's B leads in full (consultant)", "demo_sc1", tracker, {"grade": "B", "due": "true"}),
    ]


if __name__ == "__main__":
    sys.exit(main())
