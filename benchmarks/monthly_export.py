#!/usr/bin/env python
"""What the monthly Excel workbook costs for a month of 100,000 register entries (PostgreSQL; not part of the suite).

    .venv/bin/python benchmarks/monthly_export.py [--visits 100000] [--runs 3] [--skip-load]

1. Create the benchmark database if it is missing (its name must end in "_bench": it gets emptied) and migrate.
2. Load the register with seed_demo's bulk path (`--visits N --days 30 --without-leads`), then move the 30 days
   into one calendar month (the last 31-day month that ends before the loaded days begin), so one month holds
   all N entries; VACUUM ANALYZE.
3. Each measurement runs in a fresh subprocess, so its peak memory (ru_maxrss) is its own:
   - export: the whole workbook as the page's task builds it for the demo manager (every sheet, the register
     streamed from the database with phones through the masking rule), saved to a file;
   - floor: openpyxl's write-only mode writing the same register rows (the same 17 typed values per row,
     fetched into a plain list before the clock starts) and saving: what writing the rows alone costs;
   - export with tracemalloc: the Python heap's peak during the export (slower, so timed separately).
4. Print the medians of --runs and the ratio export / floor (target: within 1.5x, peak memory under 200 MB).
"""

import argparse
import calendar
import json
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from statistics import median

from register_list import create_database_if_missing, django_on

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dealer_crm_excel_bench"
DAYS = 30


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=100_000, help="register entries in the month (100000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (3)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"({DEFAULT_DATABASE_URL})")
    parser.add_argument("--skip-load", action="store_true", help="measure the data already loaded")
    parser.add_argument("--child", choices=["export", "floor", "trace"], help=argparse.SUPPRESS)
    parser.add_argument("--month", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    return parser.parse_args()


# --- The parent: load, then measure in subprocesses --------------------------------------------------------------


def main() -> int:
    args = parse_args()
    if args.child:
        return child(args)
    create_database_if_missing(args.database_url)
    django_on(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    month = load(args.visits) if not args.skip_load else loaded_month()
    print(f"Month {month:%Y-%m}: {count_month(month):,} register entries.", flush=True)

    output = PROJECT_DIR / "var" / "bench-monthly.xlsx"
    output.parent.mkdir(exist_ok=True)
    results: dict[str, list[dict]] = {"export": [], "floor": [], "trace": []}
    for _run in range(args.runs):
        for kind in ("floor", "export"):
            results[kind].append(run_child(kind, args.database_url, month, output))
            last = results[kind][-1]
            print(
                f"  {kind:<7} {last['seconds']:7.2f} s wall {last['cpu']:7.2f} s CPU  "
                f"maxrss {last['maxrss_mb']:6.1f} MB  rows {last['rows']:,}",
                flush=True,
            )
    results["trace"].append(run_child("trace", args.database_url, month, output))

    export_s = median(r["seconds"] for r in results["export"])
    floor_s = median(r["seconds"] for r in results["floor"])
    export_cpu = median(r["cpu"] for r in results["export"])
    floor_cpu = median(r["cpu"] for r in results["floor"])
    # Each run's own ratio (export and floor measured back to back, under the same load), then their median.
    pairs = median(e["seconds"] / f["seconds"] for e, f in zip(results["export"], results["floor"], strict=True))
    print()
    print(f"register rows in the month        {results['export'][0]['register_rows']:>12,}")
    print(f"rows in the workbook (all sheets) {results['export'][0]['rows']:>12,}")
    print(f"file size                         {results['export'][0]['bytes'] / 2**20:>11.1f} MB")
    print(f"export, median of {args.runs}              {export_s:>11.2f} s")
    print(f"floor (openpyxl from a list)      {floor_s:>11.2f} s")
    print(f"export / floor                    {export_s / floor_s:>11.2f} x   (target <= 1.5)")
    print(f"export / floor, per run, median   {pairs:>11.2f} x")
    print(f"export CPU, median                {export_cpu:>11.2f} s")
    print(f"floor CPU, median                 {floor_cpu:>11.2f} s")
    print(f"export / floor, CPU time          {export_cpu / floor_cpu:>11.2f} x")
    print(
        f"export peak RSS (max of runs)     {max(r['maxrss_mb'] for r in results['export']):>11.1f} MB  (target < 200)"
    )
    print(f"floor peak RSS (max of runs)      {max(r['maxrss_mb'] for r in results['floor']):>11.1f} MB")
    print(f"export Python heap peak           {results['trace'][0]['traced_peak_mb']:>11.1f} MB  (tracemalloc)")
    print(f"process baseline RSS (Django up)  {results['export'][0]['baseline_mb']:>11.1f} MB")
    return 0


def load(visits: int) -> date:
    """seed_demo's bulk path over 30 days ending today, then the days moved into one 31-day month."""
    from django.core.management import call_command
    from django.db import connection

    from dealer_crm.core.history import Revision
    from leads.models import RegisterDay, Visit

    tables = ", ".join(model._meta.db_table for model in (Revision, RegisterDay, Visit))
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    started = time.perf_counter()
    call_command("seed_demo", visits=visits, days=DAYS, seed=1, without_leads=True, stdout=sys.stdout)
    print(f"Loaded in {time.perf_counter() - started:.1f} s.", flush=True)

    first = Visit.objects.order_by("visit_date").values_list("visit_date", flat=True).first()
    month = target_month(first)
    shift = (month - first).days  # negative, and more than 30 days: the old and new days never overlap
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Visit._meta.db_table} SET visit_date = visit_date + %s, "
            "arrived_at = arrived_at + make_interval(days => %s), left_at = left_at + make_interval(days => %s)",
            [shift, shift, shift],
        )
        cursor.execute(f"UPDATE {RegisterDay._meta.db_table} SET date = date + %s", [shift])
    with connection.cursor() as cursor:
        for model in (Visit, Revision, RegisterDay):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return month


def target_month(first_loaded: date) -> date:
    """The first day of the latest 31-day month that ends at least a day before `first_loaded`."""
    day = first_loaded.replace(day=1) - timedelta(days=1)
    while True:
        if calendar.monthrange(day.year, day.month)[1] == 31 and day.replace(day=31) < first_loaded:
            return day.replace(day=1)
        day = day.replace(day=1) - timedelta(days=1)


def loaded_month() -> date:
    from leads.models import Visit

    return Visit.objects.order_by("visit_date").values_list("visit_date", flat=True).first().replace(day=1)


def count_month(month: date) -> int:
    from leads.models import Visit

    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    return Visit.objects.filter(visit_date__range=(month, last)).count()


def run_child(kind: str, database_url: str, month: date, output: Path) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--database-url", database_url]
    command += ["--month", month.isoformat(), "--output", str(output)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=PROJECT_DIR)
    if done.returncode:
        sys.exit(f"{kind} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- The children: one measurement each, in a fresh process ---------------------------------------------------------


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def cpu_seconds() -> float:
    """This process's CPU time (user + system): unlike the wall clock, barely moved by other work on the machine
    (but it leaves out the time PostgreSQL spends in its own process on the export's queries)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(args) -> int:
    django_on(args.database_url)
    import tracemalloc

    from dealer_crm.core.models import Showroom, User
    from leads.demo import DEMO_SHOWROOM_CODE

    showroom = Showroom.objects.get(code=DEMO_SHOWROOM_CODE)
    manager = User.objects.get(username="demo_manager")
    month = date.fromisoformat(args.month)
    # Everything imported and connected before the clock starts: the baseline a worker process has anyway.
    from reports.excel import export_services
    from reports.models import ExportRecord

    User.objects.get(pk=manager.pk).has_perm("leads.view_all_phones")
    baseline = rss_mb()
    output = Path(args.output)
    result = {"baseline_mb": baseline}

    if args.child == "floor":
        rows = floor_rows(showroom, month)  # fetched before the clock starts: the floor is writing alone
        started, cpu = time.perf_counter(), cpu_seconds()
        write_floor(rows, output)
        result.update(seconds=time.perf_counter() - started, cpu=cpu_seconds() - cpu, rows=len(rows))
        result["register_rows"] = len(rows)
    else:
        if args.child == "trace":
            tracemalloc.start()
        started, cpu = time.perf_counter(), cpu_seconds()
        record = export_services.export_record_start(
            kind=ExportRecord.Kind.MONTHLY,
            showroom=showroom,
            requested_by=manager,
            month=month,
            language="zh-hans",
            channel=ExportRecord.Channel.COMMAND,
        )
        rows = export_services.monthly_export_build(record=record, target=str(output))
        export_services.export_record_done(record, rows=rows)
        result.update(seconds=time.perf_counter() - started, cpu=cpu_seconds() - cpu, rows=rows)
        result["register_rows"] = count_month(month)
        if args.child == "trace":
            result["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
    result.update(maxrss_mb=rss_mb(), bytes=output.stat().st_size)
    print(json.dumps(result))
    return 0


def floor_rows(showroom, month: date) -> list[tuple]:
    """The register sheet's 17 values per row, as plain Python values, in a list."""
    from django.utils import translation

    from leads.models import Gender, VisitKind
    from reports.excel.export_selectors import month_register, person_name, register_export_rows

    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    zone = showroom.zone
    with translation.override("zh-hans"):
        kinds = {value: str(label) for value, label in VisitKind.choices}
        genders = {value: str(label) for value, label in Gender.choices}
    rows = []
    for (visit_date, number, kind, name, gender, phone, district, address, brand, model, source_zh, _source_en,
         arrived_at, left_at, party, grade, summary, last_name, first_name, username, remarks, _consultant_id,
         _late) in (
        register_export_rows(month_register(showroom=showroom, start=month, end=last)).iterator(chunk_size=2000)
    ):  # fmt: skip
        rows.append(
            (
                number,
                visit_date,
                kinds[kind],
                name,
                genders.get(gender, ""),
                phone or None,
                f"{district} {address}".strip() if district else address,
                f"{brand} {model}" if model else None,
                source_zh,
                arrived_at.astimezone(zone).time().replace(tzinfo=None),
                left_at.astimezone(zone).time().replace(tzinfo=None),
                int((left_at - arrived_at).total_seconds() // 60),
                party,
                grade,
                summary,
                person_name(last_name, first_name, username),
                remarks or None,
            )
        )
    return rows


def write_floor(rows: list[tuple], output: Path) -> None:
    """openpyxl's write-only mode at its plainest: one sheet, ws.append(row) per row, save."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("register")
    for row in rows:
        sheet.append(row)
    workbook.save(output)


if __name__ == "__main__":
    sys.exit(main())
