"""Form fields the pages share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

# Dates a page may go to: any clinic's records, well away from Python's date limits, so a
# typed year 9999 is a field error and never an overflow in the date arithmetic behind it.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def check_clinic_date(day: dt.date | None) -> None:
    if day is not None and not EARLIEST <= day <= LATEST:
        raise forms.ValidationError(
            f"Choose a date between {EARLIEST:%Y} and {LATEST:%Y}.", code="out_of_range"
        )


class ClinicDateField(forms.DateField):
    """A date between EARLIEST and LATEST; anything else is refused on the field."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        check_clinic_date(value)


class ClinicDateTimeField(forms.DateTimeField):
    """A date and time on a date between EARLIEST and LATEST."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        check_clinic_date(value.date() if isinstance(value, dt.datetime) else None)
