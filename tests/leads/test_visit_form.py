"""Logging a visit through the form: errors next to their field in the user's language, input kept."""

import re

import pytest
from django.urls import reverse

from leads.models import Visit
from tests.conftest import TODAY
from tests.factories import UserFactory, source
from tests.leads.form_data import create_form_data

REQUIRED_ZH = "这个字段是必填项。"
REQUIRED_EN = "This field is required."
INVALID_PHONE_EN = "Enter an 11-digit mobile number starting with 1, or a landline with its area code."


@pytest.fixture
def zhang(client_for, consultant, frozen_clock):
    return client_for(consultant)


@pytest.fixture
def zhang_in_english(zhang):
    response = zhang.post(reverse("set_language"), {"language": "en", "next": reverse("leads:visit_list")})
    assert response.status_code == 302
    return zhang


def post_visit(client, **overrides):
    return client.post(reverse("leads:visit_create"), create_form_data(**overrides))


def field_errors(response, field: str) -> list[str]:
    assert response.status_code == 200, "the form should have been shown again"
    return response.context["form"].errors.get(field, [])


def test_create_form_opens_with_today_and_the_current_time(zhang):
    response = zhang.get(reverse("leads:visit_create"))

    form = response.context["form"]
    assert response.status_code == 200
    assert form["visit_date"].value() == TODAY
    assert form["departure_time"].value().strftime("%H:%M") == "15:30"
    assert "consultant" not in form.fields  # a consultant logs their own visits


def test_complete_form_logs_the_visit_for_the_consultant(zhang, consultant):
    response = post_visit(zhang)

    assert response.status_code == 302
    assert response["Location"] == reverse("leads:visit_list")
    visit = Visit.objects.get()
    assert (visit.number, visit.customer_name, visit.phone, visit.grade) == (1, "赵女士", "13912345678", "B")
    assert (visit.consultant, visit.created_by, visit.party_size) == (consultant, consultant, 2)
    assert visit.duration_minutes == 45
    assert visit.arrived_at.astimezone(consultant.showroom.zone).strftime("%H:%M") == "14:00"


def test_consultant_cannot_log_a_visit_in_a_colleagues_name(zhang, consultant, other_consultant):
    post_visit(zhang, consultant=str(other_consultant.pk))

    assert Visit.objects.get().consultant == consultant


def test_manager_logs_a_visit_for_a_consultant_of_the_showroom(client_for, manager, consultant, frozen_clock):
    response = post_visit(client_for(manager), consultant=str(consultant.pk))

    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.consultant, visit.created_by) == (consultant, manager)


def test_missing_name_is_shown_at_the_name_in_chinese_by_default(zhang):
    response = post_visit(zhang, customer_name="")

    assert field_errors(response, "customer_name") == [REQUIRED_ZH]
    assert not Visit.objects.exists()


def test_missing_name_is_shown_at_the_name_in_english_when_english_is_chosen(zhang_in_english):
    response = post_visit(zhang_in_english, customer_name="")

    assert field_errors(response, "customer_name") == [REQUIRED_EN]


@pytest.mark.parametrize("field", ["arrival_time", "departure_time"])
def test_missing_times_are_shown_at_their_field(zhang, field):
    response = post_visit(zhang, **{field: ""})

    assert field_errors(response, field) == [REQUIRED_ZH]


def test_consultant_of_another_showroom_is_refused_at_the_consultant_field(
    client_for, manager, other_showroom, frozen_clock
):
    stranger = UserFactory(showroom=other_showroom)

    response = post_visit(client_for(manager), consultant=str(stranger.pk))

    assert field_errors(response, "consultant") == ["选择一个有效的选项： 该选择不在可用的选项中。"]
    assert not Visit.objects.exists()


def test_invalid_phone_is_shown_at_the_phone_in_english(zhang_in_english):
    response = post_visit(zhang_in_english, phone="139 1234 567")

    assert field_errors(response, "phone") == [INVALID_PHONE_EN]


def test_invalid_phone_is_shown_at_the_phone_in_chinese_by_default(zhang):
    response = post_visit(zhang, phone="139 1234 567")

    [message] = field_errors(response, "phone")
    assert re.search(r"[\u4e00-\u9fff]", message), message


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"departure_time": "13:30"}, "departure_time", "Departure must be after arrival."),
        ({"departure_time": "14:00"}, "departure_time", "Departure must be after arrival."),
        ({"arrival_time": "15:40", "departure_time": "16:10"}, "departure_time", "Departure cannot be in the future."),
        ({"phone": ""}, "phone", "Enter the phone number, or tick “left no phone”."),
        ({"no_phone": "on"}, "no_phone", "Untick “left no phone” or clear the phone number."),
        (
            {"phone": "", "no_phone": "on", "grade": "A"},
            "grade",
            "Only a customer who left a phone number can be graded.",
        ),
    ],
)
def test_register_rule_broken_is_shown_at_its_field(zhang_in_english, overrides, field, message):
    response = post_visit(zhang_in_english, **overrides)

    assert field_errors(response, field) == [message]
    assert not Visit.objects.exists()


def field_block(html: str, field: str) -> str:
    """The HTML of one field's block in the crispy form: its label, input and messages."""
    start = html.index(f'<div id="div_id_{field}"')
    end = html.find('<div id="div_id_', start + 1)
    return html[start:end]


def test_error_is_rendered_in_its_fields_block_and_nowhere_else(zhang_in_english):
    response = post_visit(zhang_in_english, phone="", grade="")

    html = response.content.decode()
    phone = field_block(html, "phone")
    assert 'aria-invalid="true"' in phone
    assert '<span id="error_1_id_phone"><strong>Enter the phone number, or tick “left no phone”.</strong>' in phone
    assert html.count("Enter the phone number, or tick") == 1
    assert 'aria-invalid="true"' not in field_block(html, "customer_name")


def test_refused_form_keeps_everything_the_user_typed(zhang, car_model):
    typed = {
        "kind": "call",
        "customer_name": "赵女士",
        "gender": "f",
        "phone": "139 1234 567",  # one digit short: the reason the form comes back
        "arrival_time": "14:05",
        "departure_time": "14:50",
        "party_size": "3",
        "grade": "A",
        "car_model": str(car_model.pk),
        "source": str(source("friends").pk),
        "address": "朝阳路8号",
        "summary": "想换七座车，预算三十万",
        "remarks": "周日下午有空",
    }

    response = post_visit(zhang, **typed)

    form = response.context["form"]
    assert form.errors.keys() == {"phone"}
    assert {name: form[name].value() for name in typed} == typed
    html = response.content.decode()
    assert 'value="赵女士"' in html
    assert 'value="139 1234 567"' in html
    assert 'value="14:05"' in html and 'value="14:50"' in html
    assert ">\n想换七座车，预算三十万</textarea>" in html
    assert re.search(r'<input[^>]*value="call"[^>]*checked', html)
    assert re.search(rf'<option value="{car_model.pk}" selected>', html)
    assert not Visit.objects.exists()


def test_a_bad_phone_and_a_departure_before_arrival_are_shown_together(zhang_in_english):
    response = post_visit(zhang_in_english, phone="139 1234 567", departure_time="13:30")

    form = response.context["form"]
    assert form.errors == {"phone": [INVALID_PHONE_EN], "departure_time": ["Departure must be after arrival."]}
    assert form["phone"].value() == "139 1234 567" and form["departure_time"].value() == "13:30"
    assert not Visit.objects.exists()


def test_the_form_own_errors_and_the_register_rules_are_shown_together(zhang_in_english):
    response = post_visit(zhang_in_english, customer_name="", phone="", grade="B", arrival_time="25:00")

    assert response.context["form"].errors == {
        "customer_name": [REQUIRED_EN],
        "arrival_time": ["Enter a valid time."],
        "phone": ["Enter the phone number, or tick “left no phone”."],
        "grade": ["Only a customer who left a phone number can be graded."],
    }
    assert not Visit.objects.exists()
