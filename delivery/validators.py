"""Checks on values typed in the delivery paperwork."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

VIN_LENGTH = 17
# ISO 3779: digits and capital letters except I, O and Q (too easily read as 1 and 0).
VIN_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPRSTUVWXYZ")
FORBIDDEN_VIN_LETTERS = ("I", "O", "Q")


def normalize_vin(value: str) -> str:
    """What people type (spaces, lower case) as the VIN is stored: 17 capitals and digits."""
    return "".join(value.split()).upper()


def validate_vin(value: str) -> None:
    """Length and alphabet only, on purpose no check digit: the 9th-character check digit is the North-American
    rule, and the VINs of cars sold in China do not all carry a valid one (imports, older domestic makes), so a
    check-digit test would refuse real cars. An empty VIN is allowed: the car may not be allocated yet."""
    if not value:
        return
    if len(value) != VIN_LENGTH:
        raise ValidationError(
            _("A VIN has 17 characters; this one has %(count)s."), code="vin_length", params={"count": len(value)}
        )
    wrong = sorted(set(value) - VIN_ALPHABET)
    if wrong:
        raise ValidationError(
            _("A VIN has only digits and capital letters other than I, O and Q; not: %(characters)s."),
            code="vin_alphabet",
            params={"characters": " ".join(wrong)},
        )
