"""Deleting is the manager's soft delete: the entry leaves the register but stays, with who, when and why."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dealer_crm.core.history import Revision
from leads.models import Visit
from leads.services import register as services
from tests.conftest import CURRENT_TIME
from tests.i18n import zh


@pytest.fixture
def entry(make_visit, consultant):
    return make_visit(consultant=consultant, customer_name="王先生")


def delete_url(visit) -> str:
    return reverse("leads:visit_delete", kwargs={"pk": visit.pk})


def test_manager_deletes_softly_recording_who_when_and_why(client_for, manager, entry):
    response = client_for(manager).post(delete_url(entry), {"reason": "同一客户登记了两次"})

    assert response.status_code == 302
    assert response["Location"] == reverse("leads:visit_list")
    deleted = Visit.objects.get(pk=entry.pk)
    assert (deleted.deleted_at, deleted.deleted_by, deleted.delete_reason) == (
        CURRENT_TIME,
        manager,
        "同一客户登记了两次",
    )
    revision = deleted.revisions.get(action=Revision.Action.DELETED)
    assert (revision.by, revision.at, revision.reason) == (manager, CURRENT_TIME, "同一客户登记了两次")


def test_deleted_entry_leaves_the_register_and_its_page(client_for, manager, consultant, entry):
    services.visit_delete(visit=entry, by=manager, reason="录错了")
    zhang = client_for(consultant)

    assert list(zhang.get(reverse("leads:visit_list")).context["object_list"]) == []
    assert zhang.get(reverse("leads:visit_detail", kwargs={"pk": entry.pk})).status_code == 404
    assert Visit.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_delete_without_a_reason_is_refused(client_for, manager, entry, reason):
    response = client_for(manager).post(delete_url(entry), {"reason": reason})

    assert response.status_code == 302
    assert response["Location"] == reverse("leads:visit_detail", kwargs={"pk": entry.pk})
    assert [str(message) for message in get_messages(response.wsgi_request)] == [zh("Say why the entry is deleted.")]
    assert Visit.objects.get(pk=entry.pk).deleted_at is None


def test_service_refuses_a_delete_without_a_reason(manager, entry):
    with pytest.raises(ValidationError) as excinfo:
        services.visit_delete(visit=entry, by=manager, reason=" ")

    assert list(excinfo.value.message_dict) == ["reason"]
    assert Visit.objects.get(pk=entry.pk).deleted_at is None


@pytest.mark.parametrize("reason", ["录错了", ""])
def test_consultant_cannot_delete_even_their_own_entry(client_for, consultant, entry, reason):
    response = client_for(consultant).post(delete_url(entry), {"reason": reason})

    assert response.status_code == 403
    assert Visit.objects.get(pk=entry.pk).deleted_at is None


def test_service_refuses_a_consultants_delete(consultant, entry):
    with pytest.raises(PermissionDenied):
        services.visit_delete(visit=entry, by=consultant, reason="录错了")

    assert not Revision.objects.filter(action="deleted").exists()


def test_service_refuses_a_delete_by_the_manager_of_another_showroom(other_manager, entry):
    with pytest.raises(PermissionDenied):
        services.visit_delete(visit=entry, by=other_manager, reason="录错了")

    assert Visit.objects.get(pk=entry.pk).deleted_at is None


@pytest.mark.parametrize(("user", "offered"), [("consultant", False), ("manager", True)])
def test_delete_form_is_offered_to_managers_only(client_for, request, entry, user, offered):
    html = client_for(request.getfixturevalue(user)).get(reverse("leads:visit_detail", kwargs={"pk": entry.pk}))

    assert (delete_url(entry) in html.content.decode()) is offered
