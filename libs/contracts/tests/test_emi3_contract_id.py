"""eMI3 contract ids: their spellings, their check digit and the errors that name the fault."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evroam_contracts.emi3 import (
    ContractId,
    InvalidContractIdError,
    check_digit,
    normalise_contract_id,
    parse_contract_id,
    validate_contract_id,
)

ALNUM = string.digits + string.ascii_uppercase

# Published ids and their check digits:
# - "DE83DUIEN83QGZ" -> D: the worked example of eMI3 "Check Digit Calculation for
#   Contract-IDs" (E-Mobility-IDs_EVCOID_Check-Digit-Calculation_Explanation.pdf, ochp.eu);
# - "DE8AACA2B3C4D5" -> L: eMI3 v1.0 Part 2 (Business Objects), section 1.2.2.1,
#   "DE-8AA-CA2B3C4D5-L";
# - the others: the examples of that check digit document, as the mobilityid library of
#   The New Motion (github.com/ShellRechargeSolutionsEU/mobilityid, CheckDigitSpec) lists them;
#   FRXYZ123456789 -> 2 is also Gireve's contract id example.
PUBLISHED = [
    ("DE83DUIEN83QGZ", "D"),
    ("DE8AACA2B3C4D5", "L"),
    ("NN123ABCDEFGHI", "T"),
    ("FRXYZ123456789", "2"),
    ("ITA1B2C3E4F5G6", "4"),
    ("ESZU8WOX834H1D", "R"),
    ("PT73902837ABCZ", "Z"),
    ("DE83DUIEN83ZGQ", "M"),
    ("DE8AA001234567", "0"),
]


@pytest.mark.parametrize(("body", "digit"), PUBLISHED)
def test_the_check_digit_of_every_published_example_is_the_published_one(
    body: str, digit: str
) -> None:
    assert check_digit(body) == digit
    assert check_digit(body.lower()) == digit


@pytest.mark.parametrize(
    "spelling",
    ["DE-8AA-CA2B3C4D5-L", "DE8AACA2B3C4D5L", "de-8aa-ca2b3c4d5-l", " DE8AACA2B3C4D5L "],
)
def test_every_spelling_of_the_emi3_example_reads_as_one_contract(spelling: str) -> None:
    contract = parse_contract_id(spelling)
    assert contract == ContractId("DE", "8AA", "A2B3C4D5", "L")
    assert str(contract) == "DE-8AA-CA2B3C4D5-L"
    assert contract.compact == "DE8AACA2B3C4D5L"
    assert validate_contract_id(spelling) == "DE-8AA-CA2B3C4D5-L"


def test_a_missing_check_digit_is_computed_when_normalising() -> None:
    assert normalise_contract_id("DE-8AA-CA2B3C4D5") == "DE-8AA-CA2B3C4D5-L"
    assert normalise_contract_id("de8aaca2b3c4d5") == "DE-8AA-CA2B3C4D5-L"


def test_validation_requires_the_check_digit_and_says_what_it_would_be() -> None:
    with pytest.raises(InvalidContractIdError, match=r"no check digit.*DE-8AA-CA2B3C4D5-L"):
        validate_contract_id("DE-8AA-CA2B3C4D5")


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("DE-8AA-CA2B3C4D5-X", "check digit is 'X' but must be 'L'"),
        ("D1-8AA-CA2B3C4D5-L", "country code 'D1' must be 2 letters"),
        ("DE-8A!-CA2B3C4D5-L", "provider id '8A!' must be 3 letters or digits"),
        ("DE-8AA-XA2B3C4D5-L", "id type 'X' must be 'C'"),
        ("DE-8AA-CA2B3C4_5-L", "instance 'A2B3C4_5' must be 8 letters or digits"),
        ("DE-8AA-CA2B3C4D", "13 characters"),
        ("DE-8AA-CA2B3C4D5-LL", "16 characters"),
        ("DE-8AA-C-A2B3C4D5-L", "separators"),
        ("DE8AA-CA2B3C4D5-L", "separators"),
        ("DE-8AA-CA2B3C4D5É", "not ASCII"),
        ("", "0 characters"),
    ],
)
def test_a_malformed_contract_id_is_refused_with_the_part_at_fault(text: str, fault: str) -> None:
    with pytest.raises(InvalidContractIdError, match=re.escape(fault)):
        validate_contract_id(text)


def test_the_error_is_a_value_error_so_pydantic_reports_it_on_its_field() -> None:
    assert issubclass(InvalidContractIdError, ValueError)


def test_a_check_digit_needs_exactly_fourteen_letters_or_digits() -> None:
    for body in ("DE83DUIEN83QG", "DE83DUIEN83QGZD", "DE83DUIEN83QG!"):
        with pytest.raises(InvalidContractIdError, match="14 letters and digits"):
            check_digit(body)


countries = st.text(string.ascii_uppercase, min_size=2, max_size=2)
providers = st.text(ALNUM, min_size=3, max_size=3)
instances = st.text(ALNUM, min_size=8, max_size=8)
bodies = st.text(ALNUM, min_size=14, max_size=14)


@given(countries, providers, instances)
def test_a_contract_id_with_its_computed_check_digit_validates(
    country: str, provider: str, instance: str
) -> None:
    contract = ContractId.new(country, provider, instance)
    assert validate_contract_id(str(contract)) == str(contract)
    assert validate_contract_id(contract.compact.lower()) == str(contract)


@given(bodies, st.integers(0, 14), st.sampled_from(ALNUM))
def test_a_single_changed_character_is_caught_by_the_check_digit(
    body: str, at: int, replacement: str
) -> None:
    whole = body + check_digit(body)
    changed = whole[:at] + replacement + whole[at + 1 :]
    if changed != whole:
        assert check_digit(changed[:14]) != changed[14]


@given(bodies, st.integers(0, 13))
def test_two_swapped_neighbours_are_caught_by_the_check_digit(body: str, at: int) -> None:
    whole = body + check_digit(body)
    swapped = whole[:at] + whole[at + 1] + whole[at] + whole[at + 2 :]
    if swapped != whole:
        assert check_digit(swapped[:14]) != swapped[14]


@given(countries, providers, instances, st.integers(0, 14), st.sampled_from(ALNUM))
def test_a_changed_character_in_a_contract_id_is_refused(
    country: str, provider: str, instance: str, at: int, replacement: str
) -> None:
    compact = ContractId.new(country, provider, instance).compact
    changed = compact[:at] + replacement + compact[at + 1 :]
    if changed != compact:
        with pytest.raises(InvalidContractIdError):
            validate_contract_id(changed)
