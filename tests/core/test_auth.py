import re
from datetime import date

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import UserFactory

PASSWORD = "pass-1234!"  # UserFactory's password
# Pages reachable without a login, by design: the login page, the load balancer's probe, the
# language switch that the login page offers, and the web app manifest (browsers fetch it without cookies).
PUBLIC = {"login", "healthz", "set_language", "manifest"}
# The lead intake API (dcc/api.py) is for the platforms' servers: a token, not a login, and a 401, not a redirect.
TOKEN_API = "dcc_api:"
SAMPLE_ARGUMENTS = {"int": "1", "isodate": date(2026, 11, 21).isoformat()}


def project_urls() -> list[tuple[str, str]]:
    """(name, path) of every named URL of the project outside the Django admin (which has its own login)."""

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                yield from walk(pattern.url_patterns, route, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                path = re.sub(r"<(\w+):\w+>", lambda match: SAMPLE_ARGUMENTS.get(match.group(1), "1"), route)
                yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), "/" + path

    return sorted(set(walk(get_resolver().url_patterns)))


PROJECT_URLS = project_urls()


def test_url_walk_finds_the_register_pages():
    # Guards the test below against walking nothing.
    names = {name for name, _path in PROJECT_URLS}
    assert {"home", "leads:visit_list", "leads:visit_update", "leads:register_reopen", "login"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "path"),
    [(name, path) for name, path in PROJECT_URLS if name not in PUBLIC and not name.startswith(TOKEN_API)],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_page_except_login_and_healthz_redirects_anonymous_users_to_login(client, name, path, method):
    response = getattr(client, method)(path)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={path}"


@pytest.mark.django_db
def test_the_intake_api_refuses_a_caller_without_a_token(client):
    api = [(name, path) for name, path in PROJECT_URLS if name.startswith(TOKEN_API)]
    receivers = [path for name, path in api if name.startswith(f"{TOKEN_API}leads_receive")]
    assert len(receivers) == 2, api  # JSON and ADF/XML
    assert [client.post(path).status_code for path in receivers] == [401, 401]
    # The schema is public (it describes the API, holds no data), as platforms read it before they have a token.
    assert client.get(reverse("dcc_api:openapi-json")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["login", "healthz"])
def test_login_page_and_healthz_answer_anonymous_users(client, core_health_checks_only, name):
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.django_db
def test_admin_sends_anonymous_users_to_its_login(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.fixture
def zhang(showroom):
    return UserFactory(username="zhang", showroom=showroom)


def log_in(client: Client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_login_with_the_right_password_opens_the_register(client, zhang):
    response = log_in(client, "zhang", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("leads:visit_list")).status_code == 200


def test_login_with_a_wrong_password_shows_the_form_again(client, zhang):
    response = log_in(client, "zhang", "wrong")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_failures_below_the_limit_do_not_lock(client, zhang, frozen_clock):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "zhang", "wrong")

    response = log_in(client, "zhang", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.fixture
def locked_zhang(zhang, frozen_clock):
    """zhang typed a wrong password AXES_FAILURE_LIMIT times from 10.0.0.1; the last answer is returned."""
    client = Client()
    responses = [log_in(client, "zhang", "wrong", "10.0.0.1") for _attempt in range(settings.AXES_FAILURE_LIMIT)]
    return responses[-1]


def test_repeated_wrong_passwords_show_the_lockout_page(locked_zhang):
    assert locked_zhang.status_code == 429
    assert "registration/locked_out.html" in [template.name for template in locked_zhang.templates]
    assert 'id="locked-out"' in locked_zhang.content.decode()
    assert AccessAttempt.objects.get(username="zhang", ip_address="10.0.0.1").failures_since_start == 5


def test_locked_username_cannot_log_in_from_that_address_even_with_the_right_password(locked_zhang):
    client = Client()

    response = log_in(client, "zhang", PASSWORD, "10.0.0.1")

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_locked_username_can_still_log_in_from_another_address(locked_zhang):
    response = log_in(Client(), "zhang", PASSWORD, "10.0.0.2")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_other_usernames_can_still_log_in_from_the_locked_address(locked_zhang, showroom):
    UserFactory(username="li", showroom=showroom)

    response = log_in(Client(), "li", PASSWORD, "10.0.0.1")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_password_change_replaces_the_password(client, zhang):
    client.force_login(zhang)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Huang-he-2026!", "new_password2": "Huang-he-2026!"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    zhang.refresh_from_db()
    assert zhang.check_password("Huang-he-2026!")
    assert not zhang.check_password(PASSWORD)
    # The session survives the change: the user is not thrown out.
    assert client.get(reverse("password_change_done")).status_code == 200


def test_password_change_requires_the_old_password(client, zhang):
    client.force_login(zhang)

    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "Huang-he-2026!", "new_password2": "Huang-he-2026!"},
    )

    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    zhang.refresh_from_db()
    assert zhang.check_password(PASSWORD)
