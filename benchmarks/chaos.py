"""A chaos run: the whole stack under a bounded load while its processes are killed, then a check that nothing
acknowledged was lost, no reminder is missing or doubled and no export is stuck.

    .venv/bin/python benchmarks/chaos.py --seconds 150          # the long run
    .venv/bin/python benchmarks/chaos.py --seconds 20           # the short one (tests/core/test_chaos.py, in CI)

1. Set up: a PostgreSQL database of its own on the machine's server (created afresh, migrated), a redis-server
   of its own on a free port (no persistence: a restart loses its queues, as a crashed broker does), gunicorn
   with several workers, a Celery worker and a Celery beat (exports re-queued every second, claims expiring
   after 3 s without a heartbeat), a showroom whose consultants have due leads.
2. Load, for --seconds: one thread per consultant logs in over HTTP and, in turn, logs a register entry and
   records a contact on one of their leads, remembering each write that got a success response (a redirect);
   the manager asks for a background monthly export every few seconds; the script sends the reminder task
   every two seconds (beat does it every quarter hour).
3. Chaos, at fixed fractions of the run: kill -9 a gunicorn worker, the Celery worker (its process group, then
   a new one), beat (then a new one), restart Redis, kill -9 another gunicorn worker.
4. Check, once the load has stopped: every acknowledged write is in the database; after one more reminder run,
   every open lead due by today has exactly one reminder for its due date; every export is done (waited for,
   with a deadline) with its one file, which opens. Print the figures; exit 1 if a check failed.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.redis_server import RedisServer, free_port  # noqa: E402

PASSWORD = "pass-1234!"  # tests.factories.UserFactory's


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=150, help="how long the load and the chaos last")
    parser.add_argument("--consultants", type=int, default=6)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/dealer_crm_chaos", help="created afresh"
    )
    return parser.parse_args()


def recreate_database(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


class Stack:
    """The processes under test, each in its own process group so a kill -9 takes its children too."""

    def __init__(self, folder: Path, env: dict, web_workers: int):
        self.folder, self.env, self.web_workers = folder, env, web_workers
        self.port = free_port()
        self.processes: dict[str, subprocess.Popen] = {}

    def spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = process
        return process

    def start_web(self) -> None:
        self.spawn(
            "web",
            [
                *(sys.executable, "-m", "gunicorn", "dealer_crm.wsgi:application"),
                *("--workers", str(self.web_workers), "--bind", f"127.0.0.1:{self.port}", "--timeout", "30"),
            ],
        )
        wait_until(lambda: http_ok(f"http://127.0.0.1:{self.port}/healthz"), "gunicorn to answer", 30)

    def start_worker(self) -> None:
        self.spawn(
            "worker",
            [
                *(sys.executable, "-m", "celery", "-A", "dealer_crm", "worker", "--concurrency", "2"),
                *("--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "INFO"),
            ],
        )

    def start_beat(self) -> None:
        schedule = self.folder / "beat-schedule"
        self.spawn("beat", [sys.executable, "-m", "celery", "-A", "dealer_crm", "beat", "-s", str(schedule)])

    def kill(self, name: str) -> None:
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def kill_one_web_worker(self) -> int:
        master = self.processes["web"].pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        pid = int(children[0])
        os.kill(pid, signal.SIGKILL)  # gunicorn's master starts another
        return pid

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def wait_until(condition, what: str, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise SystemExit(f"timed out after {timeout:.0f}s waiting for {what}")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is the answer we check for: the write was saved


class Browser:
    """One logged-in user over HTTP: cookies, the CSRF token, form posts whose success is a redirect."""

    def __init__(self, base: str, errors: collections.Counter):
        self.base, self.errors = base, errors
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str] | None:
        """(status, body), or None when the request failed on the way (counted by kind)."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers={"Accept-Language": "zh-hans"})
        try:
            with self.opener.open(request, timeout=15) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            if error.code in (301, 302, 303):
                return error.code, ""
            self.errors[f"HTTP {error.code}"] += 1
            return error.code, ""
        except (http.client.HTTPException, urllib.error.URLError, OSError) as error:  # reset, cut short, timed out
            reason = getattr(error, "reason", error)
            self.errors[type(reason).__name__] += 1
            return None

    def token(self) -> str:
        return next((c.value for c in self.cookies if c.name == "csrftoken"), "")

    def get_form(self, path: str) -> str | None:
        answer = self.request(path)
        return answer[1] if answer and answer[0] == 200 else None

    def post(self, path: str, data: dict) -> bool:
        answer = self.request(path, {**data, "csrfmiddlewaretoken": self.token()})
        if answer is None:
            return False
        if answer[0] == 200:
            self.errors["form refused"] += 1  # the form came back with errors
        return answer[0] == 302

    def login(self, username: str) -> bool:
        return self.get_form("/accounts/login/") is not None and self.post(
            "/accounts/login/", {"username": username, "password": PASSWORD}
        )


def main() -> int:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="chaos-"))
    redis_server = RedisServer(folder / "redis")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dealer_crm.settings.test",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": redis_server.url,
        "EXPORTS_DIR": str(folder / "exports"),
        "EXPORT_CLAIM_TTL_SECONDS": "3",
        "EXPORT_REQUEUE_SECONDS": "1",
        "EXCEL_BACKGROUND_ROWS": "0",
        "EXCEL_PROGRESS_EVERY": "20",
    }
    os.environ.update(env)
    recreate_database(args.database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    redis_server.start()

    import django

    django.setup()
    world = seed(args.consultants)
    stack = Stack(folder, env, args.web_workers)
    try:
        stack.start_web()
        stack.start_worker()
        stack.start_beat()
        figures = run_load(stack, world, args.seconds, redis_server)
        failures = check(world, figures)
    finally:
        stack.stop_all()
        redis_server.stop()
    report(figures, failures, folder)
    return 1 if failures else 0


def seed(consultants: int) -> dict:
    """A showroom whose reminder hour has always come and its consultants, each with six leads: two due from
    the start, two that the load contacts, two that fall due half-way (as at a day's turn)."""
    from dealer_crm.core.clock import showroom_today
    from leads.models import Lead
    from leads.services import register as services
    from tests.factories import ShowroomFactory, UserFactory, source

    showroom = ShowroomFactory(code="chaos", name="混沌展厅", reminder_hour=0)
    manager = UserFactory(showroom=showroom, username="chaos_boss", role="manager")
    yesterday = showroom_today(showroom) - timedelta(days=1)
    people = {}
    for number in range(consultants):
        consultant = UserFactory(showroom=showroom, username=f"chaos_sc{number}")
        leads = []
        for n in range(6):
            arrived = datetime(yesterday.year, yesterday.month, yesterday.day, 9 + n, tzinfo=showroom.zone)
            visit = services.visit_register(
                showroom=showroom,
                created_by=consultant,
                visit_date=yesterday,
                kind="walk_in",
                customer_name=f"老客户{number}-{n}",
                phone=f"1370000{number:02d}{n:02d}",
                no_phone=False,
                source=source("web"),
                arrived_at=arrived,
                left_at=arrived + timedelta(minutes=30),
                grade="B",
                consultant=consultant,
            )
            lead = Lead.objects.get(showroom=showroom, phone=visit.phone)
            if n < 2:
                Lead.objects.filter(pk=lead.pk).update(next_follow_up=yesterday - timedelta(days=n))
            leads.append(lead.pk)
        people[consultant.username] = leads
    return {
        "showroom": showroom,
        "manager": manager.username,
        "consultants": {username: leads[2:4] for username, leads in people.items()},
        "due_later": [pk for leads in people.values() for pk in leads[4:]],
        "yesterday": yesterday,
        "source": source("web").pk,
    }


def run_load(stack: Stack, world: dict, seconds: float, redis_server: RedisServer) -> dict:
    from dealer_crm.core.clock import showroom_today
    from followups.tasks import generate_reminders
    from leads.models import Lead
    from reports.models import ExportRecord

    base = f"http://127.0.0.1:{stack.port}"
    zone = world["showroom"].zone
    errors: collections.Counter = collections.Counter()
    requests = collections.Counter()
    written = {"visits": [], "contacts": []}
    lock = threading.Lock()
    stop = threading.Event()
    chaos_log: list[str] = []

    def consultant_loop(username: str, leads: list[int], number: int) -> None:
        browser = Browser(base, errors)
        logged_in = False
        n = 0
        while not stop.is_set():
            if not logged_in:
                logged_in = browser.login(username)
                requests["login"] += 1
                if not logged_in:
                    time.sleep(0.5)
                    continue
            n += 1
            now = datetime.now(zone)
            if n % 2:
                name = f"混沌{number}-{n}"
                data = {
                    "kind": "walk_in",
                    "visit_date": showroom_today(world["showroom"]).isoformat(),
                    "customer_name": name,
                    "gender": "f",
                    "phone": f"139{number:02d}{n:06d}",
                    "arrival_time": (now - timedelta(minutes=20)).strftime("%H:%M"),
                    "departure_time": (now - timedelta(minutes=1)).strftime("%H:%M"),
                    "party_size": "1",
                    "grade": "C",
                    "source": str(world["source"]),
                    "summary": "混沌测试",
                    "version": "",
                }
                requests["visit"] += 1
                if browser.get_form("/register/new/") is not None and browser.post("/register/new/", data):
                    with lock:
                        written["visits"].append(name)
            else:
                lead = leads[n // 2 % len(leads)]
                page = browser.get_form(f"/leads/{lead}/contact/")
                version = re.search(r'name="version" value="(\d+)"', page or "")
                if version is None:
                    continue
                summary = f"混沌联系{number}-{n}"
                data = {
                    "kind": "phone_call",
                    "contact_date": now.date().isoformat(),
                    "contact_time": now.strftime("%H:%M"),
                    "summary": summary,
                    "has_need": "on",
                    "has_decision_power": "on",
                    "has_purchasing_power": "on",
                    "expected_purchase_date": (now.date() + timedelta(days=10)).isoformat(),
                    "suggested_grade": "A",
                    "grade_after": "A",
                    "version": version.group(1),
                }
                requests["contact"] += 1
                if browser.post(f"/leads/{lead}/contact/", data):
                    with lock:
                        written["contacts"].append(summary)
            time.sleep(0.05)

    def manager_loop() -> None:
        browser = Browser(base, errors)
        while not stop.is_set() and not browser.login(world["manager"]):
            time.sleep(0.5)
        month = showroom_today(world["showroom"]).strftime("%Y-%m")
        while not stop.wait(3):
            requests["export"] += 1
            browser.get_form("/reports/exports/")
            browser.post("/reports/exports/", {"month": month})

    def reminders_loop() -> None:
        while not stop.wait(2):
            try:
                generate_reminders.apply_async(retry=False)
                requests["reminder task"] += 1
            except Exception:  # the broker is down: beat would miss this run too
                errors["reminder task not sent"] += 1

    def chaos() -> None:
        steps = [
            (0.15, "kill -9 a gunicorn worker", lambda: stack.kill_one_web_worker()),
            (0.30, "kill -9 the Celery worker", lambda: kill_worker()),
            (0.45, "kill -9 beat, start a new one", lambda: (stack.kill("beat"), stack.start_beat())),
            (0.50, "leads fall due (a day's turn)", lambda: fall_due()),
            (0.60, "restart Redis (3 s down, queues lost)", lambda: restart_redis()),
            (0.75, "kill -9 a gunicorn worker", lambda: stack.kill_one_web_worker()),
            (0.85, "kill -9 the Celery worker", lambda: kill_worker()),
        ]
        started = time.monotonic()
        for fraction, what, action in steps:
            if stop.wait(max(0, started + fraction * seconds - time.monotonic())):
                return
            detail = action()
            chaos_log.append(f"{time.monotonic() - started:6.1f} s  {what} {detail if isinstance(detail, str) else ''}")

    def kill_worker() -> str:
        """Kill it while it builds an export if one starts within 10 s (the manager asks every 3 s); start another."""
        deadline = time.monotonic() + 10
        while not ExportRecord.objects.filter(status="running").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        building = ExportRecord.objects.filter(status="running").exists()
        stack.kill("worker")
        stack.start_worker()
        return "while it built an export" if building else "(no export running)"

    def fall_due() -> None:
        Lead.objects.filter(pk__in=world["due_later"]).update(next_follow_up=world["yesterday"])

    def restart_redis() -> None:
        redis_server.stop()
        time.sleep(3)
        redis_server.start()

    threads = [
        threading.Thread(target=consultant_loop, args=(username, leads, number))
        for number, (username, leads) in enumerate(world["consultants"].items())
    ]
    threads += [threading.Thread(target=target) for target in (manager_loop, reminders_loop, chaos)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return {
        "seconds": seconds,
        "requests": requests,
        "errors": errors,
        "written": written,
        "chaos": chaos_log,
        "load_ended": datetime.now(zone),
    }


def check(world: dict, figures: dict) -> list[str]:
    from django.db.models import Count

    from dealer_crm.core.clock import showroom_today
    from followups.models import Reminder, ReminderRun
    from followups.tasks import generate_reminders
    from leads.models import Contact, Lead, Visit
    from reports.excel import export_services
    from reports.models import ExportRecord

    failures = []
    showroom = world["showroom"]
    visits = set(Visit.objects.filter(showroom=showroom).values_list("customer_name", flat=True))
    contacts = set(Contact.objects.filter(showroom=showroom).values_list("summary", flat=True))
    acknowledged_visits, acknowledged_contacts = figures["written"]["visits"], figures["written"]["contacts"]
    missing = [name for name in acknowledged_visits if name not in visits]
    missing += [summary for summary in acknowledged_contacts if summary not in contacts]
    if missing:
        failures.append(f"{len(missing)} acknowledged writes missing: {missing[:5]}")

    # One more reminder run after the load, by the (restarted) worker: then every due lead has its reminder.
    ended = figures["load_ended"]
    generate_reminders.apply_async()
    wait_until(
        lambda: ReminderRun.objects.filter(started_at__gte=ended, finished_at__isnull=False).exists(),
        "a reminder run after the load",
        60,
    )
    today = showroom_today(showroom)
    due = Lead.objects.filter(showroom=showroom, status="open", next_follow_up__lte=today)
    reminded = set(Reminder.objects.filter(showroom=showroom).values_list("lead_id", "due_date"))
    unreminded = [pk for pk, day in due.values_list("pk", "next_follow_up") if (pk, day) not in reminded]
    doubled = Reminder.objects.values("lead_id", "due_date").annotate(n=Count("pk")).filter(n__gt=1).count()
    if unreminded or doubled:
        failures.append(f"reminders: {len(unreminded)} due leads without one, {doubled} doubled")

    unfinished = ExportRecord.objects.filter(status__in=["pending", "running"])
    try:
        wait_until(lambda: not unfinished.exists(), "every export to finish", 90)
    except SystemExit as timeout:
        failures.append(f"{unfinished.count()} exports stuck ({timeout})")
    failed = ExportRecord.objects.filter(status="failed").count()
    if failed:
        failures.append(f"{failed} exports failed")
    done = list(ExportRecord.objects.filter(status="done", background=True).select_related("showroom"))
    from openpyxl import load_workbook

    unreadable = 0
    for record in done:
        try:
            load_workbook(export_services.export_path(record), read_only=True).close()
        except Exception:
            unreadable += 1
    files = list(Path(os.environ["EXPORTS_DIR"]).rglob("*"))
    stray = [path for path in files if path.is_file() and path.suffix != ".xlsx"]
    if unreadable or stray or len([p for p in files if p.is_file()]) != len(done):
        failures.append(f"export files: {unreadable} unreadable, {len(stray)} stray, {len(files)} for {len(done)}")
    figures["checked"] = {
        "acknowledged writes found (visits + contacts)": (
            f"{len(acknowledged_visits) + len(acknowledged_contacts) - len(missing)} / "
            f"{len(acknowledged_visits)} + {len(acknowledged_contacts)}"
        ),
        "due leads checked for one reminder": f"{due.count() - len(unreminded)} / {due.count()}",
        "doubled reminders": doubled,
        "reminders in all": Reminder.objects.filter(showroom=showroom).count(),
        "exports done / asked": f"{len(done)} / {ExportRecord.objects.count()}",
        "exports restarted after an interruption": ExportRecord.objects.filter(attempts__gt=1).count(),
        "exports stuck": unfinished.count(),
        "most attempts of one export": max([record.attempts for record in done] or [0]),
    }
    return failures


def report(figures: dict, failures: list[str], folder: Path) -> None:
    print(f"chaos run: {figures['seconds']:.0f} s of load (logs in {folder})")
    for line in figures["chaos"]:
        print("  chaos at", line)
    total = sum(figures["requests"].values())
    print(f"requests: {total} ({', '.join(f'{k} {v}' for k, v in sorted(figures['requests'].items()))})")
    errors = figures["errors"]
    print(f"errors: {sum(errors.values())} ({', '.join(f'{k} {v}' for k, v in sorted(errors.items())) or 'none'})")
    for name, value in figures.get("checked", {}).items():
        print(f"  {name:45} {value}")
    print(
        "FAILED:\n  " + "\n  ".join(failures)
        if failures
        else "OK: nothing acknowledged lost, no reminder missing or doubled, no export stuck"
    )


if __name__ == "__main__":
    sys.exit(main())
