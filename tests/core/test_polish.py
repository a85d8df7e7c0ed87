"""The small things every page shares: amounts, empty choices, plurals, the home-screen manifest."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from delivery.forms import ContractForm
from leads.filters.register import VisitFilter
from tests.conftest import TODAY


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        (Decimal("189800"), 2, "189,800.00"),
        (Decimal("189800"), 0, "189,800"),
        (Decimal("1234567.5"), 2, "1,234,567.50"),
        (Decimal("999.995"), 2, "1,000.00"),
    ],
)
@pytest.mark.parametrize(("language", "symbol"), [("zh-hans", "¥"), ("en", "CN¥")])
def test_money_groups_thousands_behind_the_locales_currency_symbol(value, decimals, shown, language, symbol):
    template = Template("{% load money %}{{ amount|money:decimals }}")

    with translation.override(language):
        assert template.render(Context({"amount": value, "decimals": decimals})) == symbol + shown


def test_money_puts_the_minus_before_the_symbol_and_shows_nothing_for_no_amount():
    with translation.override("zh-hans"):
        assert (
            Template("{% load money %}{{ a|money:0 }}|{{ b|money }}").render(
                Context({"a": Decimal("-20000"), "b": None})
            )
            == "-¥20,000|"
        )


def empty_choice_labels(form) -> list[str]:
    """The label of the empty choice of every select of a rendered form."""
    import re

    return re.findall(r'<option value=""[^>]*>([^<]*)</option>', str(form))


@pytest.mark.parametrize(("language", "label"), [("zh-hans", "全部"), ("en", "All")])
def test_list_filters_offer_all_as_the_empty_choice(consultant, language, label):
    with translation.override(language):
        labels = empty_choice_labels(VisitFilter(data={}, user=consultant, today=TODAY).form)

    assert len(labels) == 6  # consultant, kind, grade, source, model, left a phone
    assert set(labels) == {label}


@pytest.mark.parametrize(("language", "label"), [("zh-hans", "请选择"), ("en", "Please choose")])
def test_forms_ask_to_choose_instead_of_dashes(consultant, make_lead, language, label):
    lead = make_lead(consultant=consultant)
    with translation.override(language):
        labels = empty_choice_labels(ContractForm(lead=lead))

    assert labels and set(labels) == {label}


@pytest.mark.parametrize(
    ("walk_ins", "calls", "english"), [(1, 1, "(1 walk-in, 1 call)"), (5, 2, "(5 walk-ins, 2 calls)")]
)
def test_daily_figures_count_walk_ins_and_calls_in_the_right_number(walk_ins, calls, english):
    from django.template.loader import render_to_string

    figures = {"visitors": walk_ins + calls, "walk_ins": walk_ins, "calls": calls}
    with translation.override("en"):
        english_page = render_to_string("reports/includes/daily_lines.html", {"figures": figures})
    with translation.override("zh-hans"):
        chinese_page = render_to_string("reports/includes/daily_lines.html", {"figures": figures})

    assert english in " ".join(english_page.split())
    assert f"来店{walk_ins}, 来电{calls}" in chinese_page


def test_manifest_lets_a_phone_add_the_app_to_its_home_screen(client, db):
    response = client.get(reverse("manifest"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["name"] == "展厅CRM"  # no cookie comes with it: the default language
    assert manifest["short_name"] and manifest["theme_color"] == "#212529"
    assert manifest["start_url"] == reverse("home") and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512", "any"} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200, icon["src"]


def test_every_page_links_the_icons_and_the_manifest(client, db):
    page = client.get(reverse("login")).content.decode()

    assert f'rel="manifest" href="{reverse("manifest")}"' in page
    assert 'rel="icon"' in page and 'rel="apple-touch-icon"' in page and 'name="theme-color"' in page


def test_login_page_puts_the_form_before_the_language_buttons(client, db):
    page = client.get(reverse("login")).content.decode()

    assert page.count('id="language-switch"') == 1
    assert page.index('name="password"') < page.index('id="language-switch"')
