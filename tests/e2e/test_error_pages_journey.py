"""The error pages in a real browser: a consultant who follows a link they may not open, or a dead one, sees
the app's own page in Chinese with the menu, is told what to do, and gets home with one click.
Screenshots in test-artifacts/ (error_403_zh.png, error_404_zh.png, error_404_zh_phone.png)."""

import re

import pytest

from tests.i18n import zh

from .conftest import DESKTOP, PHONE, expect, log_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_consultant_on_the_managers_review_is_told_to_ask_the_manager(page, consultant, screenshot):
    log_in(page, consultant)

    response = page.goto("/register/review/")

    assert response.status == 403
    expect(page.locator("#error-page h1")).to_have_text(zh("No access to this page"))
    expect(page.locator("#error-page")).to_contain_text(zh("If you need it for your work, ask your showroom manager."))
    expect(page.locator("nav #nav-today")).to_be_visible()
    screenshot(page, "error_403_zh")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_dead_link_shows_the_way_back_home(new_page, consultant, screenshot, size):
    page = log_in(new_page(**(DESKTOP if size == "desktop" else PHONE)), consultant)

    response = page.goto("/leads/999999/")

    assert response.status == 404
    expect(page.locator("#error-page h1")).to_have_text(zh("Page not found"))
    screenshot(page, "error_404_zh" if size == "desktop" else "error_404_zh_phone")
    page.locator("#error-page a", has_text=zh("Go to the home page")).click()
    expect(page).to_have_url(re.compile(r"/today/$"))
