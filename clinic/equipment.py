"""Shared equipment (an RF generator, a portable C-arm): adding a unit, as rooms are added.

Booking takes a free unit of the kind a procedure needs at the room's site
(`scheduling.services.booking`); managers add units here, through the API, or in the admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clinic import audit
from clinic.models import Equipment

# A unit's name is unique per site; a duplicate is reported on the name, the field to change.
EQUIPMENT_NAME_TAKEN = "This site already has equipment with this name."


@transaction.atomic
def equipment_create(*, acting_user: AbstractBaseUser | None, **fields: Any) -> Equipment:
    unit = Equipment(**fields)
    try:
        unit.full_clean()
    except ValidationError as exc:
        if "__all__" in exc.message_dict:
            raise ValidationError({"name": [EQUIPMENT_NAME_TAKEN]}) from exc
        raise
    # full_clean() cannot see a unit another request is inserting right now (on PostgreSQL);
    # the unique constraint can.
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError as exc:
        raise ValidationError({"name": [EQUIPMENT_NAME_TAKEN]}) from exc
    audit.record(
        actor=acting_user, action="equipment.create", instance=unit, changes=audit.snapshot(unit)
    )
    return unit
