import pytest
from django.core.exceptions import ValidationError

from dealer_crm.core.phones import mask_phone, normalize_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        (" 138 0013-8000 ", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("+86-138-0013-8000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("19912345678", "19912345678"),
        ("010-65528888", "01065528888"),
        ("(010) 6552 8888", "01065528888"),
        ("（010）65528888", "01065528888"),
        ("0755-1234-5678", "075512345678"),
        ("021 1234567", "0211234567"),
    ],
)
def test_normalize_phone_keeps_digits_only_without_country_prefix(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "12800138000",  # mobile numbers start 13-19
        "10800138000",
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "23800138000",
        "13800l38000",  # a letter l for a one
        "+1 415 555 0100",
        "010-123456",  # subscriber number too short
        "6552 8888",  # landline without its area code
        "138.0013.8000",  # dots are not a separator we accept
    ],
)
def test_normalize_phone_rejects_what_is_neither_mobile_nor_landline(typed):
    with pytest.raises(ValidationError) as excinfo:
        normalize_phone(typed)
    assert excinfo.value.code == "invalid_phone"


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("13800138000", "138****8000"),
        ("13812345678", "138****5678"),
        ("01065528888", "010****8888"),
        ("075512345678", "075*****5678"),
        ("0211234567", "021***4567"),
        ("12345678", "123*5678"),
        ("1234567", "*******"),
        ("", ""),
    ],
)
def test_mask_phone_shows_first_three_and_last_four_digits(phone, shown):
    assert mask_phone(phone) == shown
