"""Validators for what the procedure tables store."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from procedures.rules.levels import LEVELS


def validate_levels(value: Any) -> None:
    """A list of spinal level labels (`L4-L5`, `S1`), each at most once."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("Give levels as a list of labels such as L4-L5.", code="invalid")
    unknown = [v for v in value if v not in LEVELS]
    if unknown:
        raise ValidationError(
            f"Not a spinal level: {', '.join(unknown)}. Use labels such as C5-C6, L4-L5 or S1.",
            code="invalid",
        )
    if len(set(value)) != len(value):
        raise ValidationError("Give each level once.", code="invalid")
