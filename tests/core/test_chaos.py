"""The short chaos run (benchmarks/chaos.py --seconds 20): the whole stack — gunicorn, a Celery worker and beat,
a Redis of its own — under load while its processes are killed; the script checks that every acknowledged
write is kept, no reminder is missing or doubled and no export is stuck, and exits 1 otherwise."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_the_short_chaos_run_loses_nothing_acknowledged_and_leaves_no_export_stuck():
    base = urlparse(os.environ["DATABASE_URL"])
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    database = base._replace(path=f"{base.path}_chaos_{worker}").geturl()

    run = subprocess.run(
        [sys.executable, "benchmarks/chaos.py", "--seconds", "20", "--consultants", "4", "--database-url", database],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert run.returncode == 0, run.stdout + run.stderr
    assert "OK: nothing acknowledged lost" in run.stdout
    assert "exports stuck                                 0" in run.stdout
    assert "kill -9 the Celery worker" in run.stdout and "restart Redis" in run.stdout
