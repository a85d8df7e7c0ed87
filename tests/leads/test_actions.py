"""leads' pages show the actions of the apps above through leads/actions.py, and render without them."""

import pytest
from django.urls import reverse

from leads import actions

BUTTONS = ('id="register-export"', 'id="tracker-export"', 'id="lost-export"', 'id="lead-contract"')


def leads_pages(client_for, make_lead, consultant, manager) -> str:
    lead = make_lead(consultant=consultant)
    own, boss = client_for(consultant), client_for(manager)
    pages = [
        own.get(reverse("leads:visit_list")),
        own.get(reverse("leads:lead_list")),
        boss.get(reverse("leads:lost_list")),
        own.get(reverse("leads:lead_detail", args=[lead.pk])),
    ]
    assert [page.status_code for page in pages] == [200] * 4
    return "".join(page.content.decode() for page in pages)


def test_the_apps_above_register_their_exports_and_the_contract(client_for, make_lead, consultant, manager):
    html = leads_pages(client_for, make_lead, consultant, manager)
    assert all(button in html for button in BUTTONS)
    assert f'href="{reverse("reports:register_export")}"' in html


def test_leads_pages_render_without_the_apps_above(client_for, make_lead, consultant, manager, monkeypatch):
    monkeypatch.setattr(actions, "_lead_actions", {})
    monkeypatch.setattr(actions, "_list_exports", {})
    html = leads_pages(client_for, make_lead, consultant, manager)
    assert not [button for button in BUTTONS if button in html]


def test_an_export_names_a_known_page():
    with pytest.raises(ValueError):
        actions.register_list_export(page="contracts", url_name="reports:register_export")
