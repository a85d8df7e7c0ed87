"""A dealer group's data for the benchmarks (PostgreSQL): 20 showrooms, 6-10 consultants each, two years.

    from dealer_group import group_load
    group_load(visits=1_000_000)        # about 0.3 leads per entry, as benchmarks/reports.py's load_leads makes

The register is one INSERT … SELECT over generate_series for the whole group (seed_demo's loader writes one
showroom with three consultants, a Python object per entry: minutes where this takes seconds); each showroom's
lead tracker is then built from its register by benchmarks/reports.py's `load_leads` (leads, contacts, grades
over time in LeadEvent, orders, deliveries, lost leads, follow-ups due, daily reports). Then VACUUM ANALYZE.
"""

import importlib.util
import time
from pathlib import Path

_spec = importlib.util.spec_from_file_location("reports_bench", Path(__file__).resolve().parent / "reports.py")
reports_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reports_bench)

GROUP_CODE = "bench_group"
SHOWROOMS = 20
DAYS = 730
LEADS_PER_ENTRY = 0.3
PASSWORD = "bench-password"  # noqa: S105 (a benchmark database's throw-away accounts)
APPS_EMPTIED = ("leads", "reports", "delivery", "followups", "dcc")


def showroom_code(index: int) -> str:
    return f"G{index:02}"


def manager_name(index: int) -> str:
    return f"g{index:02}_manager"


def consultant_name(index: int, number: int) -> str:
    return f"g{index:02}_sc{number}"


def group_staff_ensure() -> list[tuple]:
    """The group's showrooms, each with its manager and 6-10 consultants; (showroom, manager, consultants)."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from dealer_crm.core.models import CarModel, DealerGroup, District, Role, Showroom, User
    from leads.demo import CATALOGUE, DISTRICTS

    for brand, models in CATALOGUE.items():
        for name, _popularity in models:
            CarModel.objects.get_or_create(brand=brand, name=name)
    group, _ = DealerGroup.objects.get_or_create(code=GROUP_CODE, defaults={"name": "基准集团"})
    roles = {group.name: group for group in Group.objects.filter(name__in=[Role.MANAGER, Role.CONSULTANT])}
    password = make_password(PASSWORD)  # hashed once: the hasher's cost times 170 accounts is minutes
    staff = []
    for index in range(1, SHOWROOMS + 1):
        showroom, _ = Showroom.objects.get_or_create(
            code=showroom_code(index), defaults={"name": f"基准展厅 {index:02}", "dealer_group": group}
        )
        for name, _share in DISTRICTS:
            District.objects.get_or_create(showroom=showroom, name=name)

        def account(username: str, role: str, showroom=showroom) -> User:
            user, created = User.objects.get_or_create(
                username=username, defaults={"showroom": showroom, "password": password, "last_name": username}
            )
            if created:
                user.groups.add(roles[role])
            return user

        manager = account(manager_name(index), Role.MANAGER)
        consultants = [account(consultant_name(index, n), Role.CONSULTANT) for n in range(1, 6 + index % 5 + 1)]
        staff.append((showroom, manager, consultants))
    return staff


def group_load(*, visits: int, seed: float = 0.42) -> None:
    from django.apps import apps
    from django.db import connection, transaction

    from dealer_crm.core.clock import showroom_now

    existing = set(connection.introspection.table_names())
    tables = [
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in APPS_EMPTIED and model._meta.db_table in existing
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    staff = group_staff_ensure()
    print(f"\n== a dealer group of {len(staff)} showrooms, {visits:,} register entries over {DAYS} days ==", flush=True)
    started = time.perf_counter()
    register_load(staff=staff, visits=visits, now=showroom_now(staff[0][0]), seed=seed)
    register_s = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE leads_visit")
        cursor.execute("SELECT showroom_id, count(DISTINCT phone) FROM leads_visit WHERE phone <> '' GROUP BY 1")
        phones = dict(cursor.fetchall())
        cursor.execute("SELECT showroom_id, count(*) FROM leads_visit GROUP BY 1")
        entries = dict(cursor.fetchall())
    for showroom, manager, consultants in staff:
        with transaction.atomic():
            leads = min(phones.get(showroom.pk, 0), round(entries.get(showroom.pk, 0) * LEADS_PER_ENTRY))
            made = reports_bench.load_leads(leads, showroom=showroom, manager=manager, consultants=consultants)
        print(f"  {showroom.code}: {entries.get(showroom.pk, 0):,} entries, {made}", flush=True)
    leads_s = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:  # autocommit outside atomic(): VACUUM may run
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(
        f"Register loaded in {register_s:.1f} s; trackers in {leads_s:.1f} s; "
        f"VACUUM ANALYZE in {time.perf_counter() - started:.1f} s.",
        flush=True,
    )


def register_load(*, staff: list[tuple], visits: int, now, seed: float) -> None:
    """Every showroom's register in a few statements. Showrooms differ in size (the first is the busiest); today
    holds only visits that are over by now; numbers run 1..k per day in arrival order; each entry with a phone
    gets a number of its own (load_leads then folds later numbers onto earlier customers)."""
    from django.db import connection, transaction

    from dealer_crm.core.models import CarModel, InformationSource
    from leads.demo import SURNAMES

    params = {
        "visits": visits,
        "days": DAYS,
        "now": now,
        "today": now.date(),
        "zone": staff[0][0].time_zone,
        "showrooms": [showroom.pk for showroom, _, _ in staff],
        "consultants": ["{" + ",".join(str(c.pk) for c in consultants) + "}" for _, _, consultants in staff],
        "surnames": [name for name, _ in SURNAMES],
        "seed": seed,
        "car_models": list(CarModel.objects.order_by("id").values_list("id", flat=True)),
        "sources": list(InformationSource.objects.order_by("id").values_list("id", flat=True)),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%(seed)s)", params)
        cursor.execute(
            """CREATE TEMP TABLE bench_room ON COMMIT DROP AS
               SELECT r.k, r.showroom_id, r.consultants::bigint[] AS consultants,
                      (SELECT array_agg(id ORDER BY id) FROM core_district d WHERE d.showroom_id = r.showroom_id)
                          AS districts
               FROM unnest(%(showrooms)s::bigint[], %(consultants)s::text[]) WITH ORDINALITY
                    AS r(showroom_id, consultants, k)""",
            params,
        )
        cursor.execute(
            """CREATE TEMP TABLE bench_entry ON COMMIT DROP AS
               SELECT i, r.showroom_id, r.consultants[1 + floor(random() * cardinality(r.consultants))::int]
                          AS consultant_id,
                      r.districts[1 + floor(random() * cardinality(r.districts))::int] AS district_id,
                      day, kind, arrived, arrived + minutes * interval '1 minute' AS left_at,
                      CASE WHEN random() < CASE kind WHEN 'call' THEN 0.9 ELSE 0.75 END
                           THEN '139' || lpad(i::text, 8, '0') ELSE '' END AS phone,
                      random() AS g
               FROM (
                   SELECT i, 1 + floor(%(showrooms_n)s * power(random(), 1.4))::int AS k,
                          %(today)s - floor(random() * (%(days)s + 1))::int AS day,
                          CASE WHEN random() < 0.2 THEN 'call' ELSE 'walk_in' END AS kind,
                          random() AS t, random() AS m
                   FROM generate_series(1, %(visits)s) AS i
               ) raw
               JOIN bench_room r USING (k),
               LATERAL (SELECT (day + time '09:00') AT TIME ZONE %(zone)s + t * interval '11 hours' AS arrived,
                               CASE kind WHEN 'call' THEN 2 + floor(m * 12) ELSE 15 + floor(m * 100) END AS minutes)
                   AS moment
""".replace("%(showrooms_n)s", str(len(staff))),
            params,
        )
        cursor.execute("DELETE FROM bench_entry WHERE left_at >= %(now)s", params)
        cursor.execute(
            """INSERT INTO leads_visit (showroom_id, visit_date, number, kind, customer_name, gender, phone, no_phone,
                   address, arrived_at, left_at, party_size, grade, summary, remarks, created_at, updated_at,
                   version, delete_reason, car_model_id, consultant_id, created_by_id, district_id, source_id, late)
               SELECT e.showroom_id, e.day,
                      row_number() OVER (PARTITION BY e.showroom_id, e.day ORDER BY e.arrived, e.i),
                      e.kind, (%(surnames)s::text[])[1 + e.i %% cardinality(%(surnames)s::text[])]
                          || CASE WHEN e.i %% 5 < 3 THEN '先生' ELSE '女士' END,
                      CASE WHEN e.i %% 5 < 3 THEN 'M' ELSE 'F' END, e.phone, e.phone = '', '', e.arrived, e.left_at,
                      CASE WHEN e.kind = 'call' THEN 1 ELSE 1 + e.i %% 3 END,
                      CASE WHEN e.phone = '' THEN ''
                           WHEN e.g < 0.04 THEN 'O' WHEN e.g < 0.12 THEN 'H' WHEN e.g < 0.32 THEN 'A'
                           WHEN e.g < 0.62 THEN 'B' ELSE 'C' END,
                      '', '', e.left_at, e.left_at, 1, '',
                      (%(car_models)s::bigint[])[1 + e.i %% cardinality(%(car_models)s::bigint[])],
                      e.consultant_id, e.consultant_id, CASE WHEN e.i %% 7 <> 0 THEN e.district_id END,
                      (%(sources)s::bigint[])[1 + e.i %% cardinality(%(sources)s::bigint[])], false
               FROM bench_entry e ORDER BY e.arrived""",
            params,
        )
        cursor.execute(
            """INSERT INTO leads_registerday (showroom_id, date, snapshot, version)
               SELECT DISTINCT showroom_id, visit_date, '{}'::jsonb, 1 FROM leads_visit"""
        )
