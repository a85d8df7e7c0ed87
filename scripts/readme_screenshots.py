"""Re-take the README's screenshots (docs/screenshots/) from the demo, the way a new user first sees it.

    .venv/bin/python scripts/readme_screenshots.py

1. Migrate a throw-away SQLite database and load `seed_demo` into it (the README shows the demo, not test data).
2. Serve it with the development server on a free loopback port (`make run`'s settings).
3. Log in as the demo manager and the first demo consultant in Debian's Chromium and shoot each page at 1366 px
   (one at 390 px), scaled down so the committed files stay a few tens of KB.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "showroom-demo"  # leads.demo.DEMO_PASSWORD
DESKTOP = {"viewport": {"width": 1366, "height": 800}, "device_scale_factor": 0.7}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "is_mobile": True, "has_touch": True}
# (file, login, path, context): what the README's tour shows.
SHOTS = [
    ("today.png", "demo_sc1", "/today/", DESKTOP),
    ("today-phone.png", "demo_sc1", "/today/", PHONE),
    ("register.png", "demo_manager", "/register/", DESKTOP),
    ("dashboard.png", "demo_manager", "/reports/dashboard/", DESKTOP),
    ("delivery-week.png", "demo_manager", "/delivery/week/", DESKTOP),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "dealer_crm.settings.local",
            "DATABASE_URL": f"sqlite:///{tmp}/demo.sqlite3",
            "LANGUAGE_CODE": "zh-hans",
        }
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True)
        subprocess.run([*manage, "seed_demo"], env=env, check=True, stdout=subprocess.DEVNULL)
        port = free_port()
        server = subprocess.Popen([*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{base}/accounts/login/", timeout=2)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            shoot(base)
        finally:
            server.terminate()
            server.wait(timeout=10)


def shoot(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
        )
        for name, username, path, options in SHOTS:
            context = browser.new_context(locale="zh-CN", **options)
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(800)  # Chart.js animates its first drawing
            page.screenshot(path=str(OUT / name), full_page=name == "dashboard.png")
            print(f"{OUT / name}: {(OUT / name).stat().st_size // 1024} KB")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
