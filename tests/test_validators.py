"""The identifier validators, table-driven, without a database.

Check digits were worked out by hand with the CMS method (double every other digit of the
nine from the right, add 24, round up to ten), not with the code under test.
"""

import pytest
from django.core.exceptions import ValidationError

from clinic.validators import luhn_valid, validate_npi

VALID_NPIS = ["1234567893", "1000000004", "9876543213", "1999999992", "5555555551"]

INVALID_NPIS = [
    ("1234567890", "wrong check digit"),
    ("1234567894", "check digit off by one"),
    ("2134567893", "two digits swapped"),
    ("123456789", "nine digits"),
    ("12345678931", "eleven digits"),
    ("", "empty"),
    ("123456789a", "a letter"),
    ("12345 7893", "a space"),
    ("1234567893\n", "a trailing newline"),
    ("\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0663", "Arabic-Indic digits"),
]


@pytest.mark.parametrize("npi", VALID_NPIS)
def test_an_npi_with_the_right_check_digit_is_accepted(npi):
    assert validate_npi(npi) is None


@pytest.mark.parametrize(("npi", "why"), INVALID_NPIS, ids=[why for _, why in INVALID_NPIS])
def test_an_npi_that_is_not_ten_digits_with_a_good_check_digit_is_refused(npi, why):
    with pytest.raises(ValidationError) as refused:
        validate_npi(npi)
    assert refused.value.code == "invalid_npi"


def test_an_npi_with_a_wrong_check_digit_says_so_rather_than_blaming_the_length():
    with pytest.raises(ValidationError) as refused:
        validate_npi("1234567890")
    assert "check digit" in refused.value.messages[0]


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("79927398713", True),  # the textbook Luhn example
        ("79927398710", False),
        ("79927398714", False),
        ("808401234567893", True),  # the CMS example NPI with its 80840 prefix
        ("808401234567890", False),
        ("4539578763621486", True),  # a card-style sixteen digits
        ("4539578763621487", False),
        ("0", True),
        ("18", True),
        ("81", False),
    ],
)
def test_the_luhn_check_agrees_with_worked_examples(digits, valid):
    assert luhn_valid(digits) is valid


@pytest.mark.parametrize("npi", VALID_NPIS)
def test_every_single_digit_change_to_a_valid_npi_makes_it_invalid(npi):
    # Luhn catches every single-digit error: that is why CMS chose it.
    for position in range(10):
        for replacement in "0123456789":
            if replacement == npi[position]:
                continue
            changed = npi[:position] + replacement + npi[position + 1 :]
            with pytest.raises(ValidationError):
                validate_npi(changed)
