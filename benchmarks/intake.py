"""The intake API under load: gunicorn (several workers) on PostgreSQL, wrk posting unique leads on loopback.

1. Recreate the database (its name must end in `_bench`), migrate, seed one showroom with a manager, consultants
   on duty all day (so every lead goes through the rotation), an Autohome source and its token.
2. Start gunicorn with `--workers` workers (the API's rate limit raised out of the way; the cache in Redis).
3. wrk with `--connections` connections (the bound: at most that many requests in flight) for `--seconds`:
   POST /api/v1/leads, every request a new platform lead id and phone, so each creates a lead, an inquiry, two
   events and a rotation turn. Then the same for GET /healthz, the same process's floor.
4. Report leads/s (checked against the rows the database holds), p50/p95/p99 and the non-2xx count.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.redis_server import free_port  # noqa: E402

# Each wrk thread numbers its own requests; thread id + counter make the platform id and the phone unique.
POST_SCRIPT = r"""
local counter = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  token = args[1]
end
function request()
  counter = counter + 1
  local body = string.format(
    '{"platform_lead_id":"bench-%d-%d","customer_name":"压测客户","phone":"139%d%07d","city":"朝阳区",' ..
    '"car_model_text":"凯美瑞","message":"benchmark"}', tid, counter, tid, counter)
  return wrk.format("POST", "/api/v1/leads",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
"""
# wrk's --latency prints p50/75/90/99; p95 comes from its Lua summary.
DONE_SCRIPT = r"""
function done(summary, latency, requests)
  io.write(string.format("P50 %d\nP95 %d\nP99 %d\n", latency:percentile(50), latency:percentile(95),
    latency:percentile(99)))
end
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--consultants", type=int, default=6)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/crm_intake_bench")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7"))
    return parser.parse_args()


def recreate_database(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name.endswith("_bench"):
        raise SystemExit(f"refusing to recreate {name!r}: the name must end in _bench")
    admin = psycopg2.connect(host=parsed.hostname, port=parsed.port or 5432, user=parsed.username, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def seed(consultants: int) -> str:
    """The showroom, its staff on duty all of today, the source; returns the source's token."""
    from datetime import time as clock_time

    from dcc.models import DccSettings, DutyShift, LeadSource, Platform
    from dcc.services.tokens import source_token_create
    from dealer_crm.core.clock import showroom_today
    from tests.factories import CarModelFactory, DistrictFactory, ShowroomFactory, UserFactory

    showroom = ShowroomFactory(code="bench", name="压测展厅")
    manager = UserFactory(showroom=showroom, username="bench_boss", role="manager")
    # Open around the clock with room for every lead, so the run measures the rotation, not its fallbacks.
    DccSettings.objects.create(showroom=showroom, opens_at=clock_time(0), closes_at=clock_time(23, 59), capacity=10**4)
    CarModelFactory(brand="丰田", name="凯美瑞")
    DistrictFactory(showroom=showroom, name="朝阳区")
    today = showroom_today(showroom)
    for number in range(consultants):
        DutyShift.objects.create(
            showroom=showroom,
            consultant=UserFactory(showroom=showroom, username=f"bench_sc{number}"),
            day=today,
            starts_at=clock_time(0),
            ends_at=clock_time(23, 59),
        )
    source = LeadSource.objects.create(showroom=showroom, code="autohome", name="汽车之家", platform=Platform.AUTOHOME)
    return source_token_create(source=source, created_by=manager)[1]


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {url} in {timeout:.0f}s")


def wrk(args, url: str, script: Path, *extra: str) -> dict:
    command = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.seconds}s"]
    output = subprocess.run(
        [*command, "-s", str(script), url, *extra], capture_output=True, text=True, check=True
    ).stdout
    figures = {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "non_2xx": int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0,
        "errors": re.search(r"Socket errors:.*", output).group(0) if "Socket errors" in output else "",
    }
    for name in ("P50", "P95", "P99"):
        figures[name] = int(re.search(rf"{name} (\d+)", output).group(1)) / 1000  # µs → ms
    return figures


def main() -> int:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dealer_crm.settings.test",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CONN_MAX_AGE": "60",
        "DCC_RATE_LIMIT": "1000000/minute",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    recreate_database(args.database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    token = seed(args.consultants)
    post_script = folder / "post.lua"
    post_script.write_text(POST_SCRIPT + DONE_SCRIPT)
    get_script = folder / "get.lua"
    get_script.write_text(DONE_SCRIPT)
    port = free_port()
    log = (folder / "gunicorn.log").open("ab")
    web = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "dealer_crm.wsgi:application"),
            *("--workers", str(args.workers), "--bind", f"127.0.0.1:{port}", "--timeout", "30"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz")
        leads = wrk(args, f"{base}/api/v1/leads", post_script, "--", token)
        health = wrk(args, f"{base}/healthz", get_script)
    finally:
        web.terminate()
        web.wait(timeout=30)

    from dcc.models import OnlineLead
    from leads.models import Lead

    stored = OnlineLead.objects.count()
    print(
        f"intake benchmark: gunicorn {args.workers} workers, wrk {args.threads} threads x {args.connections} "
        f"connections, {args.seconds} s each, PostgreSQL, {os.cpu_count()} cores"
    )
    print(f"{'':22} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'requests':>9} {'non-2xx':>8}")
    for name, row in (("POST /api/v1/leads", leads), ("GET /healthz", health)):
        print(
            f"{name:22} {row['rps']:8.1f} {row['P50']:8.1f} {row['P95']:8.1f} {row['P99']:8.1f} "
            f"{row['requests']:9d} {row['non_2xx']:8d} {row['errors']}"
        )
    print(f"rows: {stored} online leads, {Lead.objects.count()} leads ({stored / args.seconds:.1f} leads/s stored)")
    return 0 if leads["non_2xx"] == 0 and stored >= leads["requests"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
