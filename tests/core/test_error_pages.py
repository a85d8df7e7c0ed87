"""The error pages: in the user's language, inside the app's layout, each saying what to do next; no traces."""

import pytest
from django.test import Client, override_settings
from django.urls import path
from django.utils import translation

from dealer_crm import urls as app_urls


def boom(request):
    raise RuntimeError("a bug in a view")


# The app's URLs plus one view that fails, for the 500 page.
urlpatterns = [*app_urls.urlpatterns, path("boom/", boom)]


def broken_context_processor(request):
    raise RuntimeError("the database is gone")


def in_language(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


def client_in(language: str, user=None, **options) -> Client:
    client = Client(headers={"accept-language": language}, **options)
    if user:
        client.force_login(user)
    return client


LANGUAGES = ["zh-hans", "en"]


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_404_says_what_to_do_in_the_users_language_with_the_navigation(consultant, language):
    response = client_in(language, consultant).get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert in_language(language, "Page not found") in html
    assert in_language(language, "Check the address, or go back and follow the link again.") in html
    assert in_language(language, "Go to the home page") in html
    assert 'id="main-nav"' in html  # the app's layout, with the logged-in menu
    assert f'<html lang="{language}">' in html


@pytest.mark.django_db
def test_404_for_someone_not_logged_in_has_no_menu():
    response = client_in("zh-hans").get("/no-such-page/")

    assert response.status_code == 404
    assert in_language("zh-hans", "Page not found") in response.content.decode()
    assert 'id="main-nav"' not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_403_tells_a_consultant_to_ask_the_manager(consultant, language):
    response = client_in(language, consultant).get("/register/review/")  # the manager's daily check

    assert response.status_code == 403
    html = response.content.decode()
    assert in_language(language, "No access to this page") in html
    assert in_language(language, "If you need it for your work, ask your showroom manager.") in html
    assert 'id="main-nav"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@override_settings(ALLOWED_HOSTS=["testserver"])
def test_400_says_to_reload_and_try_again(language):
    response = client_in(language).get("/accounts/login/", headers={"host": "not-ours.example"})

    assert response.status_code == 400
    html = response.content.decode()
    assert in_language(language, "The request could not be understood") in html
    assert in_language(language, "Go back, reload the page and try again.") in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_form_says_the_session_may_have_expired(consultant, language):
    client = client_in(language, consultant, enforce_csrf_checks=True)

    response = client.post("/register/new/", {"customer_name": "王先生"})  # no CSRF token: a stale page

    assert response.status_code == 403
    html = response.content.decode()
    assert in_language(language, "The form could not be sent") in html
    assert (
        in_language(
            language,
            "Go back, copy anything you typed, reload the page and try again. You may be asked to log in again.",
        )
        in html
    )
    assert 'id="main-nav"' in html
    assert "CSRF" not in html  # the technical reason is for the logs, not the page


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@override_settings(ROOT_URLCONF=__name__)
def test_500_renders_without_a_trace_even_when_the_context_processors_fail(consultant, language, settings):
    engine = settings.TEMPLATES[0]
    processors = [*engine["OPTIONS"]["context_processors"], f"{__name__}.broken_context_processor"]
    settings.TEMPLATES = [{**engine, "OPTIONS": {**engine["OPTIONS"], "context_processors": processors}}]
    client = client_in(language, consultant, raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    html = response.content.decode()
    assert in_language(language, "Something went wrong") in html
    assert (
        in_language(
            language, "Try again in a moment. If it happens again, tell your showroom manager what you were doing."
        )
        in html
    )
    assert "a bug in a view" not in html and "Traceback" not in html
