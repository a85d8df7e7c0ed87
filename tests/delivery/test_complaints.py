"""Complaints followed to closure (客户抱怨问题闭环管理表): an owner, dated actions, a note to close; the managers
watch the open ones and how old they are."""

import re
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from delivery import services
from delivery.models import Complaint
from tests.conftest import SHANGHAI, TODAY

LIST_URL = reverse("delivery:complaint_list")


@pytest.fixture
def complaint_of(delivered):
    def make(*, description="空调异味", **overrides) -> Complaint:
        delivery = delivered(**overrides)
        return services.complaint_open(delivery=delivery, by=delivery.consultant, description=description)

    return make


def test_a_complaint_is_owned_by_the_customers_consultant_and_opens_open(frozen_clock, complaint_of, consultant):
    complaint = complaint_of()

    assert (complaint.owner, complaint.status, complaint.opened_on, complaint.opened_by) == (
        consultant,
        "open",
        TODAY,
        consultant,
    )


def test_complaints_are_about_delivered_cars(frozen_clock, signed, book):
    delivery = book(signed())

    with pytest.raises(ValidationError):
        services.complaint_open(delivery=delivery, by=delivery.consultant, description="x")


def test_actions_are_dated_and_the_first_puts_the_complaint_in_progress(frozen_clock, complaint_of, consultant):
    complaint = complaint_of()

    services.complaint_add_action(complaint=complaint, by=consultant, taken_on=TODAY, description="约客户周一到店检查")
    services.complaint_add_action(
        complaint=complaint, by=consultant, taken_on=TODAY - timedelta(days=1), description="电话致歉"
    )

    complaint.refresh_from_db()
    assert complaint.status == "in_progress"
    assert [(a.taken_on, a.description) for a in complaint.actions.all()] == [
        (TODAY - timedelta(days=1), "电话致歉"),
        (TODAY, "约客户周一到店检查"),
    ]
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_add_action(
            complaint=complaint, by=consultant, taken_on=TODAY + timedelta(days=1), description=" "
        )
    assert sorted(excinfo.value.message_dict) == ["description", "taken_on"]


def test_closing_needs_a_note_and_a_manager(frozen_clock, complaint_of, consultant, manager, other_manager):
    complaint = complaint_of()

    for user in (consultant, other_manager):
        with pytest.raises(PermissionDenied):
            services.complaint_close(complaint=complaint, by=user, closing_note="已解决")
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_close(complaint=complaint, by=manager, closing_note="  ")
    assert list(excinfo.value.message_dict) == ["closing_note"]

    services.complaint_close(complaint=complaint, by=manager, closing_note="更换空调滤芯，客户满意")

    complaint.refresh_from_db()
    assert (complaint.status, complaint.closed_by, complaint.closing_note) == (
        "closed",
        manager,
        "更换空调滤芯，客户满意",
    )
    with pytest.raises(ValidationError):
        services.complaint_add_action(complaint=complaint, by=consultant, taken_on=TODAY, description="再次回访")
    with pytest.raises(ValidationError):
        services.complaint_close(complaint=complaint, by=manager, closing_note="again")


def test_the_database_refuses_a_closed_complaint_without_a_note(frozen_clock, complaint_of):
    complaint = complaint_of()

    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(status="closed", closed_at=datetime.now(SHANGHAI))


def list_rows(html: str) -> list[tuple[int, str]]:
    """(complaint id, its age cell) in page order."""
    rows = re.findall(r'<tr data-complaint="(\d+)".*?<td class="complaint-age">(.*?)</td>', html, re.S)
    return [(int(pk), age.strip()) for pk, age in rows]


def test_the_manager_sees_the_open_complaints_oldest_first_with_their_age(
    frozen_clock, delivered, client_for, consultant, other_consultant, manager, other_manager
):
    mine, theirs, another = delivered(), delivered(consultant=other_consultant), delivered()

    def complain(delivery, description):
        return services.complaint_open(delivery=delivery, by=delivery.consultant, description=description)

    old = complain(mine, "漆面划痕")
    frozen_clock.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI))
    recent = complain(theirs, "导航不准")
    closed = complain(another, "脚垫少一块")
    services.complaint_close(complaint=closed, by=manager, closing_note="已补发")
    frozen_clock.move_to(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))

    html = client_for(manager).get(LIST_URL).content.decode()

    assert list_rows(html) == [(old.pk, "10 days"), (recent.pk, "3 days")]
    assert list_rows(client_for(manager).get(LIST_URL + "?status=closed").content.decode()) == [(closed.pk, "0 days")]
    assert list_rows(client_for(manager).get(LIST_URL + "?status=").content.decode())[-1][0] == closed.pk
    # Consultants see their own customers' complaints; another showroom's manager sees none of these.
    assert [pk for pk, _age in list_rows(client_for(other_consultant).get(LIST_URL).content.decode())] == [recent.pk]
    assert list_rows(client_for(other_manager).get(LIST_URL).content.decode()) == []


def test_managers_find_the_open_complaints_in_the_navigation(client_for, consultant, manager):
    nav = client_for(manager).get(reverse("followups:today")).content.decode().split("<main")[0]

    assert f'href="{LIST_URL}" id="nav-complaints"' in nav and "Open complaints" in nav


def test_the_complaint_page_adds_actions_and_closes(frozen_clock, complaint_of, client_for, consultant, manager):
    complaint = complaint_of()

    response = client_for(consultant).post(
        reverse("delivery:complaint_add_action", args=[complaint.pk]),
        {"taken_on": TODAY.isoformat(), "description": "已预约售后"},
    )
    assert response.status_code == 302
    refused = client_for(manager).post(reverse("delivery:complaint_close", args=[complaint.pk]), {"closing_note": ""})
    assert refused.status_code == 200
    assert list(refused.context["close_form"].errors) == ["closing_note"]
    client_for(manager).post(reverse("delivery:complaint_close", args=[complaint.pk]), {"closing_note": "已修复"})

    html = client_for(consultant).get(reverse("delivery:complaint_detail", args=[complaint.pk])).content.decode()
    assert "已预约售后" in html and 'id="closing-note">已修复' in html
    assert 'id="close-form"' not in html


def test_a_complaint_is_recorded_from_the_contract_page(
    frozen_clock, delivered, client_for, consultant, other_consultant
):
    delivery = delivered()

    response = client_for(consultant).post(
        reverse("delivery:complaint_create", args=[delivery.contract_id]),
        {"description": "车机黑屏", "owner": other_consultant.pk},
    )

    complaint = Complaint.objects.get()
    assert response["Location"] == reverse("delivery:complaint_detail", args=[complaint.pk])
    assert (complaint.owner, complaint.callback) == (other_consultant, None)
