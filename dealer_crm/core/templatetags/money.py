"""`{{ contract.price|money }}` → ¥189,800.00, `|money:0` → ¥189,800: every amount on every page in one format.

Grouped by thousands with commas in both languages, as on Chinese contracts and invoices (Django's zh-Hans
number format has no thousands separator). The symbol is the locale's (CLDR's): ¥ in Chinese, CN¥ in English,
where a bare ¥ could be the yen.
"""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def money(value, decimals: int = 2) -> str:
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(Decimal(1).scaleb(-int(decimals)), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    symbol = pgettext("currency symbol", "CN¥")
    return f"{sign}{symbol}{abs(amount):,.{int(decimals)}f}"
