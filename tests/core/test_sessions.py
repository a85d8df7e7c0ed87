"""Shared front-desk computers (dealer_crm/core/sessions.py): a session ends after the idle timeout, counted from
the last request, and when the browser closes; the login page says so; logging out is one click away."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.conftest import CURRENT_TIME

IDLE = timedelta(hours=4)
PASSWORD = "pass-1234!"  # UserFactory's


@pytest.fixture
def clock(settings):
    """The suite's frozen clock, with the production default idle timeout (the test settings' is a year)."""
    settings.SESSION_IDLE_TIMEOUT = IDLE
    with time_machine.travel(CURRENT_TIME, tick=False) as traveller:
        yield traveller


@pytest.fixture
def logged_in(client, consultant, clock):
    """The consultant logged in through the login form at CURRENT_TIME."""
    client.post(reverse("login"), {"username": consultant.username, "password": PASSWORD})
    return client


def is_logged_in(client: Client) -> bool:
    return client.get(reverse("leads:visit_list")).status_code == 200


def test_the_session_cookie_is_forgotten_when_the_browser_closes(client, consultant):
    response = client.post(reverse("login"), {"username": consultant.username, "password": PASSWORD})

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value and cookie["expires"] == "" and cookie["max-age"] == ""


def test_a_session_idle_for_longer_than_the_timeout_is_logged_out(logged_in, clock):
    clock.shift(IDLE + timedelta(seconds=1))

    response = logged_in.get(reverse("leads:visit_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in logged_in.session
    login_page = logged_in.get(response["Location"])
    assert "您已连续4\xa0小时无操作，已自动退出登录。" in login_page.content.decode()


def test_each_request_restarts_the_idle_time(logged_in, clock):
    for _step in range(3):
        clock.shift(IDLE - timedelta(minutes=1))
        assert is_logged_in(logged_in)

    clock.shift(IDLE + timedelta(minutes=1))
    assert not is_logged_in(logged_in)


def test_the_timeout_is_a_setting(logged_in, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = timedelta(minutes=30)

    clock.shift(timedelta(minutes=29))
    assert is_logged_in(logged_in)
    clock.shift(timedelta(minutes=31))
    assert not is_logged_in(logged_in)


def session_row(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_the_last_request_time_is_written_at_most_once_a_minute(logged_in, clock):
    logged_in.get(reverse("leads:visit_list"))
    written = session_row(logged_in).expire_date

    clock.shift(timedelta(seconds=59))
    logged_in.get(reverse("leads:visit_list"))
    assert session_row(logged_in).expire_date == written

    clock.shift(timedelta(seconds=2))
    logged_in.get(reverse("leads:visit_list"))
    assert session_row(logged_in).expire_date == written + timedelta(seconds=61)


@pytest.mark.parametrize(
    ("language", "notice"),
    [
        ("zh-hans", "在公用电脑上，4\xa0小时无操作或关闭浏览器后将自动退出登录。"),
        ("en", "you are logged out after 4\xa0hours without activity, and when the browser is closed."),
    ],
)
def test_the_login_page_says_when_the_session_ends(db, settings, language, notice):
    settings.SESSION_IDLE_TIMEOUT = IDLE

    page = Client(HTTP_ACCEPT_LANGUAGE=language).get(reverse("login"))

    assert notice in page.content.decode()


def test_logout_is_a_post_button_in_the_navigation_of_every_page(client, consultant):
    client.force_login(consultant)

    for name in ("followups:today", "leads:visit_list", "leads:lead_list", "password_change"):
        nav = client.get(reverse(name)).content.decode().split("<main")[0]
        assert nav.count(f'method="post" action="{reverse("logout")}"') == 1, name

    assert client.post(reverse("logout")).status_code == 302
    assert not is_logged_in(client)
