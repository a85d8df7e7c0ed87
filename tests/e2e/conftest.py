"""Browser tests: Playwright (sync API) drives Debian's Chromium against pytest-django's live server.

- One browser per run of this package (per xdist worker); every test gets a fresh context (own cookies).
- Without Chromium or the playwright package the tests are skipped, except in CI (CI=true), where that fails.
- One clock for the server and the browser (`e2e_clock`): every test runs on today's date at 15:30 in the
  showroom, time flowing on from there. The live server is a thread of this process, so time_machine moves
  its clock; the browser context gets the same instant (Playwright's clock), and so do the Celery workers a
  test starts (tests/workers.py). Data is made relative to that "now" (see `register_now`); no test waits
  for midnight, and none can cross it mid-way.
- Tests use the live server, so their rows must be committed: mark them
  `pytest.mark.django_db(transaction=True, serialized_rollback=True)` (the second part brings back the roles
  and information sources of the data migrations after each test's flush).
"""

import os
import re
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from leads.services import register as services
from tests.conftest import SHANGHAI
from tests.factories import source

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the `browser` fixture says what is missing
    expect = sync_playwright = None

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING_CHROMIUM = "Chromium not installed: apt-get install chromium"
PASSWORD = "pass-1234!"  # tests.factories.UserFactory's password
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"  # git-ignored

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1440, "height": 900}}

# The showroom's time of day every e2e test starts at: an afternoon, with the morning behind it for visits
# "an hour ago" and the evening ahead, far from midnight. The date stays today's real one, so that what the
# clock cannot move (cookie lifetimes in the browser, PostgreSQL's own clock) agrees on the day.
START_OF_TEST = time(15, 30)


def pytest_collection_modifyitems(config, items):
    """Everything under tests/e2e/ is an e2e test, marked or not."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents and item.get_closest_marker("e2e") is None:
            item.add_marker(pytest.mark.e2e)


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: e2e tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser(django_db_setup, django_db_blocker):
    """Chromium, started once for the e2e package.

    Package-scoped rather than session-scoped on purpose: while Playwright's sync API runs, its asyncio loop
    counts as "running" in the test thread, which changes how Django behaves in that thread (see below).
    Stopping it when the package is done keeps that from leaking into the rest of the suite (e.g. the
    environment variable into the `manage.py check --deploy` subprocess of tests/core).
    """
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"{MISSING_CHROMIUM} ({CHROMIUM} not found)")
    if sync_playwright is None:
        _unavailable("The playwright package is not installed: pip install -r requirements-dev.txt")

    from django.db import connections

    # The database connections pytest-django set up (and stored the serialized rollback data on), taken
    # while no event loop runs: asgiref's thread-critical Local, which holds Django's connections, switches
    # to per-context storage as soon as a loop is running, and would hand out fresh connection objects.
    with django_db_blocker.unblock():
        thread_connections = {alias: connections[alias] for alias in connections}
    saved_env = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    # Django refuses ORM calls in a thread with a running loop (SynchronousOnlyOperation), although the
    # test's calls are plain synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            for alias, connection in thread_connections.items():
                connections[alias] = connection  # the same objects, now that the loop runs
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if saved_env is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved_env


@pytest.fixture(scope="package", autouse=True)
def _leave_migration_data_behind(django_db_setup, django_db_blocker):
    """Put the data migrations' rows (roles, information sources) back when the package is done.

    Each e2e test ends by flushing the database (TransactionTestCase) and serialized rollback only restores
    the rows at the start of the next such test. With --reuse-db (the default here) the kept PostgreSQL
    database would stay empty, and the next run would serialize, and every test find, no roles at all.
    """
    from django.db import connections

    with django_db_blocker.unblock():
        saved = {alias: getattr(connections[alias], "_test_serialized_contents", None) for alias in connections}
    if saved.get("default") is not None and '"auth.group"' not in saved["default"]:
        pytest.fail(
            "The kept test database has lost the rows of the data migrations (role groups, information "
            "sources), probably flushed by an interrupted transactional test: run once with --create-db.",
            pytrace=False,
        )
    yield
    with django_db_blocker.unblock():
        for alias, data in saved.items():
            if data:
                connections[alias].creation.deserialize_db_from_string(data)


@pytest.fixture(autouse=True)
def e2e_clock():
    """Today at START_OF_TEST in the showroom, for the test and the live server; time flows on (tick)."""
    start = datetime.combine(timezone.now().astimezone(SHANGHAI).date(), START_OF_TEST, SHANGHAI)
    with time_machine.travel(start, tick=True) as traveller:
        yield traveller


def new_context(browser, live_server, **options):
    """A browser context (own cookies) in Chinese and Shanghai time, its clock on the server's."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    context.clock.install(time=timezone.now())
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def new_page(browser, live_server, transactional_db):
    """Open a page in a new context (own cookies), Chinese locale, Shanghai time: `new_page(**PHONE)`."""
    expect.set_options(timeout=10_000)
    contexts = []

    def open_page(**options):
        context = new_context(browser, live_server, **(options or DESKTOP))
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """One desktop-sized page; tests with several users or sizes use `new_page` instead."""
    return new_page()


def log_in(page, user, password: str = PASSWORD):
    """Through the real login form, like a person: the login page, the two fields, the button."""
    page.goto("/accounts/login/")
    form = page.locator("form:has(input[name=username])")
    form.locator("input[name=username]").fill(user.username)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    # Wherever home sends a logged-in user: away from the login page, with the navbar's log-out form.
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("nav form[action$='/accounts/logout/']")).to_have_count(1)
    return page


def follow_nav_link(page, href: str):
    """Click the navbar's link to `href` the way a person gets to it: opening the collapsed menu (phone) and
    the dropdown it sits in (e.g. "Reports"), when it is not on show."""
    link = page.locator(f"nav a[href='{href}']").first
    toggler = page.locator("nav .navbar-toggler")
    if not link.is_visible() and toggler.is_visible():
        toggler.click()
        expect(page.locator("nav .navbar-collapse.show")).to_be_visible()
    dropdown = page.locator("nav .dropdown").filter(has=page.locator(f"a[href='{href}']"))
    if not link.is_visible() and dropdown.count():
        dropdown.first.locator(".dropdown-toggle").click()
    link.click()
    return page


def open_register(page):
    """The shared register, today's sheet, as the navbar's link opens it."""
    page.goto("/register/")
    expect(page.locator("#register-table")).to_be_visible()
    return page


@pytest.fixture
def screenshot():
    """page -> test-artifacts/<name>.png (full page by default); returns the path."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str, *, full_page: bool = True) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def local_now(showroom) -> datetime:
    return timezone.now().astimezone(showroom.zone)


@pytest.fixture
def register_now(showroom, e2e_clock) -> datetime:
    """The showroom-local time at the start of the test (e2e_clock: today, in the afternoon)."""
    return local_now(showroom)


@pytest.fixture
def log_visit_today(register_now):
    """Enter a visit of today through the service, `minutes_ago` before now, kept within today and the past."""

    def make(*, consultant, minutes_ago: int = 60, minutes: int = 30, **fields):
        now = local_now(consultant.showroom)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        arrived = max(midnight, now - timedelta(minutes=minutes_ago)).replace(second=0, microsecond=0)
        left = min(arrived + timedelta(minutes=minutes), now)
        values = {
            "kind": "walk_in",
            "customer_name": "李女士",
            "phone": "13700137000",
            "no_phone": False,
            "source": source("web"),
            "arrived_at": arrived,
            "left_at": left,
            "summary": "看了凯美瑞，关心油耗和价格",
            "consultant": consultant,
        }
        values.update(fields)
        return services.visit_register(
            showroom=consultant.showroom, created_by=consultant, visit_date=arrived.date(), **values
        )

    return make
