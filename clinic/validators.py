"""Field validators for identifiers that have a published check digit or format."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def validate_e164(value: str) -> None:
    """A phone number in E.164: '+', a country code, at most 15 digits, no spaces."""
    if not E164.match(value):
        raise ValidationError(
            "Enter the phone number in international E.164 form, e.g. +12125550123.",
            code="invalid_phone",
        )


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
    if not re.fullmatch(r"\d{10}", value or ""):
        raise ValidationError("An NPI is exactly 10 digits.", code="invalid_npi")
    if not luhn_valid("80840" + value):
        raise ValidationError("This NPI's check digit is wrong.", code="invalid_npi")
