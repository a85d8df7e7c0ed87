"""Editing an entry: every change is kept with old and new values, and a stale save never overwrites."""

import re

import pytest
from django.urls import reverse

from dealer_crm.core.history import Revision
from dealer_crm.core.versioning import STALE_MESSAGE as KIT_STALE_MESSAGE
from dealer_crm.core.versioning import StaleError
from leads.models import Visit
from leads.services import register as services
from tests.conftest import CURRENT_TIME
from tests.i18n import shown, zh
from tests.leads.form_data import edit_form_data

STALE_MESSAGE = shown(KIT_STALE_MESSAGE)


@pytest.fixture
def entry(make_visit, consultant, car_model):
    """张伟's walk-in of today, 10:00-10:30, 王先生 13800138000."""
    return make_visit(consultant=consultant, customer_name="王先生", phone="13800138000", car_model=car_model)


@pytest.fixture
def zhang(client_for, consultant):
    return client_for(consultant)


@pytest.fixture
def boss(client_for, manager):
    return client_for(manager)


def edit_url(visit) -> str:
    return reverse("leads:visit_update", kwargs={"pk": visit.pk})


def detail_url(visit) -> str:
    return reverse("leads:visit_detail", kwargs={"pk": visit.pk})


def history_html(client, visit) -> str:
    html = client.get(detail_url(visit)).content.decode()
    history = re.search(r'id="visit-history">(.*?)\n</ul>', html, re.S)
    return history.group(1)


def test_edit_form_shows_the_entry_as_saved(zhang, entry):
    form = zhang.get(edit_url(entry)).context["form"]

    assert form["customer_name"].value() == "王先生"
    assert form["arrival_time"].value().strftime("%H:%M") == "10:00"
    assert form["departure_time"].value().strftime("%H:%M") == "10:30"
    assert form["version"].value() == 1


def test_saving_a_change_records_only_the_changed_fields_with_old_and_new_values(zhang, entry, consultant):
    response = zhang.post(edit_url(entry), edit_form_data(entry, customer_name="王建国", grade="A"))

    assert response.status_code == 302
    assert response["Location"] == detail_url(entry)
    entry.refresh_from_db()
    assert (entry.customer_name, entry.grade, entry.version) == ("王建国", "A", 2)
    revision = entry.revisions.get(action=Revision.Action.UPDATED)
    assert revision.changes == {"customer_name": ["王先生", "王建国"], "grade": ["", "A"]}
    assert (revision.by, revision.at) == (consultant, CURRENT_TIME)


def test_changed_times_are_recorded_in_showroom_time(zhang, entry):
    zhang.post(edit_url(entry), edit_form_data(entry, departure_time="10:50"))

    revision = entry.revisions.get(action=Revision.Action.UPDATED)
    assert revision.changes == {"left_at": ["2026-11-21T10:30:00+08:00", "2026-11-21T10:50:00+08:00"]}


def test_saving_without_a_change_records_no_revision(zhang, entry):
    response = zhang.post(edit_url(entry), edit_form_data(entry))

    assert response.status_code == 302
    assert list(entry.revisions.values_list("action", flat=True)) == ["created"]


def test_entry_page_shows_each_change_with_old_and_new_values(zhang, entry, other_car_model):
    zhang.post(edit_url(entry), edit_form_data(entry, car_model=str(other_car_model.pk), departure_time="10:50"))

    history = history_html(zhang, entry)

    assert f"<strong>张伟</strong> {zh('created')}" in history
    assert f"<strong>张伟</strong> {zh('changed')}" in history
    assert '<del class="text-muted">丰田 凯美瑞</del> → 丰田 汉兰达' in history
    assert '<del class="text-muted">10:30</del> → 10:50' in history


def test_history_masks_phones_for_a_colleague(zhang, client_for, other_consultant, entry):
    zhang.post(edit_url(entry), edit_form_data(entry, phone="139 1234 5678"))

    history = history_html(client_for(other_consultant), entry)

    assert '<del class="text-muted">138****8000</del> → 139****5678' in history
    assert "13800138000" not in history and "13912345678" not in history


@pytest.mark.parametrize("viewer", ["consultant", "manager"])
def test_history_shows_phones_in_full_to_the_owner_and_the_manager(zhang, client_for, request, entry, viewer):
    zhang.post(edit_url(entry), edit_form_data(entry, phone="139 1234 5678"))

    history = history_html(client_for(request.getfixturevalue(viewer)), entry)

    assert '<del class="text-muted">13800138000</del> → 13912345678' in history


def test_history_keeps_masking_the_old_phone_after_it_was_removed(zhang, client_for, other_consultant, entry):
    zhang.post(edit_url(entry), edit_form_data(entry, phone="", no_phone="on", grade=""))

    history = history_html(client_for(other_consultant), entry)

    assert '<del class="text-muted">138****8000</del> → –' in history
    assert "13800138000" not in history


def test_detail_page_masks_a_colleagues_customer_phone(client_for, other_consultant, entry):
    html = client_for(other_consultant).get(detail_url(entry)).content.decode()

    assert "138****8000" in html
    assert "13800138000" not in html


def test_stale_save_is_refused_and_changes_nothing(entry, consultant, manager):
    services.visit_update(visit=Visit.objects.get(pk=entry.pk), editor=manager, expected_version=1, summary="经理改的")

    with pytest.raises(StaleError):
        services.visit_update(visit=Visit.objects.get(pk=entry.pk), editor=consultant, expected_version=1, summary="x")

    entry.refresh_from_db()
    assert (entry.summary, entry.version) == ("经理改的", 2)
    assert entry.revisions.filter(action="updated").count() == 1


def test_concurrent_edit_second_save_is_refused_keeping_the_input_then_goes_through_on_purpose(zhang, boss, entry):
    # Both open the entry (version 1).
    zhang_form = edit_form_data(entry, customer_name="王建国", summary="看了凯美瑞，想下周试驾")
    boss_form = edit_form_data(entry, remarks="经理补充：老客户介绍")
    assert zhang.get(edit_url(entry)).context["form"]["version"].value() == 1
    assert boss.get(edit_url(entry)).context["form"]["version"].value() == 1

    # The manager saves first.
    assert boss.post(edit_url(entry), boss_form).status_code == 302

    # 张伟's save, made from version 1, is refused: nothing of the manager's is overwritten.
    refused = zhang.post(edit_url(entry), zhang_form)

    assert refused.status_code == 200
    form = refused.context["form"]
    assert len(form.non_field_errors()) == 1 and form.non_field_errors()[0] == STALE_MESSAGE
    assert STALE_MESSAGE in refused.content.decode()
    entry.refresh_from_db()
    assert (entry.customer_name, entry.summary, entry.remarks, entry.version) == (
        "王先生",
        "看了凯美瑞，关心油耗和价格",
        "经理补充：老客户介绍",
        2,
    )
    # ... and 张伟's input is still in the form, which now carries the version just seen.
    assert form["customer_name"].value() == "王建国"
    assert form["summary"].value() == "看了凯美瑞，想下周试驾"
    assert form["version"].value() == "2"
    assert re.search(r'<input type="hidden" name="version" value="2"', refused.content.decode())

    # Saving again, on purpose, goes through.
    again = zhang.post(edit_url(entry), {**zhang_form, "version": form["version"].value()})

    assert again.status_code == 302
    entry.refresh_from_db()
    assert (entry.customer_name, entry.summary, entry.version) == ("王建国", "看了凯美瑞，想下周试驾", 3)
    assert [revision.by.username for revision in entry.revisions.filter(action="updated")] == ["boss", "zhang"]


def test_edit_refused_by_a_rule_shows_the_error_and_keeps_the_input(zhang, entry):
    response = zhang.post(edit_url(entry), edit_form_data(entry, customer_name="王建国", departure_time="09:50"))

    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"departure_time"}
    assert response.context["form"]["customer_name"].value() == "王建国"
    entry.refresh_from_db()
    assert (entry.customer_name, entry.version) == ("王先生", 1)


def test_entry_keeps_its_date_when_the_form_posts_another(zhang, entry):
    zhang.post(edit_url(entry), edit_form_data(entry, visit_date="2026-11-20", summary="看了凯美瑞，想下周试驾"))

    entry.refresh_from_db()
    assert (entry.visit_date.isoformat(), entry.number, entry.summary) == ("2026-11-21", 1, "看了凯美瑞，想下周试驾")


def test_an_edit_posted_without_its_version_is_refused_keeping_the_input(zhang, entry):
    refused = zhang.post(edit_url(entry), edit_form_data(entry, customer_name="王建国", version=None))

    assert refused.status_code == 200
    form = refused.context["form"]
    assert form.non_field_errors() == [STALE_MESSAGE]
    assert form["customer_name"].value() == "王建国"
    entry.refresh_from_db()
    assert (entry.customer_name, entry.version) == ("王先生", 1)
    assert entry.revisions.filter(action="updated").count() == 0
