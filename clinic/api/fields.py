"""Serializer fields for what clients send: dates a clinic could mean and ids that fit a row.

Every date, time and id the API reads is range-checked here, where it is parsed, so that an
absurd but well-formed value ("9999-12-31", an id of 30 digits) is a 400 on its field and
never an overflow in the arithmetic or the database driver behind it.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework import serializers

from clinic.validators import MAX_ID, validate_clinic_date


class InClinicRange(serializers.Field):
    """A date, or a moment's date, between 1900 and 2200 (clinic.validators), without NUL."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["validators"] = [*kwargs.get("validators", ()), validate_clinic_date]
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        # Python's ISO parsers stop at a NUL: "2026-11-20T09:00\x00junk" would read as 09:00.
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(data)


class ClinicDateField(InClinicRange, serializers.DateField):
    """A date between 1900 and 2200."""


class ClinicDateTimeField(InClinicRange, serializers.DateTimeField):
    """A moment on a date between 1900 and 2200."""


class RowField(serializers.PrimaryKeyRelatedField):
    """A row named by its id: a whole number that fits the id column, then looked up.

    JSON's 1e400 is a float infinity, which Django's lookup turns into an OverflowError;
    a float is no id, and a number beyond 64 bits names no row.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool | float):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, int) and not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class IdField(serializers.IntegerField):
    """A row's id given as a filter: a positive 64-bit integer."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


# The largest value of each integer column, on every database: PostgreSQL enforces these,
# SQLite stores whatever it is given, so without them one input passes on one engine only.
INTEGER_COLUMN_MAX = {
    models.SmallIntegerField: 2**15 - 1,
    models.PositiveSmallIntegerField: 2**15 - 1,
    models.IntegerField: 2**31 - 1,
    models.PositiveIntegerField: 2**31 - 1,
}


class ClinicModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose dates, numbers and ids are range-checked like the fields above."""

    serializer_related_field = RowField

    def build_standard_field(self, field_name: str, model_field: Any) -> Any:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        largest = INTEGER_COLUMN_MAX.get(type(model_field))
        # A column with choices becomes a ChoiceField, which takes no bounds.
        if largest is not None and issubclass(field_class, serializers.IntegerField):
            kwargs["max_value"] = min(kwargs.get("max_value", largest), largest)
        return field_class, kwargs

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: ClinicDateField,
        models.DateTimeField: ClinicDateTimeField,
    }


class QuerySerializer(serializers.Serializer):
    """A query string's parameters: each one given at most once.

    A QueryDict answers the last of repeated values, so `?limit=5&limit=junk` would be read
    one way here and another by a proxy or a log; a parameter repeated is refused instead.
    """

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "getlist"):
            # A list parameter (`levels`) may repeat; any other may not.
            names: list[str] = [
                name
                for name, field in self.fields.items()
                if not isinstance(field, serializers.ListField | serializers.MultipleChoiceField)
            ]
            repeated = {
                name: ["Give this parameter once."] for name in names if len(data.getlist(name)) > 1
            }
            if repeated:
                raise serializers.ValidationError(repeated)
        return super().to_internal_value(data)
