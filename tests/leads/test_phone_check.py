"""The phone check the form runs while a number is typed: is this customer already known, and whose?"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from leads.services import register as services
from tests.conftest import TODAY


@pytest.fixture
def check(client_for, other_consultant, frozen_clock):
    """Ask as 李娜, a colleague of 张伟 (the consultant who received the known customer), in English."""
    client = client_for(other_consultant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def ask(phone: str, **params):
        response = client.get(reverse("leads:phone_check"), {"phone": phone, **params})
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        return response.json()

    return ask


@pytest.fixture
def known_customer(make_visit, consultant):
    """13812345678 came twice to 张伟: ten days ago and three days ago."""
    make_visit(consultant=consultant, day=TODAY - timedelta(days=10), phone="13812345678")
    return make_visit(consultant=consultant, day=TODAY - timedelta(days=3), phone="13812345678")


@pytest.mark.parametrize("typed", ["13812345678", "138 1234 5678", "+86 138-1234-5678"])
def test_known_number_names_its_consultant_and_last_visit_with_the_number_masked(check, known_customer, typed):
    answer = check(typed)

    assert answer["known"] is True
    assert answer["valid"] is True
    message = answer["message"]
    assert "138****5678" in message
    assert "13812345678" not in message
    assert "张伟" in message
    assert (TODAY - timedelta(days=3)).isoformat() in message
    assert "2 visits" in message


def test_unknown_number_is_reported_as_not_known(check, known_customer):
    assert check("13912345678") == {"known": False, "valid": True}


def test_incomplete_number_is_reported_as_not_valid_yet(check, known_customer):
    assert check("138123") == {"known": False, "valid": False}


def test_number_known_only_in_another_showroom_is_not_known_here(check, make_visit, other_manager):
    make_visit(consultant=other_manager, phone="13812345678")

    assert check("13812345678") == {"known": False, "valid": True}


def test_deleted_entry_does_not_make_a_number_known(check, make_visit, consultant, manager):
    visit = make_visit(consultant=consultant, phone="13812345678")
    services.visit_delete(visit=visit, by=manager, reason="录错了")

    assert check("13812345678") == {"known": False, "valid": True}


def test_entry_being_edited_does_not_count_as_an_earlier_visit(check, make_visit, consultant):
    visit = make_visit(consultant=consultant, phone="13812345678")

    assert check("13812345678", exclude=str(visit.pk)) == {"known": False, "valid": True}
    assert check("13812345678")["known"] is True
