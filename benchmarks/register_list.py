#!/usr/bin/env python
"""What the visitor register's list pages cost as the register grows (PostgreSQL; not part of the test suite).

    .venv/bin/python benchmarks/register_list.py [--sizes 10000,100000,1000000] [--runs 5] [--explain]

1. Create the benchmark database if it is missing (its name must end in "_bench": it gets emptied) and migrate.
2. Per size: empty the register tables, load the entries with seed_demo's bulk path at about 2,000 a day (so
   "today" holds the same number of entries at every size and only the history grows), VACUUM ANALYZE.
3. Per page: one warm-up request that also captures the page's queries, then the median of --runs requests
   through django.test.Client logged in as the manager, next to the median of re-running the captured SELECTs
   on a raw cursor: the floor the database alone sets.
4. Print the table, then how each page's cost grows from the smallest size to the largest.
"""

import argparse
import math
import os
import re
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from statistics import median

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dealer_crm_bench"
DEFAULT_SIZES = "10000,100000,1000000"
ENTRIES_PER_DAY = 2000
MONTH_DAYS = 30
DEEP_PAGE = 40  # the last page the capped paginator offers (1,000 rows / 25 per page)


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    params: dict
    matches: int  # entries the filters select (a list page shows 25 of them, the daily review all)


@dataclass(frozen=True)
class Measurement:
    size: int
    page: str
    matches: int
    view_ms: float
    sql_ms: float
    queries: int
    slowest_sql: str


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"register sizes, comma-separated ({DEFAULT_SIZES})")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per page after the warm-up (5)")
    parser.add_argument("--seed", type=int, default=1, help="seed_demo's random seed (1)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"({DEFAULT_DATABASE_URL})")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each page's slowest query")
    args = parser.parse_args()
    args.sizes = [int(size.replace("_", "")) for size in args.sizes.split(",")]
    return args


def create_database_if_missing(database_url: str) -> None:
    import environ
    import psycopg2
    from psycopg2 import sql

    config = environ.Env.db_url_config(database_url)
    if not config["ENGINE"].endswith("postgresql"):
        sys.exit("The benchmark measures PostgreSQL: give a postgres:// --database-url.")
    if not config["NAME"].endswith("_bench"):
        sys.exit(f"Refusing database {config['NAME']!r}: the benchmark empties the register, use a *_bench database.")
    connect = {"dbname": "postgres", "user": config["USER"], "host": config["HOST"], "port": config["PORT"]}
    if config["PASSWORD"]:
        connect["password"] = config["PASSWORD"]
    server = psycopg2.connect(**{key: value for key, value in connect.items() if value})
    server.autocommit = True  # CREATE DATABASE cannot run inside a transaction
    with server.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            print(f"Created database {config['NAME']}.")
    server.close()


def django_on(database_url: str) -> None:
    """Set Django up on `database_url` under the test settings: DEBUG off (no query log, no debug overhead in the
    timings), fast password hashing. Before Django reads its settings, and overriding the shell's."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "dealer_crm.settings.test"
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()


def main() -> int:
    args = parse_args()
    create_database_if_missing(args.database_url)

    django_on(args.database_url)  # seed_demo runs under the test settings too
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    measurements = []
    for size in args.sizes:
        load(size, seed=args.seed)
        for page in pages_to_measure():
            measurement = measure(size, page, runs=args.runs)
            measurements.append(measurement)
            print(
                f"  {page.name:<26} {page.matches:>9,} rows {measurement.view_ms:9.1f} ms view "
                f"{measurement.sql_ms:8.2f} ms SQL",
                flush=True,
            )
            if args.explain and size == max(args.sizes):
                explain(measurement.slowest_sql)

    print_table(measurements)
    print_growth(measurements)

    from django.db import connection

    connection.close()
    return 0


def load(size: int, *, seed: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from dealer_crm.core.history import Revision
    from leads.models import RegisterDay, Visit

    tables = ", ".join(model._meta.db_table for model in (Revision, RegisterDay, Visit))
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")

    days = max(1, math.ceil(size / ENTRIES_PER_DAY))
    print(f"\n== {size:,} entries over {days} days ==", flush=True)
    started = time.perf_counter()
    # The register only: the list pages do not read the lead tracker, and feeding it a million entries
    # one by one through the lead service would take hours.
    call_command("seed_demo", visits=size, days=days, seed=seed, without_leads=True, stdout=sys.stdout)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:  # autocommit outside atomic(): VACUUM may run
        for model in (Visit, Revision, RegisterDay):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    print(f"Loaded in {loaded:.1f} s, VACUUM ANALYZE in {time.perf_counter() - started:.1f} s.", flush=True)


def pages_to_measure() -> list[Page]:
    from django.urls import reverse

    from dealer_crm.core.clock import showroom_today
    from dealer_crm.core.models import Showroom, User
    from leads.demo import DEMO_SHOWROOM_CODE
    from leads.models import Visit

    showroom = Showroom.objects.get(code=DEMO_SHOWROOM_CODE)
    today = showroom_today(showroom)
    visits = Visit.objects.filter(showroom=showroom)
    first_day = visits.order_by("visit_date").values_list("visit_date", flat=True).first()
    # A number from the middle of the history: the search must find it among all the years, not just today.
    middle = visits.order_by("pk").values_list("pk", flat=True).first() + visits.count() // 2
    phone = visits.filter(pk__gte=middle, no_phone=False).order_by("pk").values_list("phone", flat=True).first()
    consultant = User.objects.get(username="demo_sc1")

    register = reverse("leads:visit_list")
    month_start = today - timedelta(days=MONTH_DAYS - 1)
    month = {"date_from": month_start.isoformat(), "date_to": today.isoformat()}
    in_month = visits.filter(visit_date__range=(month_start, today))
    review_day = today - timedelta(days=1)
    return [
        Page("today (default)", register, {}, visits.filter(visit_date=today).count()),
        Page("month", register, month, in_month.count()),
        Page(
            "month + consultant",
            register,
            {**month, "consultant": consultant.pk},
            in_month.filter(consultant=consultant).count(),
        ),
        Page("month + grade A", register, {**month, "grade": "A"}, in_month.filter(grade="A").count()),
        # Without dates the register shows today only, so the search names the whole history.
        Page(
            "full phone, all dates",
            register,
            {"q": phone, "date_from": first_day.isoformat()},
            visits.filter(phone=phone).count(),
        ),
        Page(f"month, page {DEEP_PAGE}", register, {**month, "page": DEEP_PAGE}, in_month.count()),
        Page(
            "daily review (yesterday)",
            reverse("leads:register_review_day", kwargs={"day": review_day}),
            {},
            visits.filter(visit_date=review_day).count(),
        ),
    ]


def measure(size: int, page: Page, *, runs: int) -> Measurement:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dealer_crm.core.models import User

    client = Client()
    client.force_login(User.objects.get(username="demo_manager"))

    def request() -> float:
        started = time.perf_counter()
        response = client.get(page.url, page.params)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{page.name}: HTTP {response.status_code} for {page.url} {page.params}")
        return elapsed * 1000

    with CaptureQueriesContext(connection) as captured:
        request()  # the warm-up, and the queries the page runs
    # Copied now: the captured list is a window on the connection's query log, which the next request clears.
    queries = [query["sql"] for query in captured.captured_queries]
    view_ms = median(request() for _ in range(runs))

    # Only reads are re-run: not BEGIN/COMMIT, nor a session save, if any (not the page's own cost).
    selects = [select for select in map(read_of, queries) if select]
    connection.ensure_connection()
    raw = connection.connection.cursor()  # psycopg2's own cursor: nothing of Django in the measurement
    per_query_ms: dict[str, float] = {}

    def run_selects() -> float:
        total = 0.0
        for statement in selects:
            started = time.perf_counter()
            raw.execute(statement)
            raw.fetchall()
            elapsed = (time.perf_counter() - started) * 1000
            per_query_ms[statement] = elapsed
            total += elapsed
        return total

    run_selects()  # warm-up
    sql_ms = median(run_selects() for _ in range(runs))
    raw.close()
    slowest = max(per_query_ms, key=per_query_ms.get) if per_query_ms else ""
    return Measurement(size, page.name, page.matches, view_ms, sql_ms, len(queries), slowest)


# Querysets iterated after the request's transaction ended (the filter form's choices, rendered with the
# template) come as server-side cursors: DECLARE "..." NO SCROLL CURSOR WITH HOLD FOR SELECT ...
SERVER_SIDE_CURSOR = re.compile(r'^DECLARE\s+"[^"]+"\s+NO SCROLL CURSOR WITH(?:OUT)? HOLD FOR\s+', re.IGNORECASE)


def read_of(statement: str) -> str | None:
    """The SELECT a captured statement runs, or None for anything else."""
    select = SERVER_SIDE_CURSOR.sub("", statement.strip())
    return select if select.upper().startswith("SELECT") else None


def explain(statement: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
        plan = "\n".join(f"      {line}" for (line,) in cursor.fetchall())
    print(f"    slowest query: {statement}\n{plan}", flush=True)


def print_table(measurements: list[Measurement]) -> None:
    print(f"\n{'size':>10}  {'view':<26} {'rows':>7} {'view ms':>9} {'SQL ms':>8} {'queries':>8}")
    for m in measurements:
        print(f"{m.size:>10,}  {m.page:<26} {m.matches:>7,} {m.view_ms:>9.1f} {m.sql_ms:>8.2f} {m.queries:>8}")


def print_growth(measurements: list[Measurement]) -> None:
    sizes = sorted({m.size for m in measurements})
    if len(sizes) < 2:
        return
    smallest, largest = sizes[0], sizes[-1]
    by_key = {(m.size, m.page): m for m in measurements}
    print(f"\nGrowth from {smallest:,} to {largest:,} entries ({largest / smallest:,.0f}× the rows):")
    for page in dict.fromkeys(m.page for m in measurements):
        small, large = by_key[smallest, page], by_key[largest, page]
        print(
            f"  {page:<26} view {small.view_ms:7.1f} → {large.view_ms:7.1f} ms (×{large.view_ms / small.view_ms:.2f}), "
            f"SQL {small.sql_ms:6.2f} → {large.sql_ms:6.2f} ms (×{large.sql_ms / small.sql_ms:.2f}); "
            f"rows {small.matches:,} → {large.matches:,}"
        )


if __name__ == "__main__":
    sys.exit(main())
