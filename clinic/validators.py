"""Field validators: identifiers with a published check digit, and dates a clinic could mean."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone

# [0-9], not \d: \d also matches other scripts' digits (Arabic-Indic, full-width...), which
# int() reads too, so such an NPI would pass its check digit. fullmatch, not ^...$: "$" also
# matches before a trailing newline.
NPI = re.compile(r"[0-9]{10}")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2 == 1:
            number *= 2
            if number > 9:
                number -= 9
        total += number
    return total % 10 == 0


def validate_npi(value: str) -> None:
    """A US National Provider Identifier: 10 digits whose last is a Luhn check digit.

    CMS computes the check digit over the NPI prefixed with the card issuer code 80840.
    """
    if not NPI.fullmatch(value or ""):
        raise ValidationError("An NPI is exactly 10 digits.", code="invalid_npi")
    if not luhn_valid("80840" + value):
        raise ValidationError("This NPI's check digit is wrong.", code="invalid_npi")


def validate_birth_date(value: dt.date) -> None:
    """A birth date in the clinic's past, and after 1900 (older is a typing slip)."""
    if value > timezone.localdate():
        raise ValidationError("A birth date cannot be in the future.", code="future")
    if value.year < 1900:
        raise ValidationError("Enter a birth date after 1900.", code="too_early")


# Dates a clinic could mean (API.md, Errors): any record's or booking's date lies in this
# range, well inside Python's date limits, so "30 days after" or a time-zone shift of any
# accepted value never overflows deeper down.
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2200, 12, 31)
OUT_OF_RANGE = f"Choose a date between {EARLIEST:%Y} and {LATEST:%Y}."

# The largest id a client may send: the databases' 64-bit integer. A larger number names no
# row, and some drivers refuse to even bind it.
MAX_ID = 2**63 - 1


def validate_clinic_date(value: dt.date | None) -> None:
    """A date (or the date of a moment) between EARLIEST and LATEST."""
    if value is None:
        return
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(OUT_OF_RANGE, code="out_of_range")
