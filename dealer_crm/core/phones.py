"""Chinese phone numbers: one normal form for storage and look-up, and masking for display."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")  # area code + subscriber number, separators removed


def normalize_phone(raw: str) -> str:
    """Digits only, without the +86 / 0086 country prefix, so one number has one spelling.

    Raises ValidationError when the result is neither a mainland mobile nor a landline number.
    """
    digits = re.sub(r"[\s\-()（）]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not (MOBILE.match(digits) or LANDLINE.match(digits)):
        raise ValidationError(
            _("Enter an 11-digit mobile number starting with 1, or a landline with its area code."),
            code="invalid_phone",
        )
    return digits


def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise a number you know, not enough to call it."""
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def can_see_phones(viewer) -> bool:
    """The showroom's staff see their customers' numbers in full (the scoped selectors already keep others'
    customers away); the dealer group's read-only role calls no one, so it sees them masked. `viewer` None: the
    command line, which is the showroom's own. (The register's entries have their own rule: can_see_phone.)"""
    return viewer is None or not viewer.is_group_viewer


def phone_for(viewer, phone: str) -> str:
    """A customer's number as `viewer` may see it (can_see_phones)."""
    if phone and not can_see_phones(viewer):
        return mask_phone(phone)
    return phone
