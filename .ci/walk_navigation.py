"""Log in through the real login form and open every page of the rendered navigation, as a manager would.

    python .ci/walk_navigation.py http://127.0.0.1:PORT USERNAME PASSWORD

The server is reached over plain HTTP on the loopback, as a TLS-terminating proxy reaches it, so every
request carries the proxy's `X-Forwarded-Proto: https`. The session and CSRF cookies are `Secure`, which
a standard cookie jar would not send over http://, so cookies are kept here by hand.
Checks: the login succeeds (CSRF token from the form, Origin as a browser sends it); every link of the
menu answers 200; every static URL on those pages is a hashed (manifest) name and answers 200.
Standard library only: it runs before anything but requirements.txt is installed.
"""

import re
import sys
import urllib.error
import urllib.request
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urljoin, urlsplit

STATIC_PREFIX = "/static/"
# The manifest storage names a file name.<12 hex digits>.ext (e.g. bootstrap.min.8a3f0c1d2e4b.css).
HASHED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
FEWEST_MENU_LINKS = 5  # a manager's menu has more; fewer means the menu (or the login) is broken


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the client follows redirects itself, so that it sees every Set-Cookie


class Client:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.origin = "https://" + urlsplit(base_url).netloc
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(NoRedirects)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        """(status, final path, body), following redirects."""
        for _hop in range(5):
            headers = {"X-Forwarded-Proto": "https", "Accept-Language": "zh-hans"}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
            body = None
            if data is not None:
                body = urlencode(data).encode()
                headers["Origin"] = self.origin
                headers["Referer"] = self.origin + path
            request = urllib.request.Request(urljoin(self.base_url, path), data=body, headers=headers)
            try:
                response = self.opener.open(request, timeout=30)
            except urllib.error.HTTPError as error:
                response = error
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            status = response.status
            if status in (301, 302, 303) and response.headers["Location"]:
                path = urlsplit(urljoin(path, response.headers["Location"])).path
                data = None
                continue
            return status, path, response.read().decode("utf-8", "replace")
        raise RuntimeError(f"too many redirects from {path}")


class PageLinks(HTMLParser):
    """The menu's links (<a href> inside <nav>), the static URLs, and the login form's CSRF token."""

    def __init__(self):
        super().__init__()
        self.nav_depth = 0
        self.menu: list[str] = []
        self.static: set[str] = set()
        self.csrf_token = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav":
            self.nav_depth += 1
        href = attrs.get("href") or ""
        if tag == "a" and self.nav_depth and href.startswith("/"):
            self.menu.append(href)
        for url in (attrs.get("href"), attrs.get("src")):
            if url and url.startswith(STATIC_PREFIX):
                self.static.add(url)
        if tag == "input" and attrs.get("name") == "csrfmiddlewaretoken":
            self.csrf_token = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "nav":
            self.nav_depth -= 1


def parse(html: str) -> PageLinks:
    links = PageLinks()
    links.feed(html)
    return links


def main(base_url: str, username: str, password: str) -> int:
    client = Client(base_url)
    problems = []

    status, _path, html = client.request("/accounts/login/")
    token = parse(html).csrf_token
    if status != 200 or not token:
        print(f"login page: status {status}, CSRF token {'found' if token else 'missing'}")
        return 1
    status, landed, html = client.request(
        "/accounts/login/", {"csrfmiddlewaretoken": token, "username": username, "password": password}
    )
    if status != 200 or landed.startswith("/accounts/login/"):
        print(f"login failed: status {status} at {landed}")
        return 1

    home = parse(html)
    menu = list(dict.fromkeys(home.menu))  # in menu order, once each
    if len(menu) < FEWEST_MENU_LINKS:
        print(f"the menu has {len(menu)} links: {menu}")
        return 1
    static = set(home.static)
    for href in menu:
        status, landed, html = client.request(href)
        print(f"{status} {href}" + (f" -> {landed}" if landed != urlsplit(href).path else ""))
        if status != 200:
            problems.append(f"{href}: status {status}")
        static |= parse(html).static

    for url in sorted(static):
        status, _landed, _body = client.request(url)
        hashed = bool(HASHED.search(urlsplit(url).path))
        if status != 200 or not hashed:
            problems.append(f"{url}: status {status}, {'hashed' if hashed else 'NOT hashed'}")
    print(f"{len(menu)} menu pages, {len(static)} static files")
    for problem in problems:
        print("FAIL", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
