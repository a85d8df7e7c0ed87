#!/usr/bin/env python
"""What the reports' pages cost on a big showroom (PostgreSQL; not part of the test suite).

    .venv/bin/python benchmarks/reports.py [--sizes 100000:30000,1000000:300000] [--runs 5] [--explain]

Each size is "register entries:leads".

1. Create the benchmark database if it is missing (its name must end in "_bench": it gets emptied) and migrate.
2. Per size: empty the register, lead and report tables; load the register with seed_demo's bulk path
   (--without-leads, about 2,000 entries a day, so a day and a month hold the same number of entries at every
   size and only the history grows); then build the lead tracker from it in SQL (`load_leads`, INSERT … SELECT
   with window functions and generate_series: minutes, where the lead service one entry at a time would take
   hours): one lead per customer phone, a contact per register entry with a phone, follow-up calls, test
   drives, quotations, orders, deliveries, callbacks, lost leads approved by the manager, every history event,
   and a month of daily reports. VACUUM ANALYZE.
3. Per page: one warm-up request that also captures the page's queries, then the median of --runs requests
   through django.test.Client, next to the median of re-running the captured SELECTs on a raw cursor: the floor
   the database alone sets (as benchmarks/register_list.py).
4. Print the table, then how each page's cost grows from the smallest size to the largest.
"""

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))
from register_list import create_database_if_missing, django_on, explain, read_of  # noqa: E402

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dealer_crm_reports_bench"
DEFAULT_SIZES = "100000:30000,1000000:300000"
ENTRIES_PER_DAY = 2000


@dataclass(frozen=True)
class Page:
    name: str
    username: str
    url: str
    params: dict


@dataclass(frozen=True)
class Measurement:
    size: str
    page: str
    view_ms: float
    sql_ms: float
    queries: int
    slowest_sql: str
    slowest_ms: float


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"entries:leads, comma-separated ({DEFAULT_SIZES})")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per page after the warm-up (5)")
    parser.add_argument("--seed", type=int, default=1, help="seed_demo's random seed (1)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"({DEFAULT_DATABASE_URL})")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each page's slowest query")
    parser.add_argument("--keep", action="store_true", help="measure the data already loaded (the last size)")
    parser.add_argument(
        "--no-jit",
        action="store_true",
        help="SET jit = off on the connection: PostgreSQL's JIT compiles these one-off aggregates for longer than "
        "they run at these sizes (see the report in benchmarks/README.md)",
    )
    args = parser.parse_args()
    sizes = []
    for pair in args.sizes.split(","):
        visits, leads = pair.replace("_", "").split(":")
        sizes.append((int(visits), int(leads)))
    args.sizes = sizes
    return args


def main() -> int:
    args = parse_args()
    create_database_if_missing(args.database_url)
    django_on(args.database_url)
    from django.core.management import call_command

    if args.no_jit:
        from django.db.backends.signals import connection_created

        def jit_off(sender, connection, **kwargs):
            with connection.cursor() as cursor:
                cursor.execute("SET jit = off")

        connection_created.connect(jit_off, weak=False)
    call_command("migrate", verbosity=0)

    measurements = []
    for visits, leads in args.sizes:
        label = f"{visits:,}/{leads:,}"
        if not args.keep:
            load(visits, leads, seed=args.seed)
        for page in pages_to_measure():
            m = measure(label, page, runs=args.runs)
            measurements.append(m)
            print(
                f"  {page.name:<34} {m.view_ms:9.1f} ms view {m.sql_ms:9.1f} ms SQL {m.queries:3} queries "
                f"(slowest {m.slowest_ms:.1f} ms)",
                flush=True,
            )
            if args.explain and (visits, leads) == args.sizes[-1]:
                explain(m.slowest_sql)
    print_table(measurements)
    print_growth(measurements)
    from django.db import connection

    connection.close()
    return 0


# --- Loading -----------------------------------------------------------------------------------------------------


def load(visits: int, leads: int, *, seed: int) -> None:
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
    days = max(1, -(-visits // ENTRIES_PER_DAY))
    print(f"\n== {visits:,} register entries over {days} days, {leads:,} leads ==", flush=True)
    started = time.perf_counter()
    call_command("seed_demo", visits=visits, days=days, seed=seed, without_leads=True, stdout=sys.stdout)
    register_s = time.perf_counter() - started
    started = time.perf_counter()
    made = load_leads(leads)
    leads_s = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:  # autocommit outside atomic(): VACUUM may run
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(
        f"Register loaded in {register_s:.1f} s; tracker in {leads_s:.1f} s ({made}); "
        f"VACUUM ANALYZE in {time.perf_counter() - started:.1f} s.",
        flush=True,
    )


# Follow-up interval per grade (the showroom's defaults), as SQL.
INTERVAL = "CASE {g} WHEN 'H' THEN 1 WHEN 'A' THEN 3 WHEN 'B' THEN 7 WHEN 'C' THEN 15 END"


def load_leads(leads: int, *, showroom=None, manager=None, consultants=None) -> str:
    """The lead tracker the register implies, built in SQL, for one showroom (the demo's unless given, with its
    manager deciding the lost requests and its consultants writing the daily reports). Not through the lead
    service (see the module's docstring), so the statements keep its rules themselves: one open lead per phone,
    a contact per register entry with a phone (the first opens the lead: no grade before), every grade change
    through a contact and every contact with its history event, a closed lead has no follow-up date, an ordered
    lead's later contacts stay at O."""
    from django.db import connection, transaction

    from dealer_crm.core.clock import showroom_now
    from dealer_crm.core.models import Showroom, User
    from leads.demo import DEMO_SHOWROOM_CODE

    if showroom is None:
        showroom = Showroom.objects.get(code=DEMO_SHOWROOM_CODE)
        manager = User.objects.get(username="demo_manager")
        consultants = list(User.objects.filter(showroom=showroom, username__startswith="demo_sc"))
    now = showroom_now(showroom)
    params = {
        "s": showroom.pk,
        "leads": leads,
        "zone": showroom.time_zone,
        "today": now.date(),
        "now": now,
        "manager": manager.pk,
        "consultants": [consultant.pk for consultant in consultants],
    }
    steps = [
        # 1. Customers: the first `leads` phones in order of first visit keep theirs; every later phone is mapped
        #    onto one of them (customers come back: several entries per lead, some with another consultant).
        """CREATE TEMP TABLE bench_phone ON COMMIT DROP AS
           SELECT phone, row_number() OVER (ORDER BY min(arrived_at), phone) - 1 AS k
           FROM leads_visit WHERE showroom_id = %(s)s AND phone <> '' GROUP BY phone""",
        """UPDATE leads_visit v SET phone = q.phone
           FROM bench_phone p JOIN bench_phone q ON q.k = (p.k * 7919) %% %(leads)s
           WHERE p.k >= %(leads)s AND v.showroom_id = %(s)s AND v.phone = p.phone""",
        """CREATE TEMP TABLE bench_seq ON COMMIT DROP AS
           SELECT v.id AS visit_id, v.phone, v.consultant_id, v.kind, v.grade, v.left_at, v.visit_date,
                  v.customer_name, v.gender, v.district_id,
                  row_number() OVER (PARTITION BY v.phone ORDER BY v.arrived_at, v.id) AS n
           FROM leads_visit v WHERE v.showroom_id = %(s)s AND v.phone <> '' AND v.deleted_at IS NULL""",
        # 2. One lead per phone, owned by the consultant of its first entry.
        """INSERT INTO leads_lead (showroom_id, phone, customer_name, gender, district_id, owner_id, channel, grade,
               status, has_need, has_decision_power, has_purchasing_power, budget, trade_in, competitors,
               created_at, updated_at, version)
           SELECT %(s)s, phone, customer_name, gender, district_id, consultant_id,
                  CASE WHEN kind = 'call' THEN 'call' ELSE 'walk_in' END, 'C', 'open', true, false, true, '', false,
                  '', left_at, left_at, 1
           FROM bench_seq WHERE n = 1""",
        """CREATE TEMP TABLE bench_lead ON COMMIT DROP AS
           SELECT id AS lead_id, phone, owner_id FROM leads_lead WHERE showroom_id = %(s)s""",
        "CREATE INDEX ON bench_lead (phone)",
        # 3. A contact per entry: the grade the register gave (C when none); once ordered, O stays.
        """CREATE TEMP TABLE bench_vc ON COMMIT DROP AS
           SELECT x.*, CASE WHEN x.n = 1 THEN '' ELSE lag(x.grade_after) OVER w END AS grade_before
           FROM (
               SELECT q.*, bl.lead_id, bl.owner_id,
                      CASE WHEN coalesce(bool_or(q.grade = 'O') OVER (PARTITION BY q.phone ORDER BY q.n
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) THEN 'O'
                           WHEN q.grade = '' THEN 'C' ELSE q.grade END AS grade_after
               FROM bench_seq q JOIN bench_lead bl USING (phone)
           ) x WINDOW w AS (PARTITION BY x.phone ORDER BY x.n)""",
        f"""INSERT INTO leads_contact (lead_id, showroom_id, consultant_id, kind, occurred_at, contact_date, summary,
               grade_before, grade_after, suggested_grade, grade_reason, next_follow_up, late_reason, visit_id,
               licence_number, agreement_signed, impression, created_at)
           SELECT lead_id, %(s)s, consultant_id,
                  CASE WHEN grade_after = 'O' AND grade_before <> 'O' THEN 'order'
                       WHEN kind = 'call' THEN 'phone_call' ELSE 'showroom_visit' END,
                  left_at, visit_date, '', grade_before, grade_after, '', '',
                  visit_date + {INTERVAL.format(g="grade_after")}, '', visit_id, '', false, '', left_at
           FROM bench_vc ORDER BY left_at""",
        # 4. Follow-ups after the last entry, on the grade's interval: 0-3 per lead; the last one may move the
        #    grade up or down or make an order. Only what is over by today.
        """CREATE TEMP TABLE bench_last ON COMMIT DROP AS
           SELECT DISTINCT ON (lead_id) lead_id, owner_id, grade_after AS g, visit_date AS d
           FROM bench_vc ORDER BY lead_id, n DESC""",
        f"""CREATE TEMP TABLE bench_fu ON COMMIT DROP AS
           SELECT l.lead_id, l.owner_id, i, l.lead_id %% 4 AS m, l.d + (i * {INTERVAL.format(g="l.g")})::int AS day,
                  l.g AS g_before,
                  CASE WHEN i < l.lead_id %% 4 THEN l.g
                       WHEN l.lead_id %% 9 = 0 AND l.g IN ('H', 'A', 'B') THEN 'O'
                       WHEN l.lead_id %% 5 = 1 THEN CASE l.g WHEN 'C' THEN 'B' WHEN 'B' THEN 'A' ELSE 'H' END
                       WHEN l.lead_id %% 5 = 2 THEN CASE l.g WHEN 'H' THEN 'A' WHEN 'A' THEN 'B' ELSE 'C' END
                       ELSE l.g END AS g_after
           FROM bench_last l, generate_series(1, (l.lead_id %% 4)::int) AS i
           WHERE l.g <> 'O'""",
        "DELETE FROM bench_fu WHERE day >= %(today)s",
        f"""INSERT INTO leads_contact (lead_id, showroom_id, consultant_id, kind, occurred_at, contact_date, summary,
               grade_before, grade_after, suggested_grade, grade_reason, next_follow_up, late_reason,
               licence_number, agreement_signed, impression, created_at)
           SELECT lead_id, %(s)s, owner_id,
                  CASE WHEN g_after = 'O' THEN 'order' WHEN i = 1 THEN 'phone_call'
                       WHEN i = 2 AND lead_id %% 3 = 0 THEN 'test_drive' WHEN i = 2 THEN 'invitation'
                       ELSE 'quotation' END,
                  (day + time '10:00') AT TIME ZONE %(zone)s + (lead_id %% 480) * interval '1 minute', day, '',
                  g_before, g_after, '', '', day + {INTERVAL.format(g="g_after")}, '', '', false, '',
                  (day + time '10:00') AT TIME ZONE %(zone)s
           FROM bench_fu ORDER BY day""",
        # 5. Three of four orders delivered a week later, with a callback three days after (O stays O).
        """CREATE TEMP TABLE bench_order ON COMMIT DROP AS
           SELECT c.lead_id, bl.owner_id, min(c.contact_date) AS d
           FROM leads_contact c JOIN bench_lead bl USING (lead_id)
           WHERE c.showroom_id = %(s)s AND c.grade_after = 'O' AND c.grade_before <> 'O'
           GROUP BY c.lead_id, bl.owner_id""",
        """INSERT INTO leads_contact (lead_id, showroom_id, consultant_id, kind, occurred_at, contact_date, summary,
               grade_before, grade_after, suggested_grade, grade_reason, late_reason, licence_number,
               agreement_signed, impression, created_at)
           SELECT lead_id, %(s)s, owner_id, kind, (day + time '15:00') AT TIME ZONE %(zone)s, day, '', 'O', 'O',
                  '', '', '', '', false, '', (day + time '15:00') AT TIME ZONE %(zone)s
           FROM (SELECT lead_id, owner_id, 'delivery' AS kind, d + 7 AS day FROM bench_order WHERE lead_id %% 4 <> 0
                 UNION ALL
                 SELECT lead_id, owner_id, 'callback', d + 10 FROM bench_order WHERE lead_id %% 4 <> 0) after_order
           WHERE day < %(today)s ORDER BY day""",
        # 6. One open lead in seven whose last contact is older than ten days is closed as lost: requested,
        #    approved by the manager the next morning.
        """CREATE TEMP TABLE bench_lost ON COMMIT DROP AS
           SELECT * FROM (
               SELECT DISTINCT ON (c.lead_id) c.lead_id, c.grade_after AS g, c.contact_date + 10 AS asked, bl.owner_id
               FROM leads_contact c JOIN bench_lead bl USING (lead_id)
               WHERE c.showroom_id = %(s)s ORDER BY c.lead_id, c.occurred_at DESC, c.id DESC
           ) last WHERE g <> 'O' AND lead_id %% 7 = 3 AND asked + 1 < %(today)s""",
        """INSERT INTO leads_lostrequest (lead_id, reason, competitor_brand, competitor_model, note, requested_by_id,
               requested_at, state, decided_by_id, decided_at, comment)
           SELECT lead_id, CASE lead_id %% 3 WHEN 0 THEN 'competitor' WHEN 1 THEN 'price' ELSE 'unreachable' END,
                  CASE WHEN lead_id %% 3 = 0 THEN '比亚迪' ELSE '' END, '', '', owner_id,
                  (asked + time '11:00') AT TIME ZONE %(zone)s, 'approved', %(manager)s,
                  (asked + 1 + time '09:00') AT TIME ZONE %(zone)s, ''
           FROM bench_lost""",
        # 7. The history: created, a contact event per contact (the lead's state after it), the lost decisions.
        """INSERT INTO leads_leadevent (lead_id, kind, at, by_id, grade, status, owner_id, visit_id, note, details)
           SELECT lead_id, 'created', left_at, consultant_id, 'C', 'open', owner_id, visit_id, '', '{}'
           FROM bench_vc WHERE n = 1 ORDER BY left_at""",
        """INSERT INTO leads_leadevent (lead_id, kind, at, by_id, grade, status, owner_id, contact_id, visit_id, note,
               details)
           SELECT c.lead_id, 'contact', c.occurred_at, c.consultant_id, c.grade_after,
                  CASE WHEN c.grade_after = 'O' THEN 'ordered' ELSE 'open' END, bl.owner_id, c.id, c.visit_id, '', '{}'
           FROM leads_contact c JOIN bench_lead bl USING (lead_id) WHERE c.showroom_id = %(s)s
           ORDER BY c.occurred_at, c.id""",
        """INSERT INTO leads_leadevent (lead_id, kind, at, by_id, grade, status, owner_id, note, details)
           SELECT l.lead_id, e.kind, e.at, e.by_id, e.grade, e.status, l.owner_id, '', '{}'
           FROM bench_lost l JOIN leads_lostrequest r USING (lead_id),
           LATERAL (VALUES ('lost_requested', r.requested_at, l.owner_id, l.g, 'open'),
                           ('lost_approved', r.decided_at, %(manager)s, 'F', 'lost'))
                AS e(kind, at, by_id, grade, status)""",
        # 8. Each lead as its history leaves it.
        """UPDATE leads_lead l SET grade = c.grade_after,
               status = CASE WHEN c.grade_after = 'O' THEN 'ordered' ELSE 'open' END,
               next_follow_up = CASE WHEN c.grade_after = 'O' THEN NULL ELSE c.next_follow_up END,
               last_contact_at = c.occurred_at, updated_at = c.occurred_at
           FROM (SELECT DISTINCT ON (lead_id) lead_id, grade_after, next_follow_up, occurred_at FROM leads_contact
                 WHERE showroom_id = %(s)s ORDER BY lead_id, occurred_at DESC, id DESC) c
           WHERE l.id = c.lead_id""",
        """UPDATE leads_lead l SET status = 'lost', grade = 'F', next_follow_up = NULL, updated_at = r.decided_at
           FROM leads_lostrequest r WHERE r.lead_id = l.id AND r.state = 'approved' AND l.showroom_id = %(s)s""",
        # 9. A month of daily reports: submitted at 18:00, signed off up to the day before yesterday.
        """INSERT INTO reports_dailyreport (showroom_id, consultant_id, date, remarks, submitted_at, manager_comment,
               signed_off_at, signed_off_by_id, created_at, updated_at, version, snapshot)
           SELECT %(s)s, u.id, d::date, '今日正常', (d::date + time '18:00') AT TIME ZONE %(zone)s,
                  CASE WHEN d::date < %(today)s - 1 THEN '好' ELSE '' END,
                  CASE WHEN d::date < %(today)s - 1 THEN (d::date + time '19:00') AT TIME ZONE %(zone)s END,
                  CASE WHEN d::date < %(today)s - 1 THEN %(manager)s END, now(), now(), 2, '{}'
           FROM core_user u, generate_series(%(today)s - 30, %(today)s - 1, interval '1 day') AS d
           WHERE u.id = ANY(%(consultants)s)""",
        # Each report's "submitted" line of history, in the one history table (dealer_crm.core.history).
        """INSERT INTO core_revision (showroom_id, content_type_id, object_pk, action, by_id, at, changes, reason)
           SELECT showroom_id, (SELECT id FROM django_content_type WHERE app_label = 'reports'
                                AND model = 'dailyreport'), id, 'submitted', consultant_id, submitted_at, '{}', remarks
           FROM reports_dailyreport WHERE showroom_id = %(s)s""",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in steps:
            cursor.execute(statement, params)
        cursor.execute(
            """SELECT (SELECT count(*) FROM leads_lead WHERE showroom_id = %(s)s),
                      (SELECT count(*) FROM leads_contact WHERE showroom_id = %(s)s),
                      (SELECT count(*) FROM leads_leadevent e JOIN leads_lead l ON l.id = e.lead_id
                       WHERE l.showroom_id = %(s)s),
                      (SELECT count(*) FROM leads_lostrequest r JOIN leads_lead l ON l.id = r.lead_id
                       WHERE l.showroom_id = %(s)s)""",
            params,
        )
        lead_rows, contacts, events, lost = cursor.fetchone()
    return f"{lead_rows:,} leads, {contacts:,} contacts, {events:,} history events, {lost:,} lost"


# --- Measuring ---------------------------------------------------------------------------------------------------


def pages_to_measure() -> list[Page]:
    from django.urls import reverse

    from dealer_crm.core.clock import showroom_today
    from dealer_crm.core.models import Showroom
    from leads.demo import DEMO_SHOWROOM_CODE

    today = showroom_today(Showroom.objects.get(code=DEMO_SHOWROOM_CODE))
    dashboard = reverse("reports:dashboard")
    quarter = {"start": (today - timedelta(days=89)).isoformat(), "end": today.isoformat()}
    year = {"start": (today - timedelta(days=364)).isoformat(), "end": today.isoformat()}

    def review(days_ago: int) -> str:
        return reverse("reports:daily_review_day", kwargs={"day": today - timedelta(days=days_ago)})

    return [
        Page("dashboard, this month (manager)", "demo_manager", dashboard, {}),
        Page("dashboard, this month (consultant)", "demo_sc1", dashboard, {}),
        Page("dashboard, 90 days (manager)", "demo_manager", dashboard, quarter),
        Page("dashboard, 365 days (manager)", "demo_manager", dashboard, year),
        Page("CSV funnel, this month (manager)", "demo_manager", reverse("reports:dashboard_csv", args=["funnel"]), {}),
        Page("daily review, today", "demo_manager", review(0), {}),
        Page("daily review, yesterday", "demo_manager", review(1), {}),
        Page("daily review, 30 days ago", "demo_manager", review(30), {}),
        Page("my daily report, today", "demo_sc1", reverse("reports:daily_report"), {}),
        Page("integrity checks", "demo_manager", reverse("reports:integrity"), {}),
    ]


def measure(size: str, page: Page, *, runs: int) -> Measurement:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dealer_crm.core.models import User

    client = Client()
    client.force_login(User.objects.get(username=page.username))

    def request() -> float:
        started = time.perf_counter()
        response = client.get(page.url, page.params)
        if response.streaming:
            b"".join(response.streaming_content)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{page.name}: HTTP {response.status_code} for {page.url} {page.params}")
        return elapsed * 1000

    request()  # the warm-up: caches filled, and what a page computes once and keeps (the grade status) kept
    with CaptureQueriesContext(connection) as captured:
        request()
    queries = [query["sql"] for query in captured.captured_queries]
    view_ms = median(request() for _ in range(runs))

    selects = [select for select in map(read_of, queries) if select]
    connection.ensure_connection()
    raw = connection.connection.cursor()
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

    run_selects()
    sql_ms = median(run_selects() for _ in range(runs))
    raw.close()
    slowest = max(per_query_ms, key=per_query_ms.get) if per_query_ms else ""
    return Measurement(size, page.name, view_ms, sql_ms, len(queries), slowest, per_query_ms.get(slowest, 0.0))


def print_table(measurements: list[Measurement]) -> None:
    print(f"\n{'entries/leads':>17}  {'page':<34} {'view ms':>9} {'SQL ms':>9} {'queries':>8}")
    for m in measurements:
        print(f"{m.size:>17}  {m.page:<34} {m.view_ms:>9.1f} {m.sql_ms:>9.1f} {m.queries:>8}")


def print_growth(measurements: list[Measurement]) -> None:
    sizes = list(dict.fromkeys(m.size for m in measurements))
    if len(sizes) < 2:
        return
    smallest, largest = sizes[0], sizes[-1]
    by_key = {(m.size, m.page): m for m in measurements}
    print(f"\nGrowth from {smallest} to {largest} entries/leads:")
    for page in dict.fromkeys(m.page for m in measurements):
        small, large = by_key[smallest, page], by_key[largest, page]
        print(
            f"  {page:<34} view {small.view_ms:8.1f} → {large.view_ms:8.1f} ms (×{large.view_ms / small.view_ms:.2f}), "
            f"SQL {small.sql_ms:8.1f} → {large.sql_ms:8.1f} ms (×{large.sql_ms / small.sql_ms:.2f})"
        )


if __name__ == "__main__":
    sys.exit(main())
