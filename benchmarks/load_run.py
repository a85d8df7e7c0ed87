"""The load run of benchmarks/pages.py: gunicorn under production settings, wrk against each page.

gunicorn: 4 sync workers, dealer_crm.settings.production (DEBUG off, CONN_MAX_AGE 60: persistent connections,
whitenoise's manifest storage, so collectstatic runs first). wrk (Debian's, /usr/bin/wrk): 16 connections, two
threads, wrk_percentiles.lua for p50/p95/p99, with a logged-in session's cookie and X-Forwarded-Proto: https (as the
TLS proxy in front would send). /healthz, the framework's floor, runs first and last in the same run.
"""

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
PYTHON = PROJECT_DIR / ".venv" / "bin" / "python"
GUNICORN = PROJECT_DIR / ".venv" / "bin" / "gunicorn"
WORKERS = 4
CONNECTIONS = 16
LUA = Path(__file__).resolve().parent / "wrk_percentiles.lua"  # exact p50/p95/p99 from wrk's histogram


@dataclass(frozen=True)
class Loaded:
    page: str
    requests_per_s: float
    p50: float
    p95: float
    p99: float
    requests: int
    errors: str


def production_env(database_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="dealer_crm.settings.production",
        DATABASE_URL=database_url,
        SECRET_KEY="benchmark-only-secret-key-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
    )
    return env


def session_cookie(env: dict, username: str) -> str:
    """A logged-in session made by the production settings themselves (their SECRET_KEY signs its hash)."""
    code = (
        "from importlib import import_module; from django.conf import settings; "
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY; "
        "from dealer_crm.core.models import User; "
        f"u = User.objects.get(username={username!r}); s = import_module(settings.SESSION_ENGINE).SessionStore(); "
        "s[SESSION_KEY] = str(u.pk); "
        # django-axes' backend comes first and only authenticates: the session names the one that loads users.
        "s[BACKEND_SESSION_KEY] = next(b for b in settings.AUTHENTICATION_BACKENDS if 'axes' not in b); "
        "s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s.save(); "
        "print(settings.SESSION_COOKIE_NAME + '=' + s.session_key)"
    )
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code], cwd=PROJECT_DIR, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def load_run(*, database_url: str, pages: list, seconds: int, log) -> list[Loaded]:
    env = production_env(database_url)
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=PROJECT_DIR, env=env, check=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [GUNICORN, "dealer_crm.wsgi", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--timeout", "120"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(PROJECT_DIR / "var" / "bench_gunicorn.log").open("w"),
    )
    try:
        wait_until_up(base + "/healthz")
        cookies = {username: session_cookie(env, username) for username in {page.username for page in pages}}
        results = [wrk("/healthz", base + "/healthz", "", seconds, log)]
        for page in pages:
            query = "&".join(f"{key}={value}" for key, value in page.params.items())
            url = base + page.url + (f"?{query}" if query else "")
            check_logged_in(url, cookies[page.username])
            results.append(wrk(page.name, url, cookies[page.username], seconds, log))
        results.append(wrk("/healthz (again)", base + "/healthz", "", seconds, log))
        return results
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def headers(cookie: str) -> dict:
    found = {"X-Forwarded-Proto": "https", "Host": "localhost"}
    if cookie:
        found["Cookie"] = cookie
    return found


def wait_until_up(url: str) -> None:
    for _ in range(120):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers("")), timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:  # not up yet: refused, reset or timed out
            pass
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer {url}")


def check_logged_in(url: str, cookie: str) -> None:
    """A 200 with the session, not the login page's redirect: wrk counts 3xx as answered."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers(cookie)), timeout=300) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise SystemExit(f"{url}: HTTP {status} with the session cookie")


def wrk(name: str, url: str, cookie: str, seconds: int, log) -> Loaded:
    command = ["/usr/bin/wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", f"{seconds}s", "-s", str(LUA)]
    for key, value in headers(cookie).items():
        command += ["-H", f"{key}: {value}"]
    out = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout

    def percentile(label: str) -> float:
        found = re.search(rf"^percentile_us {label} (\d+)$", out, re.MULTILINE)
        return int(found[1]) / 1000 if found else float("nan")

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    errors = [line.strip() for line in out.splitlines() if "Non-2xx" in line or "Socket errors" in line]
    loaded = Loaded(
        name,
        float(rate[1]) if rate else 0.0,
        percentile("50"),
        percentile("95"),
        percentile("99"),
        int(total[1]) if total else 0,
        "; ".join(errors),
    )
    log(f"  load: {name:<32} {loaded.requests_per_s:8.1f} req/s  p50 {loaded.p50:8.1f} ms  p99 {loaded.p99:8.1f} ms")
    return loaded


def print_load(label: str, loaded: list[Loaded]) -> None:
    print(
        f"\nLoad run at {label} entries: gunicorn {WORKERS} sync workers (production settings, CONN_MAX_AGE 60), "
        f"wrk {CONNECTIONS} connections"
    )
    print(f"  {'page':<34} {'req/s':>8} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'requests':>9}  errors")
    for row in loaded:
        print(
            f"  {row.page:<34} {row.requests_per_s:>8.1f} {row.p50:>9.1f} {row.p95:>9.1f} {row.p99:>9.1f} "
            f"{row.requests:>9}  {row.errors}"
        )
