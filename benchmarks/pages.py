#!/usr/bin/env python
"""Every main page's cost on a dealer group's data, at two sizes, and under load (PostgreSQL; not a test).

    .venv/bin/python benchmarks/pages.py                          # 100k and 1M register entries, with the load run
    .venv/bin/python benchmarks/pages.py --sizes 1000000 --keep   # re-measure what is loaded (migrate, rollups first)
    .venv/bin/python benchmarks/pages.py --no-load-run            # the pages only

1. Create the database if missing (its name must end in "_bench": it gets emptied), migrate.
2. Per size (unless --keep): the dealer group of benchmarks/dealer_group.py with N register entries and about
   0.3·N leads. With --keep, the data already loaded is measured; `manage.py rollups_rebuild` runs first when the
   command exists (a branch with rollups measured on the same data).
3. Per page, as benchmarks/reports.py: the median of --runs requests through django.test.Client after a warm-up
   (dealer_crm.settings.test, DEBUG off) next to the median of the same SELECTs re-run on a raw cursor (the SQL
   floor), and the query count.
4. The load run (benchmarks/load_run.py): gunicorn, 4 sync workers, dealer_crm.settings.production with persistent
   connections; wrk, 16 connections, --seconds per page; req/s and p50/p95/p99 next to /healthz.
5. A table per size, then the growth from the first size to the last.
"""

import argparse
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dealer_group import consultant_name, group_load, manager_name, reports_bench, showroom_code  # noqa: E402
from register_list import create_database_if_missing, django_on  # noqa: E402

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_group_bench"
DEFAULT_SIZES = "100000,1000000"
Page = reports_bench.Page


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"register entries, comma-separated ({DEFAULT_SIZES})")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per page after the warm-up (5)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"({DEFAULT_DATABASE_URL})")
    parser.add_argument("--keep", "--no-load", action="store_true", help="measure the data already loaded")
    parser.add_argument("--no-load-run", action="store_true", help="skip gunicorn + wrk")
    parser.add_argument("--seconds", type=int, default=30, help="wrk's duration per page (30)")
    args = parser.parse_args()
    args.sizes = [int(size.replace("_", "")) for size in args.sizes.split(",")]
    if args.keep:
        args.sizes = args.sizes[-1:]
    return args


def main() -> int:
    args = parse_args()
    create_database_if_missing(args.database_url)
    django_on(args.database_url)
    import load_run
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    tables = []
    for visits in args.sizes:
        if args.keep:
            rollups_rebuild()
        else:
            group_load(visits=visits)
        label = f"{visits:,}"
        measurements = []
        for page in pages_to_measure():
            m = reports_bench.measure(label, page, runs=args.runs)
            measurements.append(m)
            print(f"  {page.name:<34} {m.view_ms:9.1f} ms view {m.sql_ms:9.1f} ms SQL {m.queries:3} queries")
        loaded = None
        if not args.no_load_run:
            loaded = load_run.load_run(
                database_url=args.database_url, pages=load_pages(), seconds=args.seconds, log=print
            )
        tables.append((label, measurements, loaded))
    for label, measurements, loaded in tables:
        print_pages(label, measurements)
        if loaded:
            load_run.print_load(label, loaded)
    print_growth(tables)
    return 0


def rollups_rebuild() -> None:
    """The figures' rollups, where the code has them, rebuilt from the loaded rows before measuring."""
    from django.core.management import call_command, get_commands

    from dealer_crm.core.clock import showroom_today
    from dealer_crm.core.models import Showroom

    if "rollups_rebuild" not in get_commands():
        return
    for showroom in Showroom.objects.filter(code__startswith="G").order_by("code"):
        today = showroom_today(showroom)
        # As on the command line (the issue's interface), whatever the options' destination names.
        start, end = (today - timedelta(days=800)).isoformat(), today.isoformat()
        call_command("rollups_rebuild", "--showroom", showroom.code, "--from", start, "--to", end)
    print("rollups rebuilt", flush=True)


def busiest_lead_id() -> int:
    """The open lead with the longest history in the first showroom: the lead page at its heaviest."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.lead_id FROM leads_contact c JOIN leads_lead l ON l.id = c.lead_id
               JOIN core_showroom s ON s.id = l.showroom_id
               WHERE s.code = %s AND l.status = 'open' GROUP BY c.lead_id ORDER BY count(*) DESC, c.lead_id LIMIT 1""",
            [showroom_code(1)],
        )
        return cursor.fetchone()[0]


def pages_to_measure() -> list[Page]:
    from django.urls import reverse

    from dealer_crm.core.clock import showroom_today
    from dealer_crm.core.models import Showroom

    today = showroom_today(Showroom.objects.get(code=showroom_code(1)))
    manager, consultant = manager_name(1), consultant_name(1, 1)
    dashboard = reverse("reports:dashboard")

    def period(days: int) -> dict:
        return {"start": (today - timedelta(days=days - 1)).isoformat(), "end": today.isoformat()}

    tracker = reverse("leads:lead_list")
    return [
        Page("register, today (manager)", manager, reverse("leads:visit_list"), {}),
        Page("register review, today (manager)", manager, reverse("leads:register_review"), {}),
        Page("tracker (manager)", manager, tracker, {}),
        Page("tracker (consultant)", consultant, tracker, {}),
        Page("lead page (busiest open lead)", manager, reverse("leads:lead_detail", args=[busiest_lead_id()]), {}),
        Page("Today (consultant)", consultant, reverse("followups:today"), {}),
        Page("overdue board (manager)", manager, reverse("followups:overdue_board"), {}),
        Page("dashboard, 30 days (manager)", manager, dashboard, period(30)),
        Page("dashboard, 90 days (manager)", manager, dashboard, period(90)),
        Page("dashboard, 365 days (manager)", manager, dashboard, period(365)),
        Page(
            "daily review, yesterday",
            manager,
            reverse("reports:daily_review_day", kwargs={"day": today - timedelta(days=1)}),
            {},
        ),
        Page("grade status, this month", manager, reverse("leads:grade_status"), {}),
        Page(
            "grade status, last month",
            manager,
            reverse("leads:grade_status"),
            {"month": (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")},
        ),
        Page("integrity checks", manager, reverse("reports:integrity"), {}),
    ]


def load_pages() -> list[Page]:
    """The pages of the load run, in the order it runs them (/healthz first and last, no session)."""
    by_name = {page.name: page for page in pages_to_measure()}
    names = [
        "register, today (manager)",
        "tracker (manager)",
        "Today (consultant)",
        "lead page (busiest open lead)",
        "dashboard, 30 days (manager)",
        "daily review, yesterday",
    ]
    return [by_name[name] for name in names]


def print_pages(label: str, measurements: list) -> None:
    print(f"\n{label} register entries (view ms: median through django.test.Client; SQL ms: the same SELECTs)")
    print(f"  {'page':<34} {'view ms':>9} {'SQL ms':>9} {'view/SQL':>9} {'queries':>8}")
    for m in measurements:
        ratio = m.view_ms / m.sql_ms if m.sql_ms else float("inf")
        print(f"  {m.page:<34} {m.view_ms:>9.1f} {m.sql_ms:>9.1f} {ratio:>9.2f} {m.queries:>8}")


def print_growth(tables: list) -> None:
    if len(tables) < 2:
        return
    (small_label, small, _), (large_label, large, _) = tables[0], tables[-1]
    print(f"\nGrowth from {small_label} to {large_label} register entries:")
    print(f"  {'page':<34} {'view ms':>19} {'×':>6} {'SQL ms':>19} {'×':>6} {'queries':>9}")
    for a, b in zip(small, large, strict=True):
        print(
            f"  {a.page:<34} {a.view_ms:>8.1f} → {b.view_ms:>8.1f} {b.view_ms / a.view_ms:>6.2f} "
            f"{a.sql_ms:>8.1f} → {b.sql_ms:>8.1f} {b.sql_ms / max(a.sql_ms, 0.01):>6.2f} "
            f"{a.queries:>4} → {b.queries:<4}"
        )


if __name__ == "__main__":
    sys.exit(main())
