"""Amounts read like amounts: grouped by thousands, with the currency (dealer_crm/core/templatetags/money.py)."""

from django.urls import reverse


def test_contract_page_shows_price_and_deposit_grouped_by_thousands(client_for, signed, consultant):
    contract = signed()  # 219800.00 and 20000.00

    page = client_for(consultant).get(reverse("delivery:contract_detail", args=[contract.pk])).content.decode()

    assert "¥219,800.00" in page and "¥20,000.00" in page
    assert "219800" not in page
