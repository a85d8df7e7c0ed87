"""Real Celery worker processes for the tests that send tasks through Redis (followups' reminders, dcc's
escalation): the queue, the workers against the test's own database, and a bounded wait for what they do."""

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
import redis
from django.db import connection
from django.utils import timezone
from time_machine import escape_hatch

ROOT = Path(__file__).resolve().parents[1]
WAIT = 30  # seconds: the longest we wait for a worker to start or to finish a task


def wait_for(condition: Callable[[], object], what: str, timeout: float = WAIT, logs: list[Path] = ()):
    """Poll `condition` until it is truthy; fail naming `what` (and showing the workers' logs) after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    shown = "".join(f"\n--- {log.name}\n{log.read_text()}" for log in logs)
    pytest.fail(f"timed out after {timeout}s waiting for {what}{shown}")


def database_url() -> str:
    """The database this test runs in (test_<name>, one per xdist worker), as the worker process must see it."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{quote(db['USER'])}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def queue():
    """A queue of this test's own, so parallel xdist workers never take each other's tasks."""
    name = f"test-followups-{uuid.uuid4().hex}"
    yield name
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    leftovers = list(client.scan_iter(match=f"*{name}*"))  # the queue and kombu's bindings of it
    if leftovers:
        client.delete(*leftovers)
    client.close()


@pytest.fixture
def start_worker(transactional_db, queue, tmp_path):
    """Start a real `celery worker` process on the test's queue and database; all are stopped at teardown."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dealer_crm.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    workers: list[tuple[subprocess.Popen, Path]] = []

    def start() -> subprocess.Popen:
        number = len(workers) + 1
        log = tmp_path / f"worker{number}.log"
        # A test on a moved clock (the e2e tests) starts its workers on the same clock, from this instant.
        celery = ("tests.clocked_celery", timezone.now().isoformat()) if escape_hatch.is_travelling() else ("celery",)
        command = [
            *(sys.executable, "-m", *celery, "-A", "dealer_crm", "worker"),
            *("--pool", "prefork", "--concurrency", "1", "-Q", queue, "-n", f"w{number}-{queue}@%h"),
            *("--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "INFO"),
        ]
        with log.open("wb") as output:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        workers.append((process, log))

        def ready():
            if process.poll() is not None:
                pytest.fail(f"worker {number} exited with {process.returncode}:\n{log.read_text()}")
            return " ready." in log.read_text()

        wait_for(ready, f"worker {number} to be ready", logs=[log])
        return process

    start.logs = lambda: [log for _process, log in workers]
    yield start

    for process, _log in workers:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # its own session: the pool child goes too
    for process, _log in workers:
        try:
            process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def send_twice_at_once(task, *, queue: str, table: str, logs: Callable[[], list[Path]]) -> None:
    """Send `task` twice and make both runs meet at `table`: it is held in an exclusive lock until both runs wait
    on it (seen in pg_locks), then released at once, so the two workers race for the same rows."""
    lock = psycopg2.connect(**connection.get_connection_params())
    try:
        lock.cursor().execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        task.apply_async(queue=queue)
        task.apply_async(queue=queue)

        def both_waiting():
            # pg_locks, not pg_stat_activity: the latter is a snapshot frozen for the rest of this transaction.
            with lock.cursor() as cursor:
                cursor.execute(
                    """SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted
                    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())""",
                    [table],
                )
                return cursor.fetchone()[0] == 2

        wait_for(both_waiting, f"both runs to wait on {table}", logs=logs())
        lock.rollback()
    finally:
        lock.close()


def task_results(task, logs: Callable[[], list[Path]], *, runs: int = 2) -> list[int]:
    """The integer results of `task`'s finished runs, read from the workers' logs, once `runs` of them are in."""
    succeeded = re.compile(rf"{re.escape(task.name)}\[[^\]]+\] succeeded in [\d.]+s: (\d+)")

    def finished():
        found = [int(result) for log in logs() for result in succeeded.findall(log.read_text())]
        return found if len(found) == runs else None

    return wait_for(finished, f"{runs} runs of {task.name} to finish", logs=logs())
