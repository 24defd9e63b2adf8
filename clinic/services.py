"""The only place that changes clinic rows. Each call is one transaction with its audit row."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clinic import audit
from clinic.models import Patient, Provider, Room

Actor = AbstractBaseUser | None


def _save_new(instance: Any, unique_field: str) -> None:
    """Insert a validated row; a racing duplicate becomes a field error, not a 500."""
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        label = instance._meta.get_field(unique_field).verbose_name
        raise ValidationError(
            {unique_field: [f"A record with this {label} already exists."]}
        ) from exc


@transaction.atomic
def patient_create(*, acting_user: Actor, **fields: Any) -> Patient:
    patient = Patient(**fields)
    _save_new(patient, "mrn")
    audit.record(
        actor=acting_user,
        action="patient.create",
        instance=patient,
        changes=audit.snapshot(patient),
    )
    return patient


@transaction.atomic
def patient_update(*, patient: Patient, acting_user: Actor, **fields: Any) -> Patient:
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    before = audit.snapshot(locked)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    changes = audit.diff(before, audit.snapshot(locked))
    if changes:
        locked.save(update_fields=[*changes, "updated_at"])
        audit.record(actor=acting_user, action="patient.update", instance=locked, changes=changes)
    return locked


@transaction.atomic
def provider_create(*, acting_user: Actor, **fields: Any) -> Provider:
    provider = Provider(**fields)
    _save_new(provider, "npi")
    audit.record(
        actor=acting_user,
        action="provider.create",
        instance=provider,
        changes=audit.snapshot(provider),
    )
    return provider


@transaction.atomic
def room_create(*, acting_user: Actor, **fields: Any) -> Room:
    room = Room(**fields)
    room.full_clean()
    room.save()
    audit.record(
        actor=acting_user, action="room.create", instance=room, changes=audit.snapshot(room)
    )
    return room
