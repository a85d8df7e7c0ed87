"""The embedded default (SQLite, `make run`) holds a showroom's morning: several staff at once, no errors.

The real development server (`manage.py runserver --noreload`, the local settings) on a SQLite file of the
test's own, whatever DATABASE_URL says, and staff logging in at the same time, each in their own session:
opening the register, the tracker and Today, logging visits through the register form and contacts through
the contact form, for a bounded time. Then: no server error, and every write the server acknowledged (a
redirect away from the form) is in the database.
"""

import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from urllib.parse import urlencode, urljoin, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

CLIENTS = 8
LOAD_SECONDS = 15
PASSWORD = "morning-rush-1234"
SHOWROOM_ZONE = ZoneInfo("Asia/Shanghai")  # the showroom's default time zone, which the forms' times are in


class Forms(HTMLParser):
    """The forms of a page with what a browser would submit untouched: {field: value} per form."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "form":
            self.forms.append({})
        elif not self.forms or not name:
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "button", "radio", "checkbox"):
            self.forms[-1][name] = attrs.get("value") or ""
        elif tag == "input" and "checked" in attrs:
            value = attrs.get("value")
            self.forms[-1][name] = "on" if value is None else value
        elif tag == "select":
            self._select = name
        elif tag == "textarea":
            self._textarea = name
            self.forms[-1][name] = ""
        if tag == "option" and self._select:
            form = self.forms[-1]
            if self._select not in form or "selected" in attrs:  # a browser sends the first option by default
                form[self._select] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1][self._textarea] += data


def form_with(html: str, field_name: str) -> dict[str, str]:
    parser = Forms()
    parser.feed(html)
    return next(form for form in parser.forms if field_name in form)


def form_errors(html: str) -> list[str]:
    return re.findall(r'class="(?:invalid-feedback|alert alert-danger)[^"]*".*?<strong>(.*?)</strong>', html, re.DOTALL)


@dataclass
class Tally:
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    visits: list[str] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Staff:
    """One member of staff in their own browser session (cookie jar)."""

    def __init__(self, base_url: str, number: int, tally: Tally):
        self.base_url, self.number, self.tally = base_url, number, tally
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        """(status, path landed on after redirects, body); a 5xx or a dropped connection is a server error."""
        body = urlencode(data).encode() if data is not None else None
        try:
            response = self.opener.open(urljoin(self.base_url, path), data=body, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        except OSError as error:
            with self.tally.lock:
                self.tally.requests += 1
                self.tally.server_errors.append(f"{path}: {error}")
            return 0, path, ""
        status, html = response.status, response.read().decode("utf-8", "replace")
        with self.tally.lock:
            self.tally.requests += 1
            if status >= 500:
                self.tally.server_errors.append(f"{path}: {status} {html[:200]!r}")
        return status, urlsplit(response.url).path, html

    def log_in(self) -> bool:
        _status, _path, html = self.request("/accounts/login/")
        form = form_with(html, "username") | {"username": f"sc{self.number}", "password": PASSWORD}
        status, landed, _html = self.request("/accounts/login/", form)
        return status == 200 and not landed.startswith("/accounts/login/")

    def log_visit(self, n: int) -> str | None:
        """A walk-in of the last 20 minutes through the register form; the lead's URL when acknowledged."""
        _status, _path, html = self.request("/register/new/")
        now = datetime.now(SHOWROOM_ZONE)
        arrived = max(now - timedelta(minutes=20), now.replace(hour=0, minute=0))
        name, phone = f"并发客户{self.number}-{n}", f"139{self.number:02d}{n:06d}"
        form = form_with(html, "customer_name") | {
            "kind": "walk_in",
            "customer_name": name,
            "phone": phone,
            "arrival_time": arrived.strftime("%H:%M"),
            "departure_time": now.strftime("%H:%M"),
            "grade": "B",
            "summary": "早高峰并发测试",
        }
        status, landed, html = self.request("/register/new/", form)
        if status != 200 or landed == "/register/new/":
            self.reject(f"visit {name}", status, html)
            return None
        with self.tally.lock:
            self.tally.visits.append(name)
        # The entry left a phone, so it opened a lead: the tracker's search finds it.
        _status, _path, html = self.request(f"/leads/?q={phone}")
        lead = re.search(r'href="(/leads/\d+/)"', html)
        if not lead:
            self.reject(f"no lead for {phone}", status, html)
        return lead and lead.group(1)

    def log_contact(self, lead_url: str, n: int) -> None:
        """A phone call on that lead through the contact form, keeping the grade."""
        contact_url = f"{lead_url}contact/"
        _status, _path, html = self.request(contact_url)
        summary = f"并发联系{self.number}-{n}"
        # The grade assistant may suggest another grade from the factors left empty: say why B stays.
        form = form_with(html, "summary") | {"kind": "phone_call", "summary": summary, "grade_reason": "客户刚来过店"}
        status, landed, html = self.request(contact_url, form)
        if status != 200 or landed == contact_url:
            self.reject(f"contact {summary}", status, html)
            return
        with self.tally.lock:
            self.tally.contacts.append(summary)

    def reject(self, what: str, status: int, html: str) -> None:
        if status < 500:  # a form shown again: not a server error, but the test's writes must all be accepted
            with self.tally.lock:
                self.tally.rejected.append(f"{what}: {status} {form_errors(html)}")

    def morning(self, deadline: float) -> None:
        if not self.log_in():
            with self.tally.lock:
                self.tally.rejected.append(f"sc{self.number}: login")
            return
        n = 0
        while n == 0 or time.monotonic() < deadline:  # one whole round at least, however slow the machine
            n += 1
            for page in ("/register/", "/leads/", "/today/"):
                self.request(page)
            lead_url = self.log_visit(n)
            if lead_url:
                self.log_contact(lead_url, n)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def embedded_server(tmp_path):
    """runserver on a migrated SQLite file of its own, with one showroom and CLIENTS consultants."""
    database = tmp_path / "crm.sqlite3"
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="dealer_crm.settings.local", DATABASE_URL=f"sqlite:///{database}")

    def manage(*args, **kwargs):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, check=True, timeout=300, **kwargs
        )

    manage("migrate", "--noinput", "--verbosity", "0")
    staff = (
        "from django.contrib.auth.models import Group\n"
        "from dealer_crm.core.models import Role, Showroom, User\n"
        "showroom = Showroom.objects.create(code='rush', name='早高峰展厅')\n"
        f"for n in range({CLIENTS}):\n"
        f"    user = User.objects.create_user(f'sc{{n}}', password='{PASSWORD}', showroom=showroom)\n"
        "    user.groups.add(Group.objects.get(name=Role.CONSULTANT))\n"
    )
    manage("shell", "--verbosity", "0", "-c", staff)

    port = free_port()
    log = (tmp_path / "runserver.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _attempt in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "runserver.log").read_text()
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", database, tmp_path / "runserver.log"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_eight_staff_at_once_get_no_server_error_and_lose_no_write(embedded_server):
    base_url, database, server_log = embedded_server
    tally = Tally()
    deadline = time.monotonic() + LOAD_SECONDS
    threads = [threading.Thread(target=Staff(base_url, n, tally).morning, args=(deadline,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=LOAD_SECONDS + 120)

    with sqlite3.connect(database) as db:
        stored_visits = {name for (name,) in db.execute("SELECT customer_name FROM leads_visit")}
        stored_contacts = {summary for (summary,) in db.execute("SELECT summary FROM leads_contact")}
    locked = server_log.read_text().count("database is locked")
    print(
        f"{CLIENTS} clients, {LOAD_SECONDS} s: {tally.requests} requests, {len(tally.server_errors)} server errors "
        f"({locked} 'database is locked' in the server log), {len(tally.visits)} visits and "
        f"{len(tally.contacts)} contacts acknowledged, {len(tally.rejected)} forms rejected"
    )

    assert not any(thread.is_alive() for thread in threads), "a client hung"
    assert tally.server_errors == [], tally.server_errors[:5]
    assert tally.rejected == [], tally.rejected[:5]
    # Every client got through at least one whole round, so the writes really overlapped.
    assert len(tally.visits) >= CLIENTS and len(tally.contacts) >= CLIENTS
    assert set(tally.visits) - stored_visits == set()
    assert set(tally.contacts) - stored_contacts == set()
