"""The API's own fields and parser, one behaviour each (the tables of test_hostile_input.py
drive them through every endpoint)."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from rest_framework import serializers

from clinic.api.fields import ClinicModelSerializer, IdField, QuerySerializer, RowField
from clinic.api.parsers import MAX_DEPTH, depth
from clinic.models import Patient
from procedures.api.fields import LevelsField
from procedures.models import PriorAuthorization
from scheduling.models import WorkingHours


class Query(QuerySerializer):
    one = serializers.CharField(required=False)
    levels = LevelsField()


def test_a_parameter_given_twice_is_refused_and_a_list_parameter_may_repeat():
    repeated = Query(data=QueryDict("one=a&one=b"))
    listed = Query(data=QueryDict("levels=L5-S1&levels=L4-L5"))

    assert not repeated.is_valid()
    assert repeated.errors == {"one": ["Give this parameter once."]}
    assert listed.is_valid(), listed.errors
    assert listed.validated_data["levels"] == ["L4-L5", "L5-S1"]  # spine order


@pytest.mark.parametrize("value", [1, 2**63 - 1])
def test_an_id_is_a_positive_64_bit_integer(value):
    assert IdField().run_validation(value) == value


@pytest.mark.parametrize("value", [0, 2**63, "x"])
def test_anything_else_is_no_id(value):
    with pytest.raises(serializers.ValidationError):
        IdField().run_validation(value)


@pytest.mark.django_db
@pytest.mark.parametrize("value", [float("inf"), 1.0, True, 2**64, -1])
def test_a_row_is_named_by_a_whole_id_that_fits(value):
    field = RowField(queryset=Patient.objects.all())

    with pytest.raises(serializers.ValidationError):
        field.run_validation(value)


@pytest.mark.django_db
def test_model_serializers_bound_integer_columns_but_leave_choices_alone():
    class Authorizations(ClinicModelSerializer):
        class Meta:
            model = PriorAuthorization
            fields = ["approved_units"]

    class Hours(ClinicModelSerializer):
        class Meta:
            model = WorkingHours
            fields = ["weekday", "start_time", "end_time"]

    # A small integer column without a validator of its own: SQLite would store 40000.
    assert Authorizations().fields["approved_units"].max_value == 2**15 - 1
    weekday = Hours().fields["weekday"]
    assert isinstance(weekday, serializers.ChoiceField)
    assert (
        Hours(data={"weekday": 9, "start_time": "08:00", "end_time": "17:00"}).is_valid() is False
    )


def test_depth_counts_nesting_without_recursion():
    deep: list = []
    for _ in range(5000):
        deep = [deep]

    assert depth({"a": [1, {"b": []}]}) == 4
    assert depth("flat") == 0
    assert depth(deep) > MAX_DEPTH  # stops counting once past the limit
