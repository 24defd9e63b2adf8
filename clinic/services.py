"""The only place that changes clinic rows. Each call is one transaction with its audit row."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction

from clinic import audit
from clinic.models import Patient, Provider, Room
from clinic.signals import patient_changed

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


def lock_patient(patient: Patient) -> Patient:
    """Lock the patient's row until the transaction ends.

    Every write that counts or changes a patient's records (bookings, history, drugs,
    authorizations) takes this lock first, so two of them for one patient queue up, and a
    service that locks other rows too always takes this one before them.
    """
    return Patient.objects.select_for_update().get(pk=patient.pk)


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
    locked = lock_patient(patient)
    before = audit.snapshot(locked)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    changes = audit.diff(before, audit.snapshot(locked))
    if changes:
        # The lock is on this patient only: another patient may be taking the same new MRN
        # right now, which full_clean() cannot see but the unique index can.
        try:
            with transaction.atomic():
                locked.save(update_fields=[*changes, "updated_at"])
        except IntegrityError as exc:
            if "mrn" not in changes:
                raise
            label = Patient._meta.get_field("mrn").verbose_name
            raise ValidationError({"mrn": [f"A record with this {label} already exists."]}) from exc
        audit.record(actor=acting_user, action="patient.update", instance=locked, changes=changes)
        # The booked cases follow the new facts in this transaction (scheduling listens).
        patient_changed.send(sender=Patient, patient=locked, changes=changes, actor=acting_user)
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


# A room's name is unique per site; a duplicate is reported on the name, the field to change.
ROOM_NAME_TAKEN = "This site already has a room with this name."


def _room_name_taken(error: ValidationError) -> ValidationError:
    """full_clean() reports the (site, name) constraint for the whole row; put it on `name`."""
    errors = dict(error.error_dict)
    whole_row = errors.pop(NON_FIELD_ERRORS, [])
    others = [e for e in whole_row if e.code != "unique_together"]
    if len(others) < len(whole_row):
        errors["name"] = [*errors.get("name", []), ValidationError(ROOM_NAME_TAKEN, code="unique")]
    if others:
        errors[NON_FIELD_ERRORS] = others
    return ValidationError(errors)


@transaction.atomic
def room_create(*, acting_user: Actor, **fields: Any) -> Room:
    room = Room(**fields)
    try:
        room.full_clean()
    except ValidationError as exc:
        raise _room_name_taken(exc) from exc
    # full_clean() cannot see a room another request is inserting right now (on PostgreSQL);
    # the unique constraint can, so a racing duplicate ends here, as in _save_new().
    try:
        with transaction.atomic():
            room.save()
    except IntegrityError as exc:
        raise ValidationError({"name": [ROOM_NAME_TAKEN]}) from exc
    audit.record(
        actor=acting_user, action="room.create", instance=room, changes=audit.snapshot(room)
    )
    return room
