"""Tokens in the admin: made and shown once, stored hashed, revoked; a showroom's administrator sees their own."""

import hashlib

import pytest
from django.urls import reverse

from dcc.models import LeadSource, Platform, SourceToken
from dcc.services.tokens import source_token_authenticate
from tests.factories import UserFactory


@pytest.fixture
def showroom_admin(showroom):
    return UserFactory(username="sradmin", showroom=showroom, role="admin", is_staff=True)


def test_a_token_is_shown_once_and_stored_as_its_hash(client, lead_source, showroom_admin):
    client.force_login(showroom_admin)
    response = client.post(
        reverse("admin:dcc_sourcetoken_add"), {"source": lead_source.pk, "label": "汽车之家推送"}, follow=True
    )
    token = SourceToken.objects.get()
    shown = [str(message) for message in response.context["messages"]]
    raw = next(part for message in shown for part in message.split("<code>")[1:]).split("</code>")[0]
    assert raw.startswith(token.prefix) and token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in client.get(reverse("admin:dcc_sourcetoken_change", args=[token.pk])).content.decode()
    assert source_token_authenticate(raw=raw) == token
    client.post(
        reverse("admin:dcc_sourcetoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert source_token_authenticate(raw=raw) is None
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_another_showrooms_source_is_neither_listed_nor_choosable(client, lead_source, showroom_admin, other_showroom):
    foreign = LeadSource.objects.create(showroom=other_showroom, code="yiche", name="外店来源", platform=Platform.YICHE)
    client.force_login(showroom_admin)
    assert "外店来源" not in client.get(reverse("admin:dcc_leadsource_changelist")).content.decode()
    response = client.post(reverse("admin:dcc_sourcetoken_add"), {"source": foreign.pk, "label": "x"})
    assert response.status_code == 200 and not SourceToken.objects.exists()  # "not one of the choices"
