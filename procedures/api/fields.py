"""Serializer fields for the procedure vocabulary."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from procedures.rules.levels import LEVELS, in_spine_order, stray_levels_error


class LevelsField(serializers.ListField):
    """Spinal levels (`L4-L5`, `S1`), each once; answered in spine order."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("child", serializers.ChoiceField(choices=LEVELS))
        kwargs.setdefault("max_length", len(LEVELS))
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "Spinal levels treated, e.g. `L4-L5` (facet joints `C2-C3` ... `L5-S1`; a "
            "transforaminal foramen may also be `S1`). Optional; when given, level rules apply.",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> list[str]:
        levels = super().to_internal_value(data)
        if len(set(levels)) != len(levels):
            raise serializers.ValidationError("Give each level once.")
        return in_spine_order(levels)


def check_levels_in_region(attrs: dict[str, Any]) -> dict[str, Any]:
    """A serializer's `validate`: the levels lie in the region's group (`L4-L5` is lumbar)."""
    error = stray_levels_error(attrs.get("region"), attrs.get("levels") or [])
    if error:
        raise serializers.ValidationError({"levels": [error]})
    return attrs


def sedation_query_field() -> serializers.BooleanField:
    """`sedation` on eligibility and slot search: the booking's own question, asked early.

    Accepted so a client can send the same query it will book with; sedation shapes the
    case's checklist (NPO, driver), and no eligibility rule or slot depends on it today.
    """
    return serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Sedation planned, as when booking (default: the catalog's). No rule "
        "depends on it; it is accepted so the booking's query can be sent as is.",
    )
