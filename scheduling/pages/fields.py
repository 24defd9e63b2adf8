"""Form fields the pages share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from clinic.validators import validate_clinic_date

# Dates a page may go to are the API's (clinic.validators): a typed year 9999 is a field
# error, never an overflow in the date arithmetic behind it.
check_clinic_date = validate_clinic_date


class ClinicDateField(forms.DateField):
    """A date between EARLIEST and LATEST; anything else is refused on the field."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        validate_clinic_date(value)


class ClinicDateTimeField(forms.DateTimeField):
    """A date and time on a date between EARLIEST and LATEST."""

    def to_python(self, value: Any) -> dt.datetime | None:
        # Django's parsers stop at a NUL: "2026-11-20T09:00\x00" would read as 09:00.
        if isinstance(value, str) and "\x00" in value:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

    def validate(self, value: Any) -> None:
        super().validate(value)
        validate_clinic_date(value if isinstance(value, dt.datetime) else None)
