"""Shared front-desk computers in a real browser: logging out is one visible click on every page, at the desk and
on a phone (no menu to open first), and the login page says when a session ends by itself."""

import pytest
from django.utils import translation

from .conftest import ARTIFACTS, DESKTOP, PHONE, expect, log_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize(("size", "options"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_logout_is_one_click_from_any_page(new_page, consultant, size, options):
    page = log_in(new_page(**options), consultant)

    for path in ("/register/", "/register/new/"):
        page.goto(path)
        expect(page.locator("#nav-logout button")).to_be_visible()
    page.screenshot(path=ARTIFACTS / f"session-logout-{size}.png")
    page.locator("#nav-logout button").click()

    expect(page).to_have_url("/accounts/login/")
    with translation.override("zh-hans"):
        notice = translation.gettext(
            "On a shared computer you are logged out after %(idle_timeout)s without activity, and when the browser "
            "is closed."
        )
    expect(page.locator("#session-notice")).to_contain_text(notice.split("%(idle_timeout)s")[0])
    page.goto("/register/")
    expect(page).to_have_url("/accounts/login/?next=/register/")
