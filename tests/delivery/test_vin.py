"""VINs: 17 digits and capitals without I, O and Q; length and alphabet only (no check digit, see validators)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from delivery import services
from delivery.models import Contract
from delivery.validators import normalize_vin, validate_vin

# (typed, stored, valid)
CASES = [
    ("LSVAU2180N2123456", "LSVAU2180N2123456", True),
    ("lsvau2180n2123456", "LSVAU2180N2123456", True),  # typed in lower case: stored in capitals
    (" LSVAU 2180 N212 3456 ", "LSVAU2180N2123456", True),  # spaces as on the windscreen plate
    ("1HGCM82633A004352", "1HGCM82633A004352", True),  # a North-American VIN with a valid check digit
    ("LFV2A21K8A3000001", "LFV2A21K8A3000001", True),  # a Chinese VIN whose 9th character is not its check digit
    ("", "", True),  # not allocated yet
    ("LSVAU2180N212345", "LSVAU2180N212345", False),  # 16 characters
    ("LSVAU2180N21234567", "LSVAU2180N21234567", False),  # 18 characters
    ("LSVAU2180N212345I", "LSVAU2180N212345I", False),  # I looks like 1
    ("LSVAU2180N212345O", "LSVAU2180N212345O", False),  # O looks like 0
    ("LSVAU2180N212345Q", "LSVAU2180N212345Q", False),
    ("LSVAU2180N2-23456", "LSVAU2180N2-23456", False),  # punctuation
    ("LSVAU2180N21234Ä6", "LSVAU2180N21234Ä6", False),
]


@pytest.mark.parametrize(("typed", "stored", "valid"), CASES, ids=[repr(case[0]) for case in CASES])
def test_vin_is_normalised_then_checked_for_length_and_alphabet(typed, stored, valid):
    assert normalize_vin(typed) == stored
    if valid:
        validate_vin(stored)
    else:
        with pytest.raises(ValidationError):
            validate_vin(stored)


@pytest.mark.parametrize(("typed", "stored", "valid"), CASES, ids=[repr(case[0]) for case in CASES])
def test_the_contract_keeps_a_valid_vin_and_refuses_an_invalid_one_at_the_field(
    frozen_clock, signed, typed, stored, valid
):
    contract = signed()

    if valid:
        services.contract_update(
            contract=contract, by=contract.consultant, expected_version=contract.version, vin=typed
        )
        assert Contract.objects.get(pk=contract.pk).vin == stored
    else:
        with pytest.raises(ValidationError) as excinfo:
            services.contract_update(
                contract=contract, by=contract.consultant, expected_version=contract.version, vin=typed
            )
        assert list(excinfo.value.message_dict) == ["vin"]
        assert Contract.objects.get(pk=contract.pk).vin == ""


@pytest.mark.parametrize(
    "vin",
    ["LSVAU2180N212345", "lsvau2180n2123456", "LSVAU2180N212345I", "LSVAU2180N212345O", "LSVAU2180N212345Q"],
)
def test_the_database_refuses_a_vin_of_the_wrong_length_case_or_letters(frozen_clock, signed, vin):
    contract = signed()

    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(vin=vin)
